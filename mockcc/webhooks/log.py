"""The delivery log: one JSON-able entry per attempt or fate of an event, capped at ``limit``.

Outcomes: ``delivered`` / ``failed`` (an HTTP attempt), ``stored`` (kept by the retention store),
``dropped`` (given up, with ``reason``), ``unrouted`` (no endpoint, or installation disabled), and
``fault:<kind>`` (an injected fault fired).

Each entry is kept as one flat tuple of strings and numbers (its headers' names and values at its end)
and made a dict when read. With no endpoint configured every SEND logs one: building a 19-key dict nobody
reads was a measurable part of SEND's CPU, and a dict holding a dict stayed tracked by CPython's cycle
collector, rescanned by every pass until it fell off the log, where the collector stops tracking such a
tuple after its first pass (ARCHITECTURE.md "Performance"). Flat, because a tuple inside a tuple keeps
the outer one tracked through that first pass (the collector looks at the outer one before the inner).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from functools import partial
from typing import Any

from mockcc.rows import laid_out, read_back
from mockcc.webhooks.model import Notification, Subscription

Entry = dict[str, Any]
#: Told of every new entry, as a function that gives it: a listener nobody watches right now (the console
#: with no page open) returns before asking, so the entry is never built for it.
Listener = Callable[[Callable[[], Entry]], None]
#: An entry's keys, in the order its row keeps their values; ``headers`` holds how many headers follow
#: them (name, value, name, value, ...), or None for an entry that sent nothing.
FIELDS = (
    "id",
    "at",
    "event_id",
    "attempt",
    "account_id",
    "client_id",
    "event_key",
    "conversation_id",
    "sequence",
    "url",
    "headers",
    "body",
    "status",
    "latency_ms",
    "error",
    "outcome",
    "reason",
    "fault",
    "retries_left",
)
_ACCOUNT, _CLIENT, _HEADERS = (FIELDS.index(key) for key in ("account_id", "client_id", "headers"))
Row = tuple[Any, ...]


def _entry(row: Row) -> Entry:
    entry = dict(zip(FIELDS, row[: len(FIELDS)], strict=True))
    if row[_HEADERS] is not None:
        sent = row[len(FIELDS) :]
        entry["headers"] = read_back(sent)
    return entry


class DeliveryLog:
    """Bounded, newest-last history of what the dispatcher did; oldest entries fall off."""

    def __init__(self, limit: int, listeners: list[Listener] | None = None) -> None:
        self.limit = max(1, limit)
        self._listeners = listeners if listeners is not None else []  # told of every new entry (the console)
        self._rows: deque[Row] = deque(maxlen=self.limit)
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
        headers: tuple[tuple[str, str], ...] | None = None,
        body: str | None = None,
        status: int | None = None,
        latency_ms: float | None = None,
        error: str | None = None,
        reason: str | None = None,
        fault: str | None = None,
        retries_left: int | None = None,
    ) -> int:
        """Append one entry; its id. ``headers`` as sent (name, value), secrets already hidden."""
        entry_id = self._next_id
        self._next_id += 1
        row = (
            entry_id,
            at,
            event_id,
            attempt,
            subscription.account_id,
            subscription.client_id,
            notification.event_key,
            notification.conversation_id,
            notification.sequence,
            url,
            None if headers is None else len(headers),
            body,
            status,
            latency_ms,
            error,
            outcome,
            reason,
            fault,
            retries_left,
            *laid_out(headers or ()),
        )
        if len(self._rows) == self.limit:
            self.evicted += 1
        self._rows.append(row)
        self.outcomes[outcome] += 1
        if self._listeners:
            made = partial(_entry, row)
            for listener in list(self._listeners):
                listener(made)
        return entry_id

    def get(self, entry_id: int) -> Entry | None:
        """The entry with this id, if it is still in the log."""
        index = entry_id - self._rows[0][0] if self._rows else -1  # ids are consecutive, oldest first
        return _entry(self._rows[index]) if 0 <= index < len(self._rows) else None

    def entries(
        self, *, account_id: str | None = None, client_id: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Copies of the matching entries, oldest first; ``limit`` keeps the newest ``limit``."""
        picked = [
            row
            for row in self._rows
            if (account_id is None or row[_ACCOUNT] == account_id) and (client_id is None or row[_CLIENT] == client_id)
        ]
        if limit is not None:
            picked = picked[-limit:] if limit > 0 else []
        return [_entry(row) for row in picked]

    def __len__(self) -> int:
        return len(self._rows)
