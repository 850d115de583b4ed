"""Real sockets against a real ``mockcc serve``: header caps, a deadline for unfinished requests, a
connection cap under the file-descriptor limit, and uvloop. A parallel request keeps answering."""

from __future__ import annotations

import contextlib
import json
import resource
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from mockcc_contracts.launch import MockServer

pytestmark = pytest.mark.live


def _address(ready: dict[str, str]) -> tuple[str, int]:
    url = urlsplit(ready["base_url"])
    assert url.hostname
    assert url.port
    return url.hostname, url.port


def _health_seconds(ready: dict[str, str]) -> float:
    """How long a normal request takes to be answered right now (fails if it is not answered)."""
    started = time.perf_counter()
    r = httpx.get(ready["base_url"] + "/_mockcc/health", timeout=5)
    assert r.status_code == 200
    return time.perf_counter() - started


def _refused(mock: MockServer) -> list[tuple[object, ...]]:
    """The journal's record of what the server refused before parsing (here, control-plane calls)."""
    calls = httpx.get(mock.url + "/_mockcc/journal", params={"service": "control"}).json()["calls"]
    return [(c["method"], c["path"], c["status"], c["outcome"], c["explanation"]["rule"]) for c in calls]


def _answer(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (b"" if it just closes it)."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def _envelope(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@contextmanager
def _slow_connections(address: tuple[str, int], count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections, each with half a request line sent and nothing more (slow-loris)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.create_connection(address, timeout=5)
            s.sendall(b"GET /_mockcc/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            socks.append(s)
        yield socks
    finally:
        for s in socks:
            s.close()


def _low_fd_limit() -> None:  # runs in the server process before exec
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def test_slow_connections_cannot_starve_a_normal_request():
    """300 slow-loris connections against a server limited to 256 file descriptors."""
    with MockServer.start(preexec_fn=_low_fd_limit) as mock, _slow_connections(_address(mock.fields), 300):
        # a bound, not a speed target: a starved request would wait out the slow connections' 10 s deadline
        latency = _health_seconds(mock.fields)
        assert latency < 5.0, latency
        assert _health_seconds(mock.fields) < 5.0


def test_an_unfinished_request_is_timed_out():
    with MockServer.start("--request-timeout", "1") as mock:
        address = _address(mock.fields)
        started = time.perf_counter()
        with socket.create_connection(address) as partial, socket.create_connection(address) as silent:
            partial.sendall(b"POST /_mockcc/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
            status, body = _envelope(_answer(partial))
            assert status == 408
            assert body["code"] == "REQUEST_TIMEOUT"
            assert body["mockcc"]["rule"] == "request-timeout"  # type: ignore[index]
            assert _answer(silent) == b""  # closed
        assert time.perf_counter() - started < 8
        with socket.create_connection(address) as stalled_body:
            stalled_body.sendall(
                b"POST /_mockcc/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"
            )
            assert b" 200 " not in _answer(stalled_body)
        # the server still answers (a bound, not a speed target: generous for a loaded CI machine)
        assert _health_seconds(mock.fields) < 5.0
        assert _refused(mock)[:1] == [("POST", "/_mockcc/reset", 408, "rejected", "request-timeout")]


def test_too_many_headers_are_refused_and_do_not_stall_the_server():
    with MockServer.start() as mock:
        address = _address(mock.fields)
        with socket.create_connection(address) as at_the_cap:  # Host + 99: exactly the 100 header lines allowed
            headers = b"".join(b"X-H%d: v\r\n" % i for i in range(98))
            at_the_cap.sendall(
                b"GET /_mockcc/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"Connection: close\r\n\r\n"
            )
            assert _answer(at_the_cap).startswith(b"HTTP/1.1 200 ")
        with socket.create_connection(address) as few_too_many:
            headers = b"".join(b"X-H%d: v\r\n" % i for i in range(100))  # Host + 100: one line too many
            few_too_many.sendall(b"GET /_mockcc/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
            status, body = _envelope(_answer(few_too_many))
            assert status == 431
            assert body["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"
            assert body["mockcc"]["rule"] == "header-limit"  # type: ignore[index]
        assert _refused(mock) == [("GET", "/_mockcc/health", 431, "rejected", "header-limit")]

        answers: list[bytes] = []

        def flood(lines: bytes) -> None:
            with socket.create_connection(address) as s:
                with contextlib.suppress(OSError):  # the server stopped reading and closed: that is the point
                    s.sendall(b"GET /_mockcc/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + lines + b"\r\n")
                answers.append(_answer(s))

        many = b"".join(b"X-H: %d\r\n" % i for i in range(40_000))  # ~500 KB of tiny headers
        huge = b"X-Big: " + b"a" * (16 << 20) + b"\r\n"  # one 16 MiB header
        threads = [threading.Thread(target=flood, args=(payload,)) for payload in (many, huge)]
        for t in threads:
            t.start()
        latency = _health_seconds(mock.fields)
        for t in threads:
            t.join(30)
        # a bound, not a speed target: a server stalled parsing 16 MiB of header would answer after the floods
        assert latency < 3.0, latency
        assert len(answers) == 2
        assert all(a == b"" or a.startswith(b"HTTP/1.1 431 ") for a in answers), [a[:40] for a in answers]


def test_serve_runs_on_uvloop_with_httptools():
    with MockServer.start() as mock:
        maps = Path(f"/proc/{mock.pid}/maps").read_text()
        assert "uvloop" in maps
        assert "httptools" in maps
        health = httpx.get(mock.fields["base_url"] + "/_mockcc/health").json()
        assert health["loop"] == "uvloop"
