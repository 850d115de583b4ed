"""Fan-out of server-sent events to the open consoles, each through a bounded queue.

Overload behaviour: a console that falls ``QUEUE_LIMIT`` events behind has its queue emptied and
gets one ``resync`` event instead; the page then reloads what it shows from the control plane. A
slow browser never makes the mock buffer without bound, and never slows the mock down.
"""

from __future__ import annotations

import asyncio
import json

QUEUE_LIMIT = 1000  # events waiting per console before it is told to resync
SUBSCRIBER_LIMIT = 32  # open streams; one more is refused with 503


def frame(kind: str, data: object) -> bytes:
    """One SSE message: ``event:`` names the kind, ``data:`` is one line of JSON."""
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


class Subscriber:
    """One open stream: its queue of encoded frames and how often it had to resync."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=limit)
        self.resyncs = 0

    def offer(self, message: bytes) -> None:
        """Queue a frame; when full, drop everything queued and queue a ``resync`` in its place."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.resyncs += 1
            self.queue.put_nowait(frame("resync", {"reason": "overflow", "dropped_over": self.queue.maxsize}))

    async def next(self, timeout: float) -> bytes | None:  # noqa: ASYNC109 - the idle tick needs a bound
        """The next frame, or None after ``timeout`` seconds with nothing to send."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class Hub:
    """The set of open streams; ``publish`` encodes once and offers to each, never waiting."""

    def __init__(self, queue_limit: int = QUEUE_LIMIT, subscriber_limit: int = SUBSCRIBER_LIMIT) -> None:
        self.queue_limit = queue_limit
        self.subscriber_limit = subscriber_limit
        self.subscribers: set[Subscriber] = set()

    def __bool__(self) -> bool:
        """True while at least one console listens (listeners skip building payloads otherwise)."""
        return bool(self.subscribers)

    def subscribe(self) -> Subscriber | None:
        """A new stream, or None when ``subscriber_limit`` are already open."""
        if len(self.subscribers) >= self.subscriber_limit:
            return None
        subscriber = Subscriber(self.queue_limit)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def publish(self, kind: str, data: object) -> None:
        if not self.subscribers:
            return
        message = frame(kind, data)
        for subscriber in list(self.subscribers):
            subscriber.offer(message)
