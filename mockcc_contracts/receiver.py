"""A real HTTP endpoint on 127.0.0.1 for tests: records every request, answers from a script.

It runs in its own threads (``ThreadingHTTPServer``), so it serves sync tests and async tests
alike without touching their event loop::

    with Receiver() as hook:                       # or: async with Receiver() as hook
        hook.script(500, 500, Reply(201))          # next answers, in order; then the default (200)
        url = hook.url("/webhooks?tenant=1")       # any path/query is accepted and recorded
        ...
        first, second = hook.wait_for(2)           # or: await hook.wait_for_async(2)
        assert first.header("x-liveperson-signature")

``Reply(delay=...)`` answers late (wall time, e.g. to hit a read timeout), ``Reply(close=True)``
drops the connection without answering, ``Reply(until=threading.Event())`` blocks until the test
sets the event. Scripts can be per path (``script(..., path="/a")``, exact path without query).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import anyio


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds (wall) before answering
    close: bool = False  # drop the connection instead of answering
    until: threading.Event | None = None  # answer only once this is set (or the receiver closes)


@dataclass(frozen=True)
class Request:
    """One recorded request, as it arrived."""

    method: str
    target: str  # path + query, as sent
    headers: tuple[tuple[str, str], ...]
    body: bytes
    at: float  # time.time() on arrival
    status: int | None  # the scripted answer's status (None when the connection was dropped)

    @property
    def path(self) -> str:
        """The path without the query."""
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        """The raw query string."""
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (the first one)."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def header_names(self) -> set[str]:
        """All header names, lower-cased."""
        return {key.lower() for key, _ in self.headers}

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _as_reply(item: Reply | int) -> Reply:
    return item if isinstance(item, Reply) else Reply(status=item)


class Receiver:
    """A recording HTTP server on 127.0.0.1 with a free port; start/close it or use it as a context."""

    def __init__(self, default: Reply | int = 200) -> None:
        self._lock = threading.Condition()
        self._requests: list[Request] = []
        self._queues: dict[str | None, deque[Reply]] = {None: deque()}
        self._defaults: dict[str | None, Reply] = {None: _as_reply(default)}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Receiver:
        """Bind 127.0.0.1:0 and serve in a background thread."""
        server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; requests still waiting on a delay or ``until`` are released at once."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Receiver:
        return self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- addressing and scripting --------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None, "start() the receiver first"
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        """``http://127.0.0.1:<port><path>``; ``path`` may carry a query string."""
        return f"http://127.0.0.1:{self.port}{path if path.startswith('/') else '/' + path}"

    def script(self, *replies: Reply | int, path: str | None = None) -> None:
        """Queue the next answers (for ``path`` only, or for any path)."""
        with self._lock:
            self._queues.setdefault(path, deque()).extend(_as_reply(r) for r in replies)

    def set_default(self, reply: Reply | int, path: str | None = None) -> None:
        """The answer once the script is used up (for ``path`` only, or for any path)."""
        with self._lock:
            self._defaults[path] = _as_reply(reply)

    # -- reading -------------------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """Everything received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def on(self, path: str) -> list[Request]:
        """The requests received on ``path`` (exact path, query ignored)."""
        return [r for r in self.requests if r.path == path]

    def clear(self) -> None:
        """Forget recorded requests (scripts stay)."""
        with self._lock:
            self._requests.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Request]:
        """Block until at least ``count`` requests arrived; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} requests, got {len(self._requests)}")
                self._lock.wait(remaining)
            return list(self._requests)

    async def wait_for_async(self, count: int, within: float = 5.0) -> list[Request]:
        """``wait_for`` for async tests (``within`` seconds): polls without blocking the event loop."""
        deadline = time.monotonic() + within
        while True:
            with self._lock:
                if len(self._requests) >= count:
                    return list(self._requests)
                got = len(self._requests)
            if time.monotonic() >= deadline:
                raise AssertionError(f"expected {count} requests, got {got}")
            await anyio.sleep(0.005)

    # -- called by the handler -----------------------------------------------------------------

    def _take(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> Reply:
        path = urlsplit(target).path
        with self._lock:
            queue = self._queues.get(path)
            if queue:
                reply = queue.popleft()
            elif self._queues[None]:
                reply = self._queues[None].popleft()
            else:
                reply = self._defaults.get(path, self._defaults[None])
            status = None if reply.close else reply.status
            self._requests.append(Request(method, target, tuple(headers), body, time.time(), status))
            self._lock.notify_all()
        return reply


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is expected in these tests: no traceback."""


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = receiver._take(self.command, self.path, self.headers.items(), body)
            if reply.delay:
                receiver._stopping.wait(reply.delay)
            if reply.until is not None:
                while not reply.until.wait(0.05) and not receiver._stopping.is_set():
                    pass
            if reply.close:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            try:
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:  # the client gave up (timeout): nothing to answer
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


def free_port() -> int:
    """A port with nothing listening on it right now (for "connection refused" tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = ["Receiver", "Reply", "Request", "free_port"]
