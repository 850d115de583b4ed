"""The webhook POSTer: HTTP/1.1 with keep-alive, one request per connection at a time, httptools parsing.

Webhooks need one thing from an HTTP client: POST these exact bytes with these exact headers and
say which status came back. aiohttp did that at about 60 us of Python per delivery (request and
response objects, cookie jar, payload registry, auto headers); this does it with one write of
pre-joined bytes and the C parser uvicorn already uses. Redirects are never followed (LivePerson
does not), the body of the answer is read and dropped, and every failure is a ``DeliveryError``
whose ``kind`` names it as the delivery log always has: ConnectError, ConnectTimeout, ReadTimeout,
RemoteProtocolError, InvalidURL.

Bounded: at most ``limit`` connections open, over all endpoints; opening one more closes the
longest-idle one (the deliverer never has more than ``limit`` POSTs in flight).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

import httptools

_Origin = tuple[str, str, int]  # scheme, host, port


class DeliveryError(Exception):
    """A POST that got no HTTP answer; ``kind`` is the log's word for it."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail)
        self.kind = kind


class Poster(Protocol):
    """What delivery needs of a client: this one in-process, or ``remote.RemoteWebhookClient``."""

    closed: bool

    def prepare(self) -> None:
        """Start whatever the first POST would otherwise wait for (the worker process), in the background."""

    async def ready(self) -> None:
        """Wait until a POST would go out at once (the worker is up): attempts are timed from here."""

    async def post(self, url: str, body: bytes, headers: list[tuple[str, str]]) -> int: ...

    async def close(self) -> None: ...


class _Connection(asyncio.Protocol):
    """One keep-alive connection; answers one request at a time."""

    def __init__(self, origin: _Origin, on_lost: Callable[[_Connection], None]) -> None:
        self.origin = origin
        self._on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[int] | None = None
        self.status = 0
        self.reusable = True
        self.lost = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(DeliveryError("RemoteProtocolError", f"malformed HTTP answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.reusable = False
        self._on_lost(self)
        if self.answer is not None and not self.answer.done():
            if self.status >= 200:  # headers came, the body ran to the close: a complete answer
                self.answer.set_result(self.status)
            else:
                self.answer.set_exception(DeliveryError("RemoteProtocolError", "Server disconnected"))

    # httptools callbacks

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.reusable = self.parser.should_keep_alive()

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:  # an interim answer (100 Continue): the real one follows
            self.status = 0
            return
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(self.status)

    # use

    def _fail(self, error: DeliveryError) -> None:
        self.reusable = False
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    async def request(self, data: bytes, read_timeout: float) -> int:
        assert self.transport is not None  # noqa: S101 - connected before use
        self.status = 0
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        try:
            async with asyncio.timeout(read_timeout):
                return await self.answer
        except TimeoutError:
            self._fail(DeliveryError("ReadTimeout"))
            raise DeliveryError("ReadTimeout", f"no answer within {read_timeout:g} s") from None
        finally:
            self.answer = None

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.close()


class WebhookClient:
    """POSTs bytes to URLs over a bounded pool of keep-alive connections."""

    def __init__(
        self, *, limit: int, connect_timeout: float, read_timeout: float, verify: bool | ssl.SSLContext = True
    ) -> None:
        self.limit = max(1, limit)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._verify = verify
        self._tls: ssl.SSLContext | None = None
        self._idle: OrderedDict[_Connection, None] = OrderedDict()  # oldest first
        self._open = 0
        self.closed = False

    def _ssl(self) -> ssl.SSLContext:
        if self._tls is None:
            if isinstance(self._verify, ssl.SSLContext):
                self._tls = self._verify
            elif self._verify:
                self._tls = ssl.create_default_context()
            else:
                self._tls = ssl.create_default_context()
                self._tls.check_hostname = False
                self._tls.verify_mode = ssl.CERT_NONE
        return self._tls

    def prepare(self) -> None:
        """Nothing to start: connections open with the first POST to each origin."""

    async def ready(self) -> None:
        """Always ready."""

    async def post(self, url: str, body: bytes, headers: list[tuple[str, str]]) -> int:
        """POST ``body`` with ``headers`` (plus Host and Content-Length) to ``url``; the answer's status."""
        origin, target, host_header = _parse(url)
        data = _request(target, host_header, body, headers)
        conn = self._take(origin) or await self._connect(origin)
        try:
            status = await conn.request(data, self.read_timeout)
        except BaseException:
            conn.close()
            raise
        if conn.reusable and not conn.lost and not self.closed:
            self._idle[conn] = None
        else:
            conn.close()
        return status

    def _take(self, origin: _Origin) -> _Connection | None:
        for conn in reversed(self._idle):  # the most recently used first: likeliest still open
            if conn.origin == origin:
                del self._idle[conn]
                if not conn.lost:
                    return conn
                return self._take(origin)
        return None

    async def _connect(self, origin: _Origin) -> _Connection:
        while self._open >= self.limit and self._idle:
            oldest, _ = self._idle.popitem(last=False)
            oldest.close()
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        self._open += 1
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(origin, self._closed),
                    host,
                    port,
                    ssl=self._ssl() if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None,
                )
        except TimeoutError:
            self._open -= 1
            raise DeliveryError(
                "ConnectTimeout", f"no connection to {host}:{port} within {self.connect_timeout:g} s"
            ) from None
        except OSError as exc:  # refused, unreachable, DNS, TLS handshake (ssl.SSLError is an OSError)
            self._open -= 1
            raise DeliveryError("ConnectError", f"cannot connect to {host}:{port}: {exc}") from None
        except BaseException:
            self._open -= 1
            raise
        return conn

    def _closed(self, conn: _Connection) -> None:
        self._open -= 1
        self._idle.pop(conn, None)

    async def close(self) -> None:
        """Close every idle connection; ones in use close when their answer comes."""
        self.closed = True
        for conn in list(self._idle):
            conn.close()
        self._idle.clear()


@functools.lru_cache(maxsize=1024)  # an installation posts to a few URLs, again and again
def _parse(url: str) -> tuple[_Origin, str, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DeliveryError("InvalidURL", f"{url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("InvalidURL", f"{url!r} is not an http(s) URL")
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    if any(c in target for c in " \r\n") or any(c in host_header for c in " \r\n"):
        raise DeliveryError("InvalidURL", f"{url!r} has whitespace in it")
    return (parts.scheme, host, port or default), target, host_header


def _request(target: str, host: str, body: bytes, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    for name, value in headers:
        if "\r" in name or "\n" in name or ":" in name or "\r" in value or "\n" in value:
            raise DeliveryError("InvalidHeader", f"header {name!r} has a line break or colon in it")
        lines.append(f"{name}: {value}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("utf-8") + body
