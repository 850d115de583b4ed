"""One delivery attempt: apply any armed fault, POST the signed bytes, log what happened.

Retry policy lives elsewhere (``fixed.py``, ``retention.py``); this module only knows how to send
one event once and report whether LivePerson would call that a success (200 or 201 only).
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mockcc import redact
from mockcc.webhooks.activity import Activity, Gate
from mockcc.webhooks.client import DeliveryError, Poster
from mockcc.webhooks.faults import DEFAULT_REORDER_HOLD, FaultBook, WebhookFault
from mockcc.webhooks.log import DeliveryLog
from mockcc.webhooks.model import Notification, Route, Subscription, retention_time
from mockcc.webhooks.signing import sign

SUCCESS_STATUSES = frozenset({200, 201})
_RESERVED = frozenset(
    {"content-type", "x-liveperson-account-id", "x-liveperson-client-id", "x-liveperson-signature"}
    | {"host", "content-length", "transfer-encoding"}
)
REDACTED = "<redacted>"


class Outcome(enum.Enum):
    """What an attempt means for the retry policy."""

    DELIVERED = "delivered"
    FAILED = "failed"
    CONSUMED = "consumed"  # a fault swallowed it: no retry, nothing more to do
    HELD = "held"  # a reorder fault holds it: call ``Deliverer.resume`` to finish it


@dataclass(slots=True, eq=False)
class Pending:
    """One event on its way: the exact body bytes are fixed at publish time."""

    event_id: int
    subscription: Subscription
    notification: Notification
    route: Route
    body: bytes
    published_at: float
    attempts: int = 0
    hold: Gate | None = field(default=None, repr=False)  # set while a reorder fault holds it
    held_outcome: Outcome | None = field(default=None, repr=False)

    @property
    def conversation_id(self) -> str:
        """The unit of ordering."""
        return self.notification.conversation_id

    def log(
        self, log: DeliveryLog, outcome: str, at: float, *, reason: str | None = None, fault: str | None = None
    ) -> None:
        """Record a non-HTTP entry (stored, dropped, fault) for this event."""
        log.record(
            self.subscription,
            self.notification,
            outcome,
            at=at,
            event_id=self.event_id,
            attempt=self.attempts,
            url=self.route.url,
            reason=reason,
            fault=fault,
        )


@dataclass(slots=True)
class _Hold:
    pending: Pending
    timer: asyncio.Task[None]


def describe(exc: BaseException) -> str:
    """A failed POST in the log's words: ConnectError, ConnectTimeout, ReadTimeout, RemoteProtocolError..."""
    kind = exc.kind if isinstance(exc, DeliveryError) else type(exc).__name__
    text = str(exc)
    return f"{kind}: {text}" if text and text != kind else kind


class Deliverer:
    """Sends events through one shared client (``Poster``) and injects faults on the way."""

    def __init__(
        self,
        activity: Activity,
        log: DeliveryLog,
        faults: FaultBook,
        client: Callable[[], Poster],
        concurrency: int = 100,
    ) -> None:
        self._activity = activity
        self._log = log
        self._faults = faults
        self._client = client
        # No more POSTs in flight than the client has connections: httpcore's pool scans its whole queue
        # on every change, so thousands of waiting requests made each delivery cost milliseconds.
        self._slots = asyncio.Semaphore(concurrency)
        self._holds: dict[str, _Hold] = {}

    @property
    def held(self) -> int:
        """Events currently held back by a reorder fault."""
        return len(self._holds)

    async def attempt(self, pending: Pending) -> Outcome:
        """One attempt (numbered in ``pending.attempts``), faults included."""
        pending.attempts += 1
        url = pending.route.url
        fault = self._faults.draw(url, can_reorder=url not in self._holds)
        kind = fault.kind if fault else None
        if fault is not None and kind in ("drop", "reorder", "delay"):
            now = self._activity.clock.now()
            pending.log(self._log, f"fault:{kind}", now, fault=kind)
            if kind == "drop":
                return Outcome.CONSUMED
            if kind == "reorder":
                self._hold(pending, fault, now)
                return Outcome.HELD
            await self._activity.sleep_until(now + fault.delay_seconds)
        outcome = await self._post(pending, corrupt=kind == "corrupt_signature")
        if kind == "duplicate":
            await self._post(pending, label="fault:duplicate")
        return outcome

    async def resume(self, pending: Pending) -> Outcome:
        """Finish a HELD event: wait until it went out after its successor (or its hold expired)."""
        if pending.hold is not None:
            await pending.hold.wait()
            pending.hold = None
        return pending.held_outcome or Outcome.FAILED

    def release_all(self) -> None:
        """Let every held event go now (faults cleared)."""
        for url in list(self._holds):
            hold = self._holds.pop(url)
            hold.timer.cancel()
            self._activity.spawn(self._send_held(hold.pending))

    def _hold(self, pending: Pending, fault: WebhookFault, now: float) -> None:
        pending.hold = Gate(self._activity)
        pending.held_outcome = None
        limit = fault.delay_seconds or DEFAULT_REORDER_HOLD
        url = pending.route.url
        timer = self._activity.spawn(self._expire(url, pending, now + limit))
        self._holds[url] = _Hold(pending, timer)

    async def _expire(self, url: str, pending: Pending, deadline: float) -> None:
        await self._activity.sleep_until(deadline)
        hold = self._holds.get(url)
        if hold is not None and hold.pending is pending:
            del self._holds[url]
            await self._send_held(pending)

    async def _release(self, url: str, sender: Pending) -> None:
        """After ``sender`` went out, the event held for ``url`` goes right behind it."""
        hold = self._holds.get(url)
        if hold is None or hold.pending is sender:
            return
        del self._holds[url]
        hold.timer.cancel()
        await self._send_held(hold.pending)

    async def _send_held(self, pending: Pending) -> None:
        pending.held_outcome = await self._post(pending)
        if pending.hold is not None:
            pending.hold.open()

    async def replay(self, pending: Pending, of: int) -> int:
        """One POST of ``pending`` by hand (no fault, no retry); the new log entry's id."""
        pending.attempts = 1
        async with self._slots:
            entry_id, _ = await self._send(pending, corrupt=False, label=None, reason=f"replay of delivery {of}")
            return entry_id

    def _headers(self, pending: Pending, *, corrupt: bool) -> list[tuple[str, str]]:
        sub = pending.subscription
        secret = sub.client_secret + ("\x00corrupt" if corrupt else "")
        headers = [
            ("Content-Type", "application/json"),
            ("X-Liveperson-Account-Id", sub.account_id),
            ("X-Liveperson-Client-Id", sub.client_id),
            ("X-Liveperson-Signature", sign(pending.body, secret, sub.signature_algorithm, sub.signature_encoding)),
        ]
        headers += [(name, value) for name, value in pending.route.headers if name.lower() not in _RESERVED]
        return headers

    async def _post(self, pending: Pending, *, corrupt: bool = False, label: str | None = None) -> Outcome:
        async with self._slots:
            return await self._post_now(pending, corrupt=corrupt, label=label)

    async def _post_now(self, pending: Pending, *, corrupt: bool, label: str | None) -> Outcome:
        _, status = await self._send(pending, corrupt=corrupt, label=label)
        await self._release(pending.route.url, pending)
        return Outcome.DELIVERED if status in SUCCESS_STATUSES else Outcome.FAILED

    async def _send(
        self, pending: Pending, *, corrupt: bool, label: str | None, reason: str | None = None
    ) -> tuple[int, int | None]:
        """POST once and log it; the log entry's id and the answer's status (None: no answer)."""
        headers = self._headers(pending, corrupt=corrupt)
        url = pending.route.url
        client = self._client()
        status: int | None = None
        error: str | None = None
        try:
            await client.ready()  # a worker still booting is not the endpoint's latency
        except Exception as exc:  # a worker that cannot start: the attempt fails, it never crashes
            error = describe(exc)
        at = self._activity.clock.now()
        started = time.perf_counter()
        try:
            if error is None:
                status = await client.post(url, pending.body, headers)
        except Exception as exc:  # any transport or URL problem is a failed delivery, never a crash
            error = describe(exc)
        latency = round((time.perf_counter() - started) * 1000, 3)
        ok = status in SUCCESS_STATUSES
        if label is None and corrupt:
            label = "fault:corrupt_signature"
        secret = pending.subscription.client_secret
        retention = retention_time(pending.subscription) is not None
        entry_id = self._log.record(
            pending.subscription,
            pending.notification,
            label or ("delivered" if ok else "failed"),
            at=at,
            event_id=pending.event_id,
            attempt=pending.attempts,
            url=url,
            headers=tuple((k, REDACTED if secret and secret in v else redact.header(k, v)) for k, v in headers),
            body=pending.body.decode("ascii", errors="replace"),
            status=status,
            latency_ms=latency,
            error=error,
            fault=label.removeprefix("fault:") if label and label.startswith("fault:") else None,
            reason=reason,
            retries_left=None if retention or reason else max(0, pending.route.max_retries + 1 - pending.attempts),
        )
        return entry_id, status
