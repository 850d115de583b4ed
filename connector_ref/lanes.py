"""Ordered background work: one lane per key (consumer or conversation), run one job at a time.

A consumer's messages must reach LivePerson in the order they were written, and an agent's
messages must reach the channel in the order LivePerson delivered them; different consumers and
conversations must not wait for each other. Each key gets a FIFO drained by a task that ends when
the FIFO is empty. The total backlog is capped so an overloaded connector refuses work (the sender
retries) instead of accepting work it cannot do.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger("connector_ref.lanes")

Job = Callable[[], Awaitable[None]]


class Overloaded(Exception):
    """The backlog is full; the caller should answer 503 so the sender tries again later."""


class Lanes:
    """Per-key FIFO execution; jobs with different keys run concurrently."""

    def __init__(self, name: str, limit: int = 10_000) -> None:
        self.name = name
        self.limit = limit
        self._queues: dict[str, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._backlog = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def backlog(self) -> int:
        """Jobs accepted and not yet finished."""
        return self._backlog

    def submit(self, key: str, job: Job) -> None:
        """Queue ``job`` behind earlier jobs of ``key``; raises Overloaded when the backlog is full."""
        if self._backlog >= self.limit:
            raise Overloaded(f"{self.name}: {self._backlog} jobs waiting")
        self._backlog += 1
        self._idle.clear()
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(job)
            return
        queue = self._queues[key] = deque([job])
        task = asyncio.get_running_loop().create_task(self._drain(key, queue), name=f"{self.name}:{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: str, queue: deque[Job]) -> None:
        try:
            while queue:
                try:
                    await queue[0]()
                except Exception:  # one bad job must not stall the lane behind it
                    log.exception("%s: job for %s failed", self.name, key)
                queue.popleft()
                self._done()
        finally:
            del self._queues[key]

    def _done(self) -> None:
        self._backlog -= 1
        if self._backlog == 0:
            self._idle.set()

    async def wait_idle(self, within: float) -> bool:
        """Wait until every accepted job has finished; False if ``within`` seconds pass first."""
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            return False
        return True

    async def aclose(self) -> int:
        """Cancel every lane; returns how many accepted jobs never finished."""
        dropped = self._backlog
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._queues.clear()
        self._backlog = 0
        self._idle.set()
        return dropped
