"""Retry mechanism B (``retry.retention_time``): the installation-level state machine.

UP → (any failure) FAILED: every event of the installation is stored; the oldest is retried after
2 s, 4 s, 8 s … (≤ 300 s) → (a retry succeeds) IN_TRANSITION: the store is replayed one event at a
time in publish order, brand-new conversations go direct, events of stored conversations queue
behind → (store drained) RECOVERED for 4 s → UP. Any failure in any state → FAILED.

Direct deliveries run in one lane per conversation (one request in flight per conversation), which
is what makes the per-conversation ordering guarantee hold even across a failure.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mockcc.webhooks.activity import Activity, Gate
from mockcc.webhooks.delivery import Deliverer, Outcome, Pending
from mockcc.webhooks.log import DeliveryLog
from mockcc.webhooks.store import EventStore

FIRST_BACKOFF = 2.0
MAX_BACKOFF = 300.0
DRAIN_PERIOD = 4.0


class State(enum.StrEnum):
    """LivePerson's app-install states."""

    UP = "UP"
    FAILED = "FAILED"
    IN_TRANSITION = "IN_TRANSITION"
    RECOVERED = "RECOVERED"


@dataclass(slots=True, eq=False)
class _Lane:
    idle: Gate
    queue: deque[Pending] = field(default_factory=deque)


class Retention:
    """One installation in ``retention_time`` mode; at most ``limit`` events stored or queued."""

    def __init__(self, activity: Activity, log: DeliveryLog, deliverer: Deliverer, limit: int) -> None:
        self._activity = activity
        self._log = log
        self._deliverer = deliverer
        self._store = EventStore(limit)
        self._lanes: dict[str, _Lane] = {}
        self._queued = 0
        self.state = State.UP
        self.backoff = FIRST_BACKOFF
        self.retry_at: float | None = None
        self.recovered_until: float | None = None
        self.transitions: deque[dict[str, Any]] = deque(maxlen=20)
        self._replayer: asyncio.Task[None] | None = None
        self._recover_timer: asyncio.Task[None] | None = None

    def _now(self) -> float:
        return self._activity.clock.now()

    # -- entry point ---------------------------------------------------------------------------

    def publish(self, pending: Pending) -> None:
        """Store, queue behind its conversation, or deliver directly, depending on the state."""
        conversation = pending.conversation_id
        if self.state is State.FAILED or (
            self.state is State.IN_TRANSITION and self._store.has_conversation(conversation)
        ):
            self._keep(pending, reason="installation failing" if self.state is State.FAILED else "conversation stored")
            return
        if len(self._store) + self._queued >= self._store.limit:
            victim = self._store.head() if len(self._store) else None
            if victim is None or victim is self._store.sending:
                pending.log(self._log, "dropped", self._now(), reason="store full")
                return
            self._store.remove(victim)
            victim.log(self._log, "dropped", self._now(), reason="store full")
        lane = self._lanes.get(conversation)
        if lane is None:
            lane = self._lanes[conversation] = _Lane(Gate(self._activity))
            lane.queue.append(pending)
            self._queued += 1
            self._activity.spawn(self._drive(conversation, lane))
        else:
            lane.queue.append(pending)
            self._queued += 1

    # -- state changes -------------------------------------------------------------------------

    def _set_state(self, state: State) -> None:
        self.state = state
        self.transitions.append({"at": self._now(), "state": state.value})

    def _fail(self) -> None:
        """Any failure in any state: FAILED, first retry 2 s from now."""
        if self.state is State.FAILED:
            return
        if self._recover_timer is not None:
            self._recover_timer.cancel()
            self._recover_timer = None
        self.recovered_until = None
        self.backoff = FIRST_BACKOFF
        self.retry_at = self._now() + self.backoff
        self._set_state(State.FAILED)
        self._ensure_replayer()

    def _keep(self, pending: Pending, *, reason: str) -> None:
        evicted = self._store.add(pending)
        pending.log(self._log, "stored", self._now(), reason=reason)
        if evicted is not None:
            evicted.log(self._log, "dropped", self._now(), reason="store full")
        self._ensure_replayer()

    def _direct_failed(self, pending: Pending) -> None:
        """A direct delivery failed: drop it (explicit ``max_retries: 0`` while healthy) or store it and fail."""
        if pending.route.opts_out_of_retention and self.state is not State.FAILED:
            pending.log(self._log, "dropped", self._now(), reason="max_retries 0")
            return
        self._fail()
        self._keep(pending, reason="delivery failed")

    def _ensure_replayer(self) -> None:
        if self._replayer is None and len(self._store):
            self._replayer = self._activity.spawn(self._replay())

    # -- workers -------------------------------------------------------------------------------

    async def _drive(self, conversation: str, lane: _Lane) -> None:
        """Deliver one conversation's direct events one at a time; hand them to the store on failure."""
        try:
            while lane.queue:
                if self.state is State.FAILED:
                    while lane.queue:
                        self._queued -= 1
                        self._keep(lane.queue.popleft(), reason="installation failing")
                    break
                pending = lane.queue[0]
                outcome = await self._deliverer.attempt(pending)
                lane.queue.popleft()
                self._queued -= 1
                if outcome is Outcome.HELD:
                    self._activity.spawn(self._finish_held(pending))
                elif outcome is Outcome.FAILED:
                    self._direct_failed(pending)
        finally:
            if self._lanes.get(conversation) is lane:
                del self._lanes[conversation]
            lane.idle.open()

    async def _finish_held(self, pending: Pending) -> None:
        """A reorder fault detached this event from its lane: send it later, fail as usual."""
        if await self._deliverer.resume(pending) is Outcome.FAILED:
            self._direct_failed(pending)

    async def _wait_for_retry(self) -> None:
        """While FAILED: sleep until the next retry, dropping events as their retention runs out."""
        while self.state is State.FAILED and self.retry_at is not None:
            self._expire()
            expiry = self._store.next_expiry()
            if expiry is not None and expiry < self.retry_at:
                await self._activity.sleep_until(expiry)
                continue
            await self._activity.sleep_until(self.retry_at)
            self._expire()
            return

    def _expire(self) -> None:
        for pending in self._store.expire(self._now()):
            pending.log(self._log, "dropped", self._now(), reason="retention")

    async def _replay(self) -> None:
        """Retry the oldest stored event with backoff; once one succeeds, replay the rest in order."""
        try:
            while True:
                await self._wait_for_retry()
                self._expire()
                head = self._store.head()
                if head is None:
                    if self.state is State.IN_TRANSITION:
                        self._recovered()
                    return
                lane = self._lanes.get(head.conversation_id)
                if lane is not None:  # an earlier event of this conversation is still in flight
                    await lane.idle.wait()
                    continue
                probing = self.state is State.FAILED
                self._store.sending = head
                try:
                    outcome = await self._deliverer.attempt(head)
                finally:
                    self._store.sending = None
                if outcome is Outcome.FAILED:
                    self._replay_failed(head, probing=probing)
                    continue
                self._store.remove(head)
                if outcome is Outcome.HELD:
                    self._activity.spawn(self._finish_held(head))
                if probing and self.state is State.FAILED:
                    self.backoff = FIRST_BACKOFF
                    self.retry_at = None
                    self._set_state(State.IN_TRANSITION)
        finally:
            if self._replayer is asyncio.current_task():
                self._replayer = None

    def _replay_failed(self, head: Pending, *, probing: bool) -> None:
        if head.route.opts_out_of_retention:
            self._store.remove(head)
            head.log(self._log, "dropped", self._now(), reason="max_retries 0")
        elif probing and self.state is State.FAILED:
            self.backoff = min(self.backoff * 2, MAX_BACKOFF)
            self.retry_at = self._now() + self.backoff
        else:
            self._fail()

    def _recovered(self) -> None:
        self.recovered_until = self._now() + DRAIN_PERIOD
        self._set_state(State.RECOVERED)
        self._recover_timer = self._activity.spawn(self._drain(self.recovered_until))

    async def _drain(self, until: float) -> None:
        await self._activity.sleep_until(until)
        if self.state is State.RECOVERED:
            self.recovered_until = None
            self._set_state(State.UP)
        self._recover_timer = None

    def status(self) -> dict[str, Any]:
        """State, store size and the next retry time (mock clock epoch seconds)."""
        return {
            "state": self.state.value,
            "stored": len(self._store),
            "queued": self._queued,
            "conversations_in_flight": len(self._lanes),
            "next_retry_at": self.retry_at if self.state is State.FAILED else None,
            "backoff_seconds": self.backoff if self.state is State.FAILED else None,
            "recovered_until": self.recovered_until,
            "transitions": list(self.transitions),
        }
