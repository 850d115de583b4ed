"""The delivery log: one JSON-able entry per attempt or fate of an event, capped at ``limit``.

Outcomes: ``delivered`` / ``failed`` (an HTTP attempt), ``stored`` (kept by the retention store),
``dropped`` (given up, with ``reason``), ``unrouted`` (no endpoint, or installation disabled), and
``fault:<kind>`` (an injected fault fired).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from mockcc.webhooks.model import Notification, Subscription


class DeliveryLog:
    """Bounded, newest-last history of what the dispatcher did; oldest entries fall off."""

    def __init__(self, limit: int, listeners: list[Callable[[dict[str, Any]], None]] | None = None) -> None:
        self.limit = max(1, limit)
        self._listeners = listeners if listeners is not None else []  # told of every new entry (the console)
        self._entries: deque[dict[str, Any]] = deque(maxlen=self.limit)
        self._next_id = 1
        self.evicted = 0
        self.outcomes: Counter[str] = Counter()

    def record(
        self,
        subscription: Subscription,
        notification: Notification,
        outcome: str,
        *,
        at: float,
        event_id: int | None,
        attempt: int = 0,
        url: str | None = None,
        headers: dict[str, str] | None = None,
        body: str | None = None,
        status: int | None = None,
        latency_ms: float | None = None,
        error: str | None = None,
        reason: str | None = None,
        fault: str | None = None,
        retries_left: int | None = None,
    ) -> dict[str, Any]:
        """Append one entry and return it."""
        entry: dict[str, Any] = {
            "id": self._next_id,
            "at": at,
            "event_id": event_id,
            "attempt": attempt,
            "account_id": subscription.account_id,
            "client_id": subscription.client_id,
            "event_key": notification.event_key,
            "conversation_id": notification.conversation_id,
            "sequence": notification.sequence,
            "url": url,
            "headers": headers,
            "body": body,
            "status": status,
            "latency_ms": latency_ms,
            "error": error,
            "outcome": outcome,
            "reason": reason,
            "fault": fault,
            "retries_left": retries_left,
        }
        self._next_id += 1
        if len(self._entries) == self.limit:
            self.evicted += 1
        self._entries.append(entry)
        self.outcomes[outcome] += 1
        for listener in list(self._listeners):
            listener(entry)
        return entry

    def get(self, entry_id: int) -> dict[str, Any] | None:
        """The entry with this id, if it is still in the log."""
        return next((entry for entry in self._entries if entry["id"] == entry_id), None)

    def entries(
        self, *, account_id: str | None = None, client_id: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Copies of the matching entries, oldest first; ``limit`` keeps the newest ``limit``."""
        picked = [
            entry
            for entry in self._entries
            if (account_id is None or entry["account_id"] == account_id)
            and (client_id is None or entry["client_id"] == client_id)
        ]
        if limit is not None:
            picked = picked[-limit:] if limit > 0 else []
        return [
            {**entry, "headers": dict(entry["headers"]) if entry["headers"] else entry["headers"]} for entry in picked
        ]

    def __len__(self) -> int:
        return len(self._entries)
