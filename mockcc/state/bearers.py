"""Admin login sessions: the bearers ``POST /api/account/{accountId}/login`` (agentVep) hands out, bounded.

A bearer is good for one account until its session ends (``sessionTTl`` after login, on the mock's
clock), so a test can expire it by moving the clock instead of waiting eight hours.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sessions kept at once; past this the oldest is forgotten (its bearer then answers 401).
SESSIONS_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Session:
    account_id: str
    login_name: str
    expires_at: float  # seconds on the mock's clock


class Bearers:
    """Bearer -> session, the newest ``limit`` kept; an expired one is dropped when it is next used."""

    def __init__(self, limit: int = SESSIONS_LIMIT) -> None:
        self.limit = limit
        self._sessions: dict[str, Session] = {}

    def add(self, token: str, session: Session) -> None:
        self._sessions[token] = session
        while len(self._sessions) > self.limit:
            del self._sessions[next(iter(self._sessions))]

    def session(self, account_id: str, token: str, now: float) -> Session | None:
        """The live session this bearer opened on ``account_id``, or None (unknown, other account, expired)."""
        found = self._sessions.get(token)
        if found is not None and now >= found.expires_at:
            del self._sessions[token]
            return None
        return found if found is not None and found.account_id == account_id else None
