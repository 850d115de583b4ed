"""One socket's frames waiting to be written, bounded: a slow reader is closed, never buffered without end.

Frames are serialised once when pushed (compact JSON, the same encoder as HTTP answers). Past
``limit`` waiting frames the outbox is *overloaded*: it takes nothing more and asks its socket to
close with 1013 (try again later); what was waiting is dropped. The writer (``mockcc.sockets``)
awaits ``take``, which also returns the close a peer was asked for (idle, expired bearer, reset).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from mockcc.types import JSON

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
#: Close codes the mock uses: LivePerson documents 4401 (token missing or expired) only; the rest are RFC 6455's.
CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_RESTART = 1012
CLOSE_TRY_LATER = 1013
CLOSE_UNAUTHORIZED = 4401
#: How long a close may wait for its socket (a peer that reads nothing cannot hold the mock longer).
CLOSE_WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Close:
    """A close the socket was asked for: code and a reason (at most 123 bytes on the wire)."""

    code: int
    reason: str


def encode(frame: object) -> str:
    return _ENCODER.encode(frame)


class Outbox:
    """Frames for one socket, at most ``limit`` waiting; ``close`` ends it with a code and a reason."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._frames: deque[str] = deque()
        self._wake = asyncio.Event()
        self.closing: Close | None = None
        self.closed_at: float | None = None  # time.monotonic() of the close asked for
        self.sent = 0
        #: Told once when a push finds the outbox full (``Streams`` counts slow readers).
        self.on_overload: Callable[[], None] | None = None

    def push(self, frame: JSON) -> bool:
        """Queue ``frame``; False when the outbox is closing, or overloaded by this frame."""
        return self.push_text(encode(frame))

    def push_text(self, text: str) -> bool:
        """``push`` for a frame already encoded (one notification encoded once for all its listeners)."""
        if self.closing is not None:
            return False
        if len(self._frames) >= self.limit:
            self._frames.clear()
            self.close(CLOSE_TRY_LATER, f"slow reader: {self.limit} frames waiting")
            if self.on_overload is not None:
                self.on_overload()
            return False
        self._frames.append(text)
        self._wake.set()
        return True

    def close(self, code: int, reason: str) -> None:
        """Ask the socket to close (the first request wins)."""
        if self.closing is None:
            self.closing = Close(code, reason.encode()[:123].decode(errors="ignore"))
            self.closed_at = time.monotonic()
        self._wake.set()

    def __len__(self) -> int:
        return len(self._frames)

    async def take(self) -> list[str] | Close:
        """The frames waiting now (at least one), or the close asked for; frames queued before a close go first."""
        while not self._frames:
            if self.closing is not None:
                return self.closing
            self._wake.clear()
            await self._wake.wait()
        frames = list(self._frames)
        self._frames.clear()
        self.sent += len(frames)
        return frames
