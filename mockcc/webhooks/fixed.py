"""Retry mechanism A (``max_retries``): every event on its own, re-POSTed every 30 s, then dropped.

Events don't wait for each other, so a later event may overtake one that is waiting to be retried,
exactly the ordering LivePerson documents for this (deprecated) mechanism.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from mockcc.webhooks.activity import Activity
from mockcc.webhooks.delivery import Deliverer, Outcome, Pending
from mockcc.webhooks.log import DeliveryLog

RETRY_INTERVAL = 30.0


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

    def publish(self, pending: Pending) -> None:
        """Start delivering now; if the installation holds ``limit`` events, drop the oldest waiting one."""
        if len(self._jobs) >= self._limit:
            victim = next((job for job in self._jobs.values() if job.due is not None), None)
            if victim is None:
                pending.log(self._log, "dropped", self._activity.clock.now(), reason="store full")
                return
            del self._jobs[victim.pending.event_id]
            if victim.task is not None:
                victim.task.cancel()
            victim.pending.log(self._log, "dropped", self._activity.clock.now(), reason="store full")
        job = _Job(pending)
        self._jobs[pending.event_id] = job
        job.task = self._activity.spawn(self._run(job))

    async def _run(self, job: _Job) -> None:
        pending = job.pending
        try:
            while True:
                started = self._activity.clock.now()
                outcome = await self._deliverer.attempt(pending)
                if outcome is Outcome.HELD:
                    outcome = await self._deliverer.resume(pending)
                if outcome is not Outcome.FAILED:
                    return
                if pending.attempts > pending.route.max_retries:
                    reason = "max_retries 0" if pending.route.max_retries == 0 else "retries exhausted"
                    pending.log(self._log, "dropped", self._activity.clock.now(), reason=reason)
                    return
                job.due = started + RETRY_INTERVAL
                await self._activity.sleep_until(job.due)
                job.due = None
        finally:
            if self._jobs.get(pending.event_id) is job:
                del self._jobs[pending.event_id]

    def status(self) -> dict[str, Any]:
        """Counts and the next retry time (mock clock epoch seconds)."""
        dues = [job.due for job in self._jobs.values() if job.due is not None]
        return {
            "pending": len(self._jobs),
            "waiting_retry": len(dues),
            "next_retry_at": min(dues, default=None),
        }
