"""A real ``mockcc serve`` process on loopback, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def mockcc_serve(
    *args: str,
    timeout: float = 20.0,
    stderr: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[dict[str, str]]:
    """Start ``python -m mockcc serve --port 0 ARGS``; yield the ready line's key=value pairs.

    ``stderr``: a file that gets the server's stderr as it is written (else it is kept for the error message).
    """
    sink = stderr.open("w", encoding="utf-8") if stderr else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockcc", "serve", "--port", "0", *args],
        preexec_fn=preexec_fn,  # tests use it to lower resource limits
        stdout=subprocess.PIPE,
        stderr=sink or subprocess.PIPE,
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
        for stream in (proc.stdout, proc.stderr, sink):
            if stream:
                stream.close()


def open_conversation(http: Any, ready: dict[str, str], ext_consumer_id: str) -> tuple[dict[str, str], str]:
    """Tokens for a consumer and a conversation opened for it, the way a connector does it by hand.

    ``http`` is an ``httpx.Client`` whose base URL is the mock's; returns (Send API headers, conversation id).
    """
    account = ready["account_id"]
    token = http.post(
        f"/sentinel/api/account/{account}/app/token",
        params={
            "v": "1.0",
            "grant_type": "client_credentials",
            "client_id": ready["client_id"],
            "client_secret": ready["client_secret"],
        },
    ).json()["access_token"]
    jws = http.post(
        f"/api/account/{account}/consumer",
        params={"v": "1.0"},
        json={"ext_consumer_id": ext_consumer_id},
        headers={"Authorization": token},
    ).json()["token"]
    headers = {"Authorization": token, "X-LP-ON-BEHALF": jws}
    conv = http.post(
        f"/api/account/{account}/messaging/consumer/conversation",
        params={"v": "3"},
        headers=headers,
        json=[
            {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
            {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": account}},
        ],
    )
    return headers, str(conv.json()[1]["body"]["conversationId"])
