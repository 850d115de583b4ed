"""The delivery log: one JSON-able entry per attempt or fate of an event, capped at ``limit``.

Outcomes: ``delivered`` / ``failed`` (an HTTP attempt), ``stored`` (kept by the retention store),
``dropped`` (given up, with ``reason``), ``unrouted`` (no endpoint, or installation disabled), and
``fault:<kind>`` (an injected fault fired).

An event never sent (``brief``: unrouted, or dropped before it had a body) is kept as its parts and
made an entry when read: with no endpoint configured every SEND logs one, and building a 19-key
entry nobody reads was a measurable part of SEND's CPU (ARCHITECTURE.md "Performance").
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from mockcc.webhooks.model import Notification, Subscription

Entry = dict[str, Any]
#: Told of every new entry, as a function that gives it: a listener nobody watches right now (the console
#: with no page open) returns before asking, so an entry kept brief is never built for it.
Listener = Callable[[Callable[[], Entry]], None]


class _Brief:
    """An entry of an event that was never sent, built on first read (``DeliveryLog.brief``)."""

    __slots__ = ("at", "id", "notification", "outcome", "reason", "subscription")

    def __init__(
        self,
        entry_id: int,
        at: float,
        subscription: Subscription,
        notification: Notification,
        outcome: str,
        reason: str,
    ) -> None:
        self.id = entry_id
        self.at = at
        self.subscription = subscription
        self.notification = notification
        self.outcome = outcome
        self.reason = reason

    def entry(self) -> Entry:
        return _entry(self.id, self.subscription, self.notification, self.outcome, at=self.at, reason=self.reason)


def _entry(
    entry_id: int,
    subscription: Subscription,
    notification: Notification,
    outcome: str,
    *,
    at: float,
    event_id: int | None = None,
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
) -> Entry:
    return {
        "id": entry_id,
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


def _full(kept: Entry | _Brief) -> Entry:
    return kept.entry() if isinstance(kept, _Brief) else kept


class DeliveryLog:
    """Bounded, newest-last history of what the dispatcher did; oldest entries fall off."""

    def __init__(self, limit: int, listeners: list[Listener] | None = None) -> None:
        self.limit = max(1, limit)
        self._listeners = listeners if listeners is not None else []  # told of every new entry (the console)
        self._entries: deque[Entry | _Brief] = deque(maxlen=self.limit)
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
        entry = _entry(
            self._next_id,
            subscription,
            notification,
            outcome,
            at=at,
            event_id=event_id,
            attempt=attempt,
            url=url,
            headers=headers,
            body=body,
            status=status,
            latency_ms=latency_ms,
            error=error,
            reason=reason,
            fault=fault,
            retries_left=retries_left,
        )
        self._keep(entry, outcome)
        if self._listeners:
            self._tell(lambda: entry)
        return entry

    def brief(
        self, subscription: Subscription, notification: Notification, outcome: str, *, at: float, reason: str
    ) -> None:
        """Append the entry of an event that was never sent; built when first read."""
        kept = _Brief(self._next_id, at, subscription, notification, outcome, reason)
        self._keep(kept, outcome)
        if self._listeners:
            self._tell(kept.entry)

    def _tell(self, entry: Callable[[], Entry]) -> None:
        for listener in list(self._listeners):
            listener(entry)

    def _keep(self, kept: Entry | _Brief, outcome: str) -> None:
        self._next_id += 1
        if len(self._entries) == self.limit:
            self.evicted += 1
        self._entries.append(kept)
        self.outcomes[outcome] += 1

    def get(self, entry_id: int) -> Entry | None:
        """The entry with this id, if it is still in the log."""
        found = next((kept for kept in self._entries if _id(kept) == entry_id), None)
        return None if found is None else _full(found)

    def entries(
        self, *, account_id: str | None = None, client_id: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Copies of the matching entries, oldest first; ``limit`` keeps the newest ``limit``."""
        picked = [
            entry
            for entry in map(_full, self._entries)
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


def _id(kept: Entry | _Brief) -> int:
    return kept.id if isinstance(kept, _Brief) else int(kept["id"])
