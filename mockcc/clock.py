"""The mock's clock: wall time plus an offset that tests can move.

Every timer in mockcc (token expiry, webhook retries, bot pauses) reads this clock and sleeps
on it, never on ``time.sleep``. Moving the clock wakes every sleeper whose deadline has passed, so
a test can jump an hour ahead instead of waiting. ``serve`` runs it on wall time; tests usually
freeze it so that schedules are exact to the second.
"""

from __future__ import annotations

import asyncio
import math
import time

#: One ``advance`` moves the clock at most ten years; the total offset stays under a hundred, so every
#: timestamp the mock derives (ms epochs, token ``exp``, ISO dates) stays representable.
MAX_ADVANCE = 10 * 365 * 86_400
MAX_OFFSET = 100 * 365 * 86_400


class Clock:
    """Epoch time in seconds, movable forward, with async sleeps that honour the moves."""

    def __init__(self, *, start: float | None = None, frozen: bool = False) -> None:
        self._frozen = frozen
        self._base = time.time() if start is None else start
        self._wall_at_base = time.monotonic()
        self._offset = 0.0
        self._moved = asyncio.Event()

    @property
    def frozen(self) -> bool:
        """True when only ``advance`` moves time (tests); False when it also follows the wall."""
        return self._frozen

    def now(self) -> float:
        """Seconds since the epoch, as the mock sees it."""
        elapsed = 0.0 if self._frozen else time.monotonic() - self._wall_at_base
        return self._base + elapsed + self._offset

    def now_ms(self) -> int:
        """Milliseconds since the epoch: LivePerson's timestamps (``serverTimestamp``, ``startTs``)."""
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> None:
        """Move the clock forward and wake every sleeper so it can check its deadline."""
        if not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE:
            raise ValueError(f"seconds must be a finite number from 0 to {MAX_ADVANCE} (the clock only moves forward)")
        if self._offset + seconds > MAX_OFFSET:
            raise ValueError(f"the clock has moved {self._offset:.0f} s; its total offset stays under {MAX_OFFSET} s")
        self._offset += seconds
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    def offset(self) -> float:
        """How far the clock has been moved ahead of where it would otherwise be."""
        return self._offset

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of mock time."""
        await self.sleep_until(self.now() + max(0.0, seconds))

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until the mock time reaches ``deadline`` (wall time passing or ``advance``)."""
        while (remaining := deadline - self.now()) > 0:
            moved = self._moved
            try:
                await asyncio.wait_for(moved.wait(), None if self._frozen else remaining)
            except TimeoutError:
                continue
