"""Retry mechanism A (``max_retries``): every event on its own, re-POSTed every 30 s, then dropped.

Events don't wait for each other, so a later event may overtake one that is waiting to be retried,
exactly the ordering LivePerson documents for this (deprecated) mechanism.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mockcc.webhooks.activity import Activity
from mockcc.webhooks.delivery import Deliverer, Outcome, Pending
from mockcc.webhooks.log import DeliveryLog

RETRY_INTERVAL = 30.0
#: Events on their first attempt at once (one task each); later ones wait in a plain queue, without a
#: task, until one of those is through its first attempt. A task waiting for a connection cost about
#: 2.7 KB, so a connector too slow to keep up made the mock hold 270 MB at the 100,000-event cap.
FIRST_ATTEMPTS = 256


@dataclass(slots=True, eq=False)
class _Job:
    pending: Pending
    task: asyncio.Task[None] | None = None
    due: float | None = field(default=None)


class FixedRetries:
    """One installation's events in ``max_retries`` mode, at most ``limit`` of them at a time."""

    def __init__(self, activity: Activity, log: DeliveryLog, deliverer: Deliverer, limit: int) -> None:
        self._activity = activity
        self._log = log
        self._deliverer = deliverer
        self._limit = max(1, limit)
        self._jobs: dict[int, _Job] = {}  # insertion order = oldest first
        # A heap of every job that began waiting for a retry, oldest event first: the store-full victims,
        # found without a scan (entries of jobs retrying again or gone are skipped, and dropped). An entry
        # is (event id, wait number, job): a job waits once per retry, and jobs are never compared.
        self._waiting: list[tuple[int, int, _Job]] = []
        self._waits = itertools.count()
        self._fresh: deque[_Job] = deque()  # published, not started: no task yet (FIRST_ATTEMPTS)
        self._starting = 0  # jobs with a task that are not through their first attempt

    @property
    def queued(self) -> int:
        """Events waiting to start their first attempt."""
        return len(self._fresh)

    def publish(self, pending: Pending) -> None:
        """Start delivering now (or queue it behind ``FIRST_ATTEMPTS`` first attempts); if the
        installation holds ``limit`` events, drop the oldest waiting one."""
        if len(self._jobs) >= self._limit:
            victim = self._oldest_waiting()
            if victim is None:
                pending.log(self._log, "dropped", self._activity.clock.now(), reason="store full")
                return
            del self._jobs[victim.pending.event_id]
            if victim.task is not None:
                victim.task.cancel()
            victim.pending.log(self._log, "dropped", self._activity.clock.now(), reason="store full")
        job = _Job(pending)
        self._jobs[pending.event_id] = job
        if self._starting < FIRST_ATTEMPTS:
            self._start(job)
        else:
            self._fresh.append(job)

    def _wait(self, job: _Job) -> None:
        heapq.heappush(self._waiting, (job.pending.event_id, next(self._waits), job))
        if len(self._waiting) > 2 * len(self._jobs) + 64:  # mostly stale: keep the heap as small as the store
            self._waiting = [entry for entry in self._waiting if self._is_waiting(entry[2])]
            heapq.heapify(self._waiting)

    def _is_waiting(self, job: _Job) -> bool:
        return job.due is not None and self._jobs.get(job.pending.event_id) is job

    def _oldest_waiting(self) -> _Job | None:
        """The oldest event waiting for its retry (a lookup, not a scan: the store holds up to 100,000,
        and a scan per new event made SEND crawl while a connector lagged)."""
        while self._waiting:
            job = self._waiting[0][2]
            if self._is_waiting(job):
                return job
            heapq.heappop(self._waiting)
        return None

    def _start(self, job: _Job) -> None:
        self._starting += 1
        job.task = self._activity.spawn(self._run(job))

    def _first_attempt_done(self) -> None:
        """Hand the freed first-attempt place to the oldest queued event (before this task ends, so
        ``settle()`` never sees a moment with nothing busy while events wait)."""
        self._starting -= 1
        while self._fresh and self._starting < FIRST_ATTEMPTS:
            job = self._fresh.popleft()
            if self._jobs.get(job.pending.event_id) is job:
                self._start(job)

    async def _run(self, job: _Job) -> None:
        pending = job.pending
        first = True
        try:
            while True:
                started = self._activity.clock.now()
                outcome = await self._deliverer.attempt(pending)
                if outcome is Outcome.HELD:
                    outcome = await self._deliverer.resume(pending)
                if first:
                    first = False
                    self._first_attempt_done()
                if outcome is not Outcome.FAILED:
                    return
                if pending.attempts > pending.route.max_retries:
                    reason = "max_retries 0" if pending.route.max_retries == 0 else "retries exhausted"
                    pending.log(self._log, "dropped", self._activity.clock.now(), reason=reason)
                    return
                job.due = started + RETRY_INTERVAL
                self._wait(job)
                await self._activity.sleep_until(job.due)
                job.due = None
        except asyncio.CancelledError:
            if first:  # reset or shutdown cancels everything: start nothing more
                first = False
                self._starting -= 1
            raise
        finally:
            if first:  # failed unexpectedly before its first attempt ended: the queue moves on
                self._first_attempt_done()
            if self._jobs.get(pending.event_id) is job:
                del self._jobs[pending.event_id]

    def status(self) -> dict[str, Any]:
        """Counts and the next retry time (mock clock epoch seconds)."""
        dues = [job.due for job in self._jobs.values() if job.due is not None]
        return {
            "pending": len(self._jobs),
            "queued": len(self._fresh),
            "waiting_retry": len(dues),
            "next_retry_at": min(dues, default=None),
        }
