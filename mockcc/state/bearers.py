"""Login sessions: the bearers ``POST /api/account/{accountId}/login`` (agentVep) hands out, bounded.

A bearer is good for one account until its session ends (``sessionTTl`` after login or the last
``refresh``, on the mock's clock), so a test can expire it by moving the clock instead of waiting
eight hours. ``refresh`` and ``logout`` name the session by its ``Session_id`` cookie and ``csrf``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace

#: Sessions kept at once; past this the least recently used is forgotten (its bearer then answers 401). Used, not
#: opened: a long fuzz run's logins must not end the session whose bearer the same run authenticates with.
SESSIONS_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Session:
    account_id: str
    login_name: str
    expires_at: float  # seconds on the mock's clock
    csrf: str = ""
    session_id: str = ""


class Bearers:
    """Bearer -> session, the ``limit`` most recently used kept; an expired one is dropped when it is next used."""

    def __init__(self, limit: int = SESSIONS_LIMIT) -> None:
        self.limit = limit
        self.evicted = 0  # sessions forgotten at the cap (their bearer answers 401 from then on)
        self._sessions: dict[str, Session] = {}
        self._by_cookie: dict[str, str] = {}  # Session_id -> bearer

    def add(self, token: str, session: Session) -> None:
        self._sessions[token] = session
        if session.session_id:
            self._by_cookie[session.session_id] = token
        while len(self._sessions) > self.limit:
            self._drop(next(iter(self._sessions)))
            self.evicted += 1

    def __len__(self) -> int:
        return len(self._sessions)

    def _drop(self, token: str) -> None:
        gone = self._sessions.pop(token, None)
        if gone is not None and self._by_cookie.get(gone.session_id) == token:
            del self._by_cookie[gone.session_id]

    def session(self, account_id: str, token: str, now: float) -> Session | None:
        """The live session this bearer opened on ``account_id``, or None (unknown, other account, expired)."""
        found = self._sessions.get(token)
        if found is not None and now >= found.expires_at:
            self._drop(token)
            return None
        if found is None or found.account_id != account_id:
            return None
        self._sessions[token] = self._sessions.pop(token)  # the most recently used is the last to be forgotten
        return found

    def by_cookie(self, account_id: str, session_id: str, csrf: str, now: float) -> str | None:
        """The bearer of the live session with this ``Session_id`` cookie and ``csrf``, or None."""
        token = self._by_cookie.get(session_id)
        found = self.session(account_id, token, now) if token is not None else None
        if found is None or not hmac.compare_digest(found.csrf.encode(), csrf.encode()):
            return None
        return token

    def extend(self, token: str, until: float) -> None:
        self._sessions[token] = replace(self._sessions[token], expires_at=until)

    def end(self, token: str) -> None:
        self._drop(token)
