"""The retention store of one installation: undelivered events in publish order, capped.

Publish order (the event id) is the replay order, so per-conversation order survives even when
events that were in flight fail after later ones were already stored.
"""

from __future__ import annotations

from collections import Counter, deque

from mockcc.webhooks.delivery import Pending
from mockcc.webhooks.model import retention_time


class EventStore:
    """Events kept while an installation is failing, oldest first, at most ``limit`` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._items: deque[Pending] = deque()
        self._conversations: Counter[str] = Counter()
        self.sending: Pending | None = None  # the head while it is being replayed: never evicted

    def __len__(self) -> int:
        return len(self._items)

    def add(self, pending: Pending) -> Pending | None:
        """Insert in publish order; returns the event evicted to respect the cap, if any."""
        items = self._items
        index = len(items)
        while index and items[index - 1].event_id > pending.event_id:
            index -= 1
        items.insert(index, pending)
        self._conversations[pending.conversation_id] += 1
        if len(items) <= self.limit:
            return None
        victim = items[1] if items[0] is self.sending else items[0]
        self.remove(victim)
        return victim

    def head(self) -> Pending | None:
        """The oldest stored event."""
        return self._items[0] if self._items else None

    def remove(self, pending: Pending) -> bool:
        """Forget ``pending`` (delivered or dropped); False if it was no longer stored."""
        if self._items and self._items[0] is pending:
            self._items.popleft()
        else:
            for index, item in enumerate(self._items):
                if item is pending:
                    del self._items[index]
                    break
            else:
                return False
        left = self._conversations[pending.conversation_id] - 1
        if left:
            self._conversations[pending.conversation_id] = left
        else:
            del self._conversations[pending.conversation_id]
        return True

    def has_conversation(self, conversation_id: str) -> bool:
        """True while any event of this conversation waits here (its new events must queue behind)."""
        return conversation_id in self._conversations

    @staticmethod
    def expires_at(pending: Pending) -> float | None:
        """When ``pending`` becomes older than its installation's ``retention_time``."""
        ttl = retention_time(pending.subscription)
        return None if ttl is None else pending.published_at + ttl

    def next_expiry(self) -> float | None:
        """The expiry time of the oldest event (events expire in publish order)."""
        for item in self._items:
            if item is not self.sending:
                return self.expires_at(item)
        return None

    def expire(self, now: float) -> list[Pending]:
        """Remove and return the events whose retention time has run out."""
        expired: list[Pending] = []
        for item in self._items:
            if item is self.sending:
                continue
            deadline = self.expires_at(item)
            if deadline is None or deadline > now:
                break
            expired.append(item)
        for item in expired:
            self.remove(item)
        return expired

    def clear(self) -> None:
        """Forget everything."""
        self._items.clear()
        self._conversations.clear()
