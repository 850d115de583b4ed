"""Admin bearer tokens issued by the admin login (agentVep), per account, bounded."""

from __future__ import annotations


class Bearers:
    """Admin bearer tokens issued by login, per account; the newest ``limit`` are kept."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self._tokens: dict[str, str] = {}

    def add(self, account_id: str, token: str) -> None:
        self._tokens[token] = account_id
        while len(self._tokens) > self.limit:
            del self._tokens[next(iter(self._tokens))]

    def valid(self, account_id: str, token: str) -> bool:
        return self._tokens.get(token) == account_id
