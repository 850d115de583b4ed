"""Fan-out of server-sent events to the open consoles, each through bounded, coalescing queues.

Each console's stream writes whatever piled up since its last write as one chunk (a batch), so a busy
mock costs one write per turn of the event loop, not one per event. What is waiting is held per panel
(a lane): conversations (conversation and event frames), journal calls, webhook deliveries. Overload
behaviour: a lane that is full drops its oldest frame and is marked behind; the next batch ends with
one ``resync`` naming only the lanes that dropped something, however many frames they dropped, and
the page reloads just those panels from the control plane. A flood of journal calls never makes the
page reload its conversations, and a slow browser never makes the mock buffer without bound or slow
down. A reset empties every lane and sends one ``resync`` for everything.

Frames are capped in bytes too, not just in number: a stream holds at most ``HELD_BYTES`` of frames
(the oldest dropped first, as for a full lane), so the one chunk it joins and writes when it wakes is
that size at most. Counting frames alone let 32 stuck consoles each join thousands of large journal
frames at once when their sockets closed (RSS 189 -> 563 MiB for seconds).
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
#: Bytes of frames one stream may hold (so also the largest chunk it writes at once): the page keeps
#: 1000 calls, but a frame can be tens of KiB (a call's headers and bodies), and every stream joins
#: its own copy of what it holds.
HELD_BYTES = 1 << 20


def frame(kind: str, data: object) -> bytes:
    """One SSE message: ``event:`` names the kind, ``data:`` is one line of JSON."""
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


class Subscriber:
    """One open stream: its lanes of encoded frames (in publish order across lanes) and what it dropped."""

    def __init__(self, limits: dict[str, int] | None = None, held_bytes: int = HELD_BYTES) -> None:
        self.lanes: dict[str, deque[tuple[int, bytes]]] = {
            lane: deque(maxlen=limit) for lane, limit in (limits or LANE_LIMITS).items()
        }
        self.held_bytes = held_bytes
        self.held = 0  # bytes of the frames waiting, over all lanes
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
            self.held = 0
        lane_name = LANE_OF.get(kind, "conversations")
        lane = self.lanes[lane_name]
        if len(lane) == lane.maxlen:
            self._drop_oldest(lane_name)
        lane.append((self._order, message))
        self.held += len(message)
        self._order += 1
        if self.held > self.held_bytes:
            self._trim(lane_name)
        self._ready.set()

    def _drop_oldest(self, lane_name: str) -> None:
        _, message = self.lanes[lane_name].popleft()
        self.held -= len(message)
        self.behind.add(lane_name)
        self.dropped += 1

    def _trim(self, offered: str) -> None:
        """Over the byte cap: drop the oldest frames, of the lane just offered first (what floods is what
        gives way), then of the others; the frame just offered is always kept."""
        others = sorted((n for n in self.lanes if n != offered), key=lambda n: -len(self.lanes[n]))
        for lane_name in (offered, *others):
            keep = 1 if lane_name == offered else 0
            while self.held > self.held_bytes and len(self.lanes[lane_name]) > keep:
                self._drop_oldest(lane_name)

    def pending(self) -> int:
        return sum(len(lane) for lane in self.lanes.values())

    def batch(self) -> bytes:
        """Everything waiting, in publish order, as one chunk; then one ``resync`` for the lanes behind."""
        chunk = b"".join(message for _, message in heapq.merge(*self.lanes.values()))
        for lane in self.lanes.values():
            lane.clear()
        self.held = 0
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

    def __init__(
        self,
        lane_limits: dict[str, int] | None = None,
        subscriber_limit: int = SUBSCRIBER_LIMIT,
        held_bytes: int = HELD_BYTES,
    ) -> None:
        self.lane_limits = lane_limits or LANE_LIMITS
        self.subscriber_limit = subscriber_limit
        self.held_bytes = held_bytes
        self.subscribers: set[Subscriber] = set()

    def __bool__(self) -> bool:
        """True while at least one console listens (listeners skip building payloads otherwise)."""
        return bool(self.subscribers)

    def subscribe(self) -> Subscriber | None:
        """A new stream, or None when ``subscriber_limit`` are already open."""
        if len(self.subscribers) >= self.subscriber_limit:
            return None
        subscriber = Subscriber(self.lane_limits, self.held_bytes)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def limits(self) -> dict[str, object]:
        """The console's caps for ``GET /_mockcc/limits``: streams, frames per lane, bytes per stream."""
        return {
            "streams_limit": self.subscriber_limit,
            "streams_open": len(self.subscribers),
            "frames_per_lane": dict(self.lane_limits),
            "bytes_held_per_stream": self.held_bytes,
            "dropped": sum(s.dropped for s in self.subscribers),
            "overload": "a stream past its cap: 503; a lane full or a stream over its bytes: the oldest "
            "frame dropped and the page told to reload that panel (resync)",
        }

    def publish(self, kind: str, data: object) -> None:
        if not self.subscribers:
            return
        message = frame(kind, data)
        for subscriber in list(self.subscribers):
            subscriber.offer(kind, message)
