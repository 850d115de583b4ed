"""Bookkeeping that lets ``settle()`` tell "idle at this mock time" from "still working".

Every dispatcher task counts as busy while it runs. It stops counting only while it sleeps on the
mock clock (then its deadline is recorded as due) or waits at a ``Gate``. The dispatcher is settled
when nothing is busy and no deadline is at or before ``clock.now()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from mockcc.clock import Clock


class Activity:
    """Tracks the dispatcher's tasks, their clock deadlines, and wakes ``wait_idle`` on change."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._busy = 0
        self._due: dict[int, float] = {}
        self._next_token = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()

    def _adjust(self, delta: int) -> None:
        self._busy += delta
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` as a task counted busy from this very moment (before it first runs)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        self._adjust(+1)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._adjust(-1)

    async def sleep_until(self, deadline: float) -> None:
        """Sleep on the mock clock; idle meanwhile, with ``deadline`` recorded as due."""
        token = self._next_token
        self._next_token += 1
        self._due[token] = deadline
        self._adjust(-1)
        try:
            await self.clock.sleep_until(deadline)
        finally:
            del self._due[token]
            self._adjust(+1)

    def next_due(self) -> float | None:
        """The earliest recorded deadline, if any."""
        return min(self._due.values(), default=None)

    @property
    def in_flight(self) -> int:
        """Tasks currently running (sending, or about to)."""
        return self._busy

    def idle(self) -> bool:
        """Nothing running and nothing due at the current mock time."""
        if self._busy:
            return False
        due = self.next_due()
        return due is None or due > self.clock.now()

    async def wait_idle(self, within: float) -> bool:
        """Wait (wall time) until ``idle()``; False if ``within`` seconds pass first."""
        try:
            async with asyncio.timeout(within):
                while not self.idle():
                    await self._changed.wait()
        except TimeoutError:
            return False
        return True

    def cancel_all(self) -> list[asyncio.Task[None]]:
        """Cancel every task (reset / shutdown); returns them so the caller may await them."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        return tasks


class Gate:
    """A one-shot wait that hands its waiters' busy count over on ``open()``.

    Counting the waiter busy at the moment the gate opens (not when it next gets scheduled) keeps
    ``settle()`` from reporting idle in the instant between the two.
    """

    def __init__(self, activity: Activity) -> None:
        self._activity = activity
        self._event = asyncio.Event()
        self._waiters = 0

    @property
    def is_open(self) -> bool:
        """True once ``open()`` was called."""
        return self._event.is_set()

    def open(self) -> None:
        """Release every waiter (idempotent)."""
        if self._event.is_set():
            return
        if self._waiters:
            self._activity._adjust(+self._waiters)
            self._waiters = 0
        self._event.set()

    async def wait(self) -> None:
        """Wait for ``open()``, counted idle meanwhile."""
        if self._event.is_set():
            return
        self._waiters += 1
        self._activity._adjust(-1)
        try:
            await self._event.wait()
        except asyncio.CancelledError:
            if not self._event.is_set():
                self._waiters -= 1
                self._activity._adjust(+1)
            raise
