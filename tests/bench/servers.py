"""The servers the bench compares, each a real process on loopback: started, awaited, stopped.

Start-up is timed from spawning the process to its first answered request.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".bench" / "node_modules" / ".bin"
SEND_PATH = "/api/account/{account}/messaging/consumer/conversation/send"


@dataclass
class Server:
    """A started server: where it listens, its pid, how long it took to answer first."""

    name: str
    base_url: str
    pid: int
    startup_s: float
    info: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time ``pid`` has used so far, seconds (from /proc, so no extra dependency)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its children (WireMock's JVM and Prism's node run under a launcher)."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            total += cpu_seconds(p)
    return total


def rss_mb(pid: int, *, children: bool = True) -> float:
    """Resident memory of ``pid`` and its children (Java and Node start helpers, mockcc's delivery worker), MiB;
    ``children`` False: of ``pid`` alone."""
    total = 0
    for p in [pid, *(_children(pid) if children else [])]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


def _stop(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the bench dies, so no killed run leaves servers behind."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # its own process group: stopping it stops its children (WireMock's JVM)
        preexec_fn=_die_with_parent,
    )


@contextmanager
def mockcc(*args: str) -> Iterator[Server]:
    """``mockcc serve --port 0 ARGS``; start-up = spawn to the first answered ``/_mockcc/health``."""
    started = time.monotonic()
    proc = _spawn([sys.executable, "-m", "mockcc", "serve", "--port", "0", *args])
    try:
        line = _first_line(proc, 60)
        if not line.startswith("mockcc ready "):
            raise RuntimeError(f"mockcc serve did not start: {line!r}")
        info = dict(pair.split("=", 1) for pair in line.split()[2:])
        httpx.get(info["base_url"] + "/_mockcc/health", timeout=10).raise_for_status()
        yield Server("mockcc", info["base_url"], proc.pid, time.monotonic() - started, info)
    finally:
        _stop(proc)


@contextmanager
def python_server(module: str, name: str, probe: str = "/health", args: tuple[str, ...] = ()) -> Iterator[Server]:
    """A helper process of the bench that prints ``ready port=N`` (the ceiling, the receiver)."""
    started = time.monotonic()
    proc = _spawn([sys.executable, "-m", module, *args])
    try:
        line = _first_line(proc, 60)
        if not line.startswith("ready port="):
            raise RuntimeError(f"{module} did not start: {line!r}")
        base = f"http://127.0.0.1:{line.split('=', 1)[1].strip()}"
        if probe:  # the line comes before uvicorn listens: on a loaded machine the first probe can be refused
            _wait_http(base + probe, 30)
        yield Server(name, base, proc.pid, time.monotonic() - started)
    finally:
        _stop(proc)


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as http:
        while True:
            try:
                http.get(url)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} never answered") from None
                time.sleep(0.05)


@contextmanager
def wiremock(workdir: Path, account: str) -> Iterator[Server]:
    """WireMock standalone (npm ``wiremock``) with one canned SEND stub, default options."""
    mappings = workdir / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    stub = {
        "request": {"method": "POST", "urlPath": SEND_PATH.format(account=account)},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "jsonBody": {"code": "OK", "body": {"sequence": 1}, "reqId": "1"},
        },
    }
    (mappings / "send.json").write_text(json.dumps(stub))
    port = free_port()
    started = time.monotonic()
    proc = _spawn([str(TOOLS / "wiremock"), "--port", str(port), "--root-dir", str(workdir), "--disable-banner"])
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/__admin/health", 180)
        yield Server("wiremock", base, proc.pid, time.monotonic() - started)
    finally:
        _stop(proc)


@contextmanager
def prism(workdir: Path, account: str) -> Iterator[Server]:
    """Prism (npm ``@stoplight/prism-cli``) mocking SEND with the mock's schema; it validates every request."""
    from tests.bench import prismspec

    workdir.mkdir(parents=True, exist_ok=True)
    spec = prismspec.write(workdir / "send.json", account)
    port = free_port()
    started = time.monotonic()
    proc = _spawn([str(TOOLS / "prism"), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)])
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/", 180)
        yield Server("prism", base, proc.pid, time.monotonic() - started)
    finally:
        _stop(proc)
