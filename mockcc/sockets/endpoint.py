"""Websocket endpoint plumbing: a Starlette ``WebSocketRoute`` per socket surface, on the mock's own port.

``socket_route(path, side)`` serves one surface (``Side``: the agent's brand socket, the consumer's
socket). Per connection: accept; ``side.admit`` checks the credential and version (a ``Denied``
closes with its code and reason, e.g. 4401 for a bad bearer: LivePerson's clients expect the upgrade
and then the close, §1.6); ``Conn.admit`` joins ``Streams`` (1013 past a cap). Then two loops: the
reader answers each frame through ``dispatch.handle`` in arrival order; the writer drains the outbox
and performs any close the mock asked for (idle 60 s, expired credential 4401, slow reader 1013, reset
1012). Every connect, refusal, request and close (the mock's or the client's) is journaled. TLS comes with the
server (``mockcc serve --tls-*``); the Host rule of ``guard.py`` applies to sockets too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from mockcc import redact
from mockcc.errors import LimitReached, Unauthorized
from mockcc.sockets.conn import Admission, Conn
from mockcc.sockets.dispatch import Handler, Handlers, Reply, handle
from mockcc.sockets.envelope import Request
from mockcc.state.models import Account
from mockcc.streams.outbox import CLOSE_POLICY, CLOSE_TRY_LATER, CLOSE_UNAUTHORIZED, CLOSE_WAIT_SECONDS, Close, Outbox


class Denied(Exception):
    """The socket is refused at connect: closed with ``code`` and the explanation as reason."""

    def __init__(self, code: int, explanation: str) -> None:
        super().__init__(explanation)
        self.code = code
        self.explanation = explanation


#: ``admit(conn, websocket)``: an Admission, None (wait for a ``before_admission`` request), or raise Denied.
Admit = Callable[[Conn, WebSocket], Admission | None]


def admitted_account(conn: Conn, websocket: WebSocket, versions: tuple[str, ...], api: str) -> Account:
    """The account the socket's path names, once its ``v`` is one ``api`` speaks: both sides check these first."""
    if conn.version not in versions:
        plural = "s" if len(versions) > 1 else ""
        wanted = " or ".join(versions)
        raise Denied(CLOSE_POLICY, f"v must be {wanted} (the {api}'s version{plural}), got {conn.version!r}")
    account_id = str(websocket.path_params["accountId"])
    account = conn.mock.accounts.get(account_id)
    if account is None:
        raise Denied(CLOSE_UNAUTHORIZED, f"account {account_id} does not exist in this mock")
    return account


@dataclass(frozen=True)
class Side:
    """One socket surface: its name, journal service, request table and how it admits a socket."""

    name: str
    service: str
    handlers: Handlers
    admit: Admit
    before_admission: Handlers = field(default_factory=dict)
    #: Seconds (mock clock) a socket may stay unauthenticated before it is closed with 4401.
    admission_seconds: float = 5.0
    #: Path parameters that are credentials (the agent's bearer): journaled as a token tail only.
    secret_params: tuple[str, ...] = ()

    def table(self, admitted: bool) -> Handlers:
        if admitted:
            return self.handlers
        return {**dict.fromkeys(self.handlers, _needs_admission), **self.before_admission}


def _needs_admission(conn: Conn, request: Request) -> Reply:
    raise Unauthorized(f"{request.type} needs an authenticated socket", path="$", rule="authenticated")


def socket_route(path: str, side: Side) -> WebSocketRoute:
    async def endpoint(websocket: WebSocket) -> None:
        await serve(websocket, side)

    return WebSocketRoute(path, endpoint, name=f"{side.service}:{side.name}")


def shown_path(websocket: WebSocket, side: Side) -> str:
    path: str = websocket.scope["path"]
    for name in side.secret_params:
        value = str(websocket.path_params.get(name, ""))
        if value:
            path = path.replace(value, redact.token(value))
    return path


async def serve(websocket: WebSocket, side: Side) -> None:
    mock = websocket.app.state.mock
    conn = Conn(
        mock,
        side.name,
        side.service,
        shown_path(websocket, side),
        websocket.scope["query_string"].decode("latin-1"),  # the journal redacts it
        websocket.query_params.get("v", ""),
    )
    conn.account_id = websocket.path_params.get("accountId")
    await websocket.accept()
    try:
        admission = side.admit(conn, websocket)
        if admission is not None:
            conn.admit(admission)
    except Denied as denied:
        conn.journal_event("CONNECT", denied.code, "rejected", denied.explanation)
        await _close(websocket, Close(denied.code, denied.explanation))
        return
    except LimitReached as full:
        conn.journal_event("CONNECT", CLOSE_TRY_LATER, "rejected", full.explanation)
        await _close(websocket, Close(CLOSE_TRY_LATER, full.explanation))
        return
    conn.journal_event("CONNECT", 101, "ok")
    tasks = [asyncio.create_task(_write(websocket, conn))]
    if not conn.admitted:
        tasks.append(asyncio.create_task(_admission_deadline(conn, side)))
    client_code: int | None = None
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                client_code = int(message.get("code", 1005))
                break
            conn.seen()
            if conn.outbox.closing is not None:
                continue  # the socket is closing (the mock asked): what it still sends is not served
            text = message.get("text")
            handle(conn, text if text is not None else message.get("bytes") or b"", side.table(conn.admitted))
            # let the writer take this frame's answer before the next frame is read: frames a client pipelined
            # are already queued, so without this yield a burst would fill the outbox of a client that reads
            await asyncio.sleep(0)
    finally:
        if conn.admitted:
            mock.streams.detach(conn.peer)
        if conn.outbox.closing is None and client_code is not None:  # the client closed (or went away)
            conn.journal_event("CLOSE", client_code, "ok", "closed by the client")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _write(websocket: WebSocket, conn: Conn) -> None:
    """Drain the outbox into the socket; perform the close the mock asked for, then stop."""
    outbox: Outbox = conn.outbox
    try:
        while True:
            got = await outbox.take()
            if isinstance(got, Close):
                conn.journal_event("CLOSE", got.code, "ok" if got.code < 4000 else "rejected", got.reason)
                await _close(websocket, got)
                return
            for text in got:
                await websocket.send_text(text)
    except Exception:
        return


async def _admission_deadline(conn: Conn, side: Side) -> None:
    await conn.mock.clock.sleep(side.admission_seconds)
    if not conn.admitted:
        conn.outbox.close(CLOSE_UNAUTHORIZED, f"not authenticated within {side.admission_seconds:g} s")


async def _close(websocket: WebSocket, close: Close) -> None:
    """Close with a code and reason (cut to the 123 bytes a close frame holds: a longer one fails the close);
    a peer that reads nothing cannot hold the mock (bounded wait)."""
    reason = close.reason.encode()[:123].decode(errors="ignore")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(close.code, reason), CLOSE_WAIT_SECONDS)


__all__ = ["Admission", "Denied", "Handler", "Reply", "Side", "socket_route"]
