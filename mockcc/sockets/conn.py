"""One open socket as its handlers see it: the mock, the side, the account, who it is, its outbox.

A socket is *admitted* once its credential checks out (the agent's bearer in the path at once; the
consumer's JWT in a header at once or in ``InitConnection`` later): ``admit`` attaches its ``Peer``
to ``Streams`` (which may refuse it at a cap). Before that only the side's ``before_admission``
requests are served.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockcc.errors import Unauthorized
from mockcc.http import request_line
from mockcc.journal import Call
from mockcc.state.models import Account
from mockcc.streams.outbox import CLOSE_UNAUTHORIZED, Outbox
from mockcc.streams.subscriptions import Peer

if TYPE_CHECKING:
    from mockcc.mock import Mock


@dataclass(frozen=True, slots=True)
class Admission:
    """Who a socket speaks for: its account, the user the per-user cap counts, its participant id, whether
    its credential still holds at a time (mock clock; None = always). ``identity``: the side's own record."""

    account: Account
    user: str
    pid: str
    valid: Callable[[float], bool] | None = None
    identity: object = None
    #: The close once ``valid`` fails: 4401 (the consumer's signup identity: 4407, extend it at the IdP).
    expired: tuple[int, str] = (CLOSE_UNAUTHORIZED, "token expired: log in again")


class Conn:
    """One socket: ``side`` (agent or consumer), its journal service, path (secrets hidden) and query."""

    def __init__(self, mock: Mock, side: str, service: str, path: str, query: str, version: str) -> None:
        self.mock = mock
        self.side = side
        self.service = service
        self.path = path
        self.query = query
        self.version = version
        self.account_id: str | None = None
        self.outbox = Outbox(mock.streams.limits.frames_waiting_per_socket)
        self.socket_id = mock.streams.next_id(side)
        self._peer: Peer | None = None
        self._admission: Admission | None = None

    @property
    def admitted(self) -> bool:
        return self._peer is not None

    @property
    def peer(self) -> Peer:
        if self._peer is None:
            raise Unauthorized("this socket has not authenticated yet", path="$", rule="authenticated")
        return self._peer

    @property
    def admission(self) -> Admission:
        if self._admission is None:
            raise Unauthorized("this socket has not authenticated yet", path="$", rule="authenticated")
        return self._admission

    @property
    def account(self) -> Account:
        return self.admission.account

    def admit(self, admission: Admission) -> Peer:
        """Attach this socket to the streams as ``admission`` says (``LimitReached`` past a cap)."""
        now = self.mock.clock.now()
        peer = Peer(
            socket_id=self.socket_id,
            side=self.side,
            account_id=admission.account.account_id,
            user=admission.user,
            pid=admission.pid,
            outbox=self.outbox,
            opened_at=now,
            last_seen=time.monotonic(),
            valid=admission.valid,
            expired=admission.expired,
            version=self.version,
        )
        self.mock.streams.attach(peer)
        self._peer, self._admission, self.account_id = peer, admission, admission.account.account_id
        return peer

    def seen(self) -> None:
        """A frame arrived: the socket is not idle."""
        if self._peer is not None:
            self._peer.last_seen = time.monotonic()
            self._peer.requests += 1

    def journal_call(self, method: str, body: bytes) -> Call:
        call = self.mock.journal.open(
            at=self.mock.clock.now(),
            method=method,
            path=self.path,
            query=self.query,
            service=self.service,
            account_id=self.account_id,
            headers=(),
        )
        call.keep_request_body(body)
        return call

    def journal_done(self, call: Call) -> None:
        if self.mock.settings.request_log:
            sys.stderr.write(request_line(call) + "\n")
        self.mock.journal.announce(call)

    def journal_event(self, what: str, status: int, outcome: str, explanation: str | None = None) -> None:
        """A connect or close, on record like a request (``status`` is 101 or the close code)."""
        started = time.perf_counter()
        call = self.journal_call(what, b"")
        call.status, call.outcome = status, outcome
        if explanation is not None:
            call.explanation = {"explanation": explanation, "path": "$socket", "rule": "socket"}
        call.latency_ms = round((time.perf_counter() - started) * 1000, 3)
        self.journal_done(call)
