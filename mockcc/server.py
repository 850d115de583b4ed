"""Serving: uvicorn on uvloop with httptools, and the limits no client can get past.

uvicorn's httptools protocol has no limit on header count or size and no deadline for a request
that never finishes arriving: one request with 40,000 headers, or 20,000 connections trickling
headers in, stalled or starved the whole mock. ``protocol_class`` adds, per connection:

* at most ``max_headers`` header lines and ``max_header_bytes`` for the request line and headers,
  checked on the raw bytes before the parser sees them: past either, 431 and the connection closes;
* ``request_timeout`` seconds from the connection (or the first byte of a kept-alive request) until
  the whole request, body included, has arrived: past it, 408 and the connection closes;
* an absolute-form target's authority (``POST http://host/path``), which uvicorn drops, is left in the
  scope for the guard (RFC 9112 §3.2.2: it wins over ``Host``, so the two must agree);
* a ``disconnect`` hook in each request's scope (``faults.DISCONNECT_KEY``), which the Send API's
  fault of that kind calls: the connection closes with no answer, as a network failure does;
* at most ``max_connections`` open connections (kept under the process's file-descriptor limit):
  a new one past the cap closes the oldest connection that is not in the middle of being answered,
  so slow or idle connections can never lock out a request that is ready to be served.

Three per-request costs of uvicorn's protocol are gone (CPU per SEND, ARCHITECTURE.md "Performance"):
a response's head and body leave in one write (uvicorn writes each on its own: two syscalls); that
write waits for the loop's next turn, so the answers of one turn leave together (on loopback each
write that finds the client asleep pays for waking it, and a batch wakes it once); and the request
deadline and uvicorn's keep-alive timeout are times checked by one sweep per server
(``SWEEP_SECONDS``) instead of two timers made and cancelled per request: a connection past either is
closed (or refused 408) within one sweep interval of it. The held write is the connection's transport
for the protocol and its response cycles alike, so whatever the protocol writes or closes itself (a
refusal, uvicorn's 400, a shutdown, an eviction) queues behind a held answer: bytes never change order.

Each refused request (431, 408) is told to ``refusal_listeners`` with what arrived of it;
``mockcc serve`` journals it (``app.journal_refusals``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from mockcc import authority
from mockcc.errors import HeadersTooLarge, RequestTimeout, RestError, Unavailable
from mockcc.faults import DISCONNECT_KEY

log = logging.getLogger("mockcc")

#: File descriptors kept back from client connections: the webhook pool (100), TLS, logs, the loop's own.
FD_HEADROOM = 160
_END = b"\r\n\r\n"  # the blank line that ends the headers
HEAD_KEPT = 4096  # bytes of a request's start kept, so a refusal can say which request it refused
#: Told of each request refused before it was parsed (its first bytes, the refusal): ``serve`` journals it.
OnRefusal = Callable[[bytes, RestError], None]
#: How often the deadlines are checked, at most (a quarter of the request timeout when that is shorter).
SWEEP_SECONDS = 0.5


class OneWrite:
    """A connection's transport as its protocol and response cycles see it: what is written is held until
    the loop's next turn, then leaves in one write.

    uvicorn writes a response's status line and headers, then its body, each straight to the socket.
    Held this way a plain response costs one syscall instead of two, and the answers made in one turn
    of the loop (on all connections) reach the client together: under load each write that finds the
    client's thread asleep pays for waking it (on a VM, a cross-CPU interrupt), and a batch pays once.
    A streamed response's chunks leave at the end of each turn it writes in. Closing or aborting lets
    what is held go first."""

    __slots__ = ("_held", "_loop", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._held: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is None:
            self._held = [data]
            self._loop.call_soon(self.flush)
        else:
            held.append(data)

    def flush(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self.transport.is_closing():
            self.transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self.flush()
        self.transport.abort()

    def is_closing(self) -> bool:  # asked after every answer: not through ``__getattr__``
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:  # get_extra_info, set_protocol, ...: the transport's own
        return getattr(self.transport, name)


@dataclass(frozen=True)
class Limits:
    """What one client may send; README "Limits" documents the defaults."""

    max_headers: int = 100
    max_header_bytes: int = 32 * 1024
    request_timeout: float = 10.0
    max_connections: int = 1000

    def report(self) -> dict[str, object]:
        """These caps for ``GET /_mockcc/limits`` (``mockcc serve`` registers it)."""
        return {
            "header_lines": self.max_headers,
            "header_bytes": self.max_header_bytes,
            "request_seconds": self.request_timeout,
            "connections": self.max_connections,
            "overload": "431 past the header caps, 408 past request_seconds (both before any endpoint); "
            "past connections, the oldest idle or unfinished connection is closed, else 503",
        }


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header caps, a request deadline and a connection cap."""

    limits: ClassVar[Limits] = Limits()
    #: Connections not busy with a request (arriving, or idle between requests), oldest first.
    evictable: ClassVar[dict[GuardedHttpProtocol, None]] = {}
    refusal_listeners: ClassVar[tuple[OnRefusal, ...]] = ()
    #: Every open connection of this server, for the sweep of deadlines and keep-alive timeouts.
    live: ClassVar[dict[GuardedHttpProtocol, None]] = {}
    #: The loop and timer of the running sweep (``_sweep``); one per server, stopped when no connection is left.
    sweeper: ClassVar[dict[asyncio.AbstractEventLoop, asyncio.TimerHandle]] = {}

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._one_write = OneWrite(transport, self.loop)
        self.transport = self._one_write  # type: ignore[assignment]  # every write of the connection, in order
        self._reset_request()
        self._received = False
        self._deadline: float | None = None  # loop time by which the request must have arrived
        self._idle_since: float | None = None  # loop time the last response completed (keep-alive)
        self._arm()
        self.evictable[self] = None
        self.live[self] = None
        self._ensure_sweep()
        if len(self.connections) > self.limits.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._forget()  # what is still held is dropped: the peer is gone (``OneWrite.flush`` checks)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._received = True
        self._idle_since = None
        if self._deadline is None and self._in_headers:
            self._arm()  # the first byte of a kept-alive connection's next request
        if self._in_headers and not self._within_header_limits(data):
            return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self.evictable.pop(self, None)  # busy: being answered
        target = authority.of_target(self.url)  # uvicorn keeps only the path: the guard must see the rest
        if target is not None:
            self.scope[authority.TARGET_KEY] = target  # type: ignore[literal-required]  # an extension key
        self.scope[DISCONNECT_KEY] = self._disconnect  # type: ignore[literal-required]  # the fault's hook
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()
        self._reset_request()

    def on_response_complete(self) -> None:
        """uvicorn's, with the keep-alive timeout a time the sweep checks instead of a timer."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:  # uvicorn starts the next queued request now: still busy
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self._idle_since = self.loop.time()
        self.evictable[self] = None  # idle again, newest

    def handle_websocket_upgrade(self) -> None:
        self._one_write.flush()  # an answer still held (a request pipelined before the upgrade) goes first
        self._forget()  # the websocket protocol owns the connection from here, with its own timeouts
        self.transport = self._one_write.transport  # and writes to the socket itself
        super().handle_websocket_upgrade()

    def _forget(self) -> None:
        self._disarm()
        self._idle_since = None
        self.evictable.pop(self, None)
        self.live.pop(self, None)

    def _disconnect(self) -> None:
        """Close the connection now, with no answer (the ``disconnect`` fault): the client sees a network
        error; whatever the endpoint answers later is not written (uvicorn drops a disconnected cycle's sends)."""
        if self.cycle is not None:
            self.cycle.disconnected = True
        self.transport.abort()  # after the answers to requests pipelined before this one (``OneWrite.abort``)

    # The limits

    def _reset_request(self) -> None:
        self._in_headers = True
        self._header_bytes = 0
        self._header_lines = 0
        self._tail = b""
        self._head = b""

    def _within_header_limits(self, data: bytes) -> bool:
        """Count this chunk's header bytes and lines; refuse with 431 past either limit."""
        if not self._header_bytes:  # the request's first chunk: most hold all of its headers, within the caps
            end = data.find(_END)
            if (
                0 <= end <= self.limits.max_header_bytes - 4
                and data.count(b"\n", 0, end) <= self.limits.max_headers  # the header lines, after the request line
            ):
                self._header_bytes = end + 4  # nothing kept of it: it can no longer be refused for its headers
                return True
        seam = (self._tail + data[:3]).find(_END)
        if seam >= 0:
            end = seam + 4 - len(self._tail)
        else:
            found = data.find(_END)
            end = len(data) if found < 0 else found + 4
        self._tail = (self._tail + data)[-3:]
        if len(self._head) < HEAD_KEPT:
            self._head += data[: HEAD_KEPT - len(self._head)]
        self._header_bytes += end
        self._header_lines += data.count(b"\n", 0, end)
        if self._header_lines > self.limits.max_headers + 2:  # + the request line and the blank line
            self._refuse(_too_large(f"more than {self.limits.max_headers} header lines", self.limits.max_headers))
            return False
        if self._header_bytes > self.limits.max_header_bytes:
            limit = self.limits.max_header_bytes
            self._refuse(_too_large(f"the request line and headers exceed {limit} bytes", limit))
            return False
        return True

    def _arm(self) -> None:
        self._deadline = self.loop.time() + self.limits.request_timeout

    def _disarm(self) -> None:
        self._deadline = None

    def _ensure_sweep(self) -> None:
        if self.loop not in self.sweeper:
            self.sweeper.clear()  # a loop of an earlier server run (tests) that is gone
            self.sweeper[self.loop] = self.loop.call_later(self._sweep_seconds(), self._sweep)

    def _sweep_seconds(self) -> float:
        return min(SWEEP_SECONDS, self.limits.request_timeout / 4)

    def _sweep(self) -> None:
        """Time out every connection past its request deadline or its keep-alive; then again, while any is open."""
        now = self.loop.time()
        for conn in list(self.live):
            if conn._deadline is not None and now >= conn._deadline:
                conn._expired()
            elif conn._idle_since is not None and now - conn._idle_since >= conn.timeout_keep_alive:
                conn._idle_since = None
                conn.timeout_keep_alive_handler()
        if self.live:
            self.sweeper[self.loop] = self.loop.call_later(self._sweep_seconds(), self._sweep)
        else:
            self.sweeper.clear()

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:  # our own back-pressure holds the body back, not the client
            self._arm()
            return
        if self._in_headers and self._received:
            seconds = self.limits.request_timeout
            self._refuse(
                RequestTimeout(
                    f"the request did not arrive within {seconds:g} s",
                    path="$",
                    rule="request-timeout",
                    expected=seconds,
                )
            )
        else:  # nothing sent at all, or the body stalled while the endpoint waits for it
            self.transport.close()

    def _make_room(self) -> None:
        victim = next((c for c in self.evictable if c is not self), None)
        if victim is None:  # every other connection is being answered: this one waits its turn elsewhere
            self._refuse(
                Unavailable(
                    f"more than {self.limits.max_connections} connections are open",
                    rule="max-connections",
                    expected=self.limits.max_connections,
                )
            )
            return
        victim._forget()
        victim.transport.close()  # an answer made this turn still reaches it first

    def _refuse(self, error: RestError) -> None:
        """Answer ``error`` in LivePerson's envelope and close; no endpoint has seen this request."""
        if self._head:  # a connection refused before it sent anything (503 at the cap) is no call
            for listener in self.refusal_listeners:
                listener(self._head, error)
        self._forget()
        body = json.dumps(error.body()).encode()
        head = [
            STATUS_LINE[error.status_code],
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join([*head, body]))
        self.transport.close()


def _too_large(what: str, limit: int) -> RestError:
    return HeadersTooLarge(
        f"{what}; this mock refuses such requests",
        path="$headers",
        rule="header-limit",
        expected=limit,
    )


def protocol_class(limits: Limits, on_refusal: OnRefusal | None = None) -> type[GuardedHttpProtocol]:
    """A protocol class of its own per server: its limits, its connection book, who hears of refusals."""
    listeners = (on_refusal,) if on_refusal else ()
    return cast(
        "type[GuardedHttpProtocol]",
        type(
            "MockccHttpProtocol",
            (GuardedHttpProtocol,),
            {"limits": limits, "evictable": {}, "refusal_listeners": listeners, "live": {}, "sweeper": {}},
        ),
    )


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered to stay under the file-descriptor limit (first raised to its hard maximum).

    Past the limit ``accept()`` fails, the server stops taking connections and asyncio logs every
    retry; under it, the oldest idle or unfinished connection gives way to a new one instead.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != resource.RLIM_INFINITY and hard > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_HEADROOM))
