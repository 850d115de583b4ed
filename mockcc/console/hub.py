"""Fan-out of server-sent events to the open consoles, each through bounded, coalescing queues.

Each console's stream writes whatever piled up since its last write as one chunk (a batch), so a busy
mock costs one write per turn of the event loop, not one per event. What is waiting is held per panel
(a lane): conversations (conversation and event frames), journal calls, webhook deliveries. Overload
behaviour: a lane that is full drops its oldest frame and is marked behind; the next batch ends with
one ``resync`` naming only the lanes that dropped something, however many frames they dropped, and
the page reloads just those panels from the control plane. A flood of journal calls never makes the
page reload its conversations, and a slow browser never makes the mock buffer without bound or slow
down. A reset empties every lane and sends one ``resync`` for everything.
"""

from __future__ import annotations

import asyncio
import heapq
import json
from collections import deque

# Frames waiting per lane of one console; each is what the page keeps of that panel, or more.
LANE_LIMITS = {"conversations": 1000, "journal": 1000, "webhooks": 500}
LANE_OF = {"journal": "journal", "delivery": "webhooks"}  # every other kind: "conversations"
SUBSCRIBER_LIMIT = 32  # open streams; one more is refused with 503


def frame(kind: str, data: object) -> bytes:
    """One SSE message: ``event:`` names the kind, ``data:`` is one line of JSON."""
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


class Subscriber:
    """One open stream: its lanes of encoded frames (in publish order across lanes) and what it dropped."""

    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self.lanes: dict[str, deque[tuple[int, bytes]]] = {
            lane: deque(maxlen=limit) for lane, limit in (limits or LANE_LIMITS).items()
        }
        self.behind: set[str] = set()  # lanes that dropped frames since the last batch
        self.dropped = 0  # frames dropped, over the stream's life
        self.resyncs = 0  # resync frames sent for overflow, over the stream's life
        self._order = 0
        self._ready = asyncio.Event()

    def offer(self, kind: str, message: bytes) -> None:
        """Queue a frame on its lane, never waiting; a full lane drops its oldest and is marked behind."""
        if kind == "resync":  # a reset: what is waiting is stale, everything reloads
            for lane in self.lanes.values():
                lane.clear()
            self.behind.clear()
        lane_name = LANE_OF.get(kind, "conversations")
        lane = self.lanes[lane_name]
        if len(lane) == lane.maxlen:
            self.behind.add(lane_name)
            self.dropped += 1
        lane.append((self._order, message))
        self._order += 1
        self._ready.set()

    def pending(self) -> int:
        return sum(len(lane) for lane in self.lanes.values())

    def batch(self) -> bytes:
        """Everything waiting, in publish order, as one chunk; then one ``resync`` for the lanes behind."""
        chunk = b"".join(message for _, message in heapq.merge(*self.lanes.values()))
        for lane in self.lanes.values():
            lane.clear()
        if self.behind:
            chunk += frame("resync", {"reason": "overflow", "panels": sorted(self.behind)})
            self.resyncs += 1
            self.behind.clear()
        self._ready.clear()
        return chunk

    async def next(self, timeout: float) -> bytes | None:  # noqa: ASYNC109 - the idle tick needs a bound
        """The next batch, or None after ``timeout`` seconds with nothing to send."""
        if not self.pending():
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return None
        return self.batch() or None


class Hub:
    """The set of open streams; ``publish`` encodes once and offers to each, never waiting."""

    def __init__(self, lane_limits: dict[str, int] | None = None, subscriber_limit: int = SUBSCRIBER_LIMIT) -> None:
        self.lane_limits = lane_limits or LANE_LIMITS
        self.subscriber_limit = subscriber_limit
        self.subscribers: set[Subscriber] = set()

    def __bool__(self) -> bool:
        """True while at least one console listens (listeners skip building payloads otherwise)."""
        return bool(self.subscribers)

    def subscribe(self) -> Subscriber | None:
        """A new stream, or None when ``subscriber_limit`` are already open."""
        if len(self.subscribers) >= self.subscriber_limit:
            return None
        subscriber = Subscriber(self.lane_limits)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def publish(self, kind: str, data: object) -> None:
        if not self.subscribers:
            return
        message = frame(kind, data)
        for subscriber in list(self.subscribers):
            subscriber.offer(kind, message)
