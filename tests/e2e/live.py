"""A real ``mockcc serve`` process on loopback, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def mockcc_serve(*args: str, timeout: float = 20.0) -> Iterator[dict[str, str]]:
    """Start ``python -m mockcc serve --port 0 ARGS``; yield the ready line's key=value pairs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockcc", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(timeout)
    try:
        if not lines or not lines[0].startswith("mockcc ready "):
            proc.kill()
            raise RuntimeError(f"mockcc serve did not start: {lines} {proc.stderr.read() if proc.stderr else ''}")
        yield {**dict(pair.split("=", 1) for pair in lines[0].split()[2:]), "pid": str(proc.pid)}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
