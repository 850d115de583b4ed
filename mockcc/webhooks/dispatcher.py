"""The Webhooks service of the mock: routes notifications, POSTs them signed, retries like LivePerson.

``publish`` is synchronous and only schedules work, so request handlers never wait on a connector.
Timers sleep on the mock ``Clock``; tests move it with ``advance`` and then ``await settle()``.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockcc.clock import Clock
from mockcc.errors import NotReplayable, UnknownDelivery
from mockcc.webhooks.activity import Activity
from mockcc.webhooks.client import Poster, WebhookClient
from mockcc.webhooks.delivery import Deliverer, Pending
from mockcc.webhooks.faults import FaultBook, WebhookFault
from mockcc.webhooks.fixed import FixedRetries
from mockcc.webhooks.log import DeliveryLog, Listener
from mockcc.webhooks.model import Notification, Route, Subscription, retention_time, route
from mockcc.webhooks.remote import RemoteWebhookClient
from mockcc.webhooks.retention import Retention
from mockcc.webhooks.signing import encode

#: Resolved routes remembered (``WebhookDispatcher._route``), cleared when full.
REMEMBERED_ROUTES = 4096


@dataclass(slots=True, eq=False)
class _Installation:
    subscription: Subscription  # the latest snapshot seen (events keep their own)
    fixed: FixedRetries | None = None
    retention: Retention | None = None


class _Engine:
    """Everything ``reset()`` forgets: tasks, installations, log, faults."""

    def __init__(
        self,
        clock: Clock,
        log_limit: int,
        store_limit: int,
        client: Callable[[], Poster],
        concurrency: int,
        listeners: list[Listener],
    ) -> None:
        self.activity = Activity(clock)
        self.log = DeliveryLog(log_limit, listeners)
        self.faults = FaultBook()
        self.deliverer = Deliverer(self.activity, self.log, self.faults, client, concurrency)
        self.installations: dict[tuple[str, str], _Installation] = {}
        self.store_limit = store_limit
        self.published = 0

    def installation(self, subscription: Subscription) -> _Installation:
        found = self.installations.get(subscription.key)
        if found is None:
            found = self.installations[subscription.key] = _Installation(subscription)
        found.subscription = subscription
        return found

    def fixed(self, inst: _Installation) -> FixedRetries:
        if inst.fixed is None:
            inst.fixed = FixedRetries(self.activity, self.log, self.deliverer, self.store_limit)
        return inst.fixed

    def retention(self, inst: _Installation) -> Retention:
        if inst.retention is None:
            inst.retention = Retention(self.activity, self.log, self.deliverer, self.store_limit)
        return inst.retention


class WebhookDispatcher:
    """Delivers webhook notifications to connectors with LivePerson's routing, signing and retries."""

    def __init__(
        self,
        clock: Clock,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        log_limit: int = 10_000,
        store_limit: int = 100_000,
        verify: bool | ssl.SSLContext = True,
        max_connections: int = 100,
        worker: bool = False,
    ) -> None:
        self._clock = clock
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._log_limit = max(1, log_limit)
        self._store_limit = max(1, store_limit)
        self._verify = verify
        self._max_connections = max_connections
        #: POST from a second process (``remote.py``); not with a custom TLS context, which cannot go there.
        self._worker = worker and verify is True
        self._http: Poster | None = None
        self._closed = False
        self.listeners: list[Listener] = []  # told of every delivery log entry (``log.Listener``)
        self._routes: dict[tuple[int, str], tuple[Subscription, Route | None]] = {}  # see ``_route``
        self._engine = self._new_engine()

    def _new_engine(self) -> _Engine:
        return _Engine(
            self._clock, self._log_limit, self._store_limit, self._client, self._max_connections, self.listeners
        )

    @property
    def transport(self) -> str:
        """Where POSTs are made: ``worker`` (a second process) or ``in-process``."""
        return "worker" if self._worker else "in-process"

    def _client(self) -> Poster:
        """The one shared client, created on first use; it sends only the headers we set.

        Our own small HTTP/1.1 client rather than aiohttp (and long before that httpx): on loopback
        it costs a fraction of the CPU per delivery (see ``client.py`` and ARCHITECTURE.md).
        """
        if (self._http is None or self._http.closed) and self._worker:
            self._http = RemoteWebhookClient(
                limit=self._max_connections, connect_timeout=self._connect_timeout, read_timeout=self._read_timeout
            )
        elif self._http is None or self._http.closed:
            self._http = WebhookClient(
                limit=self._max_connections,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
                verify=self._verify,
            )
        return self._http

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self, *, preload: bool = False) -> None:
        """Accept deliveries (Starlette lifespan startup); the HTTP client opens with the first one.

        ``preload`` (the seed routes webhooks) is kept for callers; the client is small and loads with
        this module, so there is nothing left to load ahead. The delivery worker, when deliveries go
        through one, starts now in the background.
        """
        self._closed = False
        if self._worker:
            self._client().prepare()

    async def aclose(self) -> None:
        """Cancel every attempt and timer, then close the HTTP client (lifespan shutdown)."""
        self._closed = True
        tasks = self._engine.activity.cancel_all()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def settle(self, timeout: float = 5.0) -> bool:  # noqa: ASYNC109 - the lead's interface
        """Wait (wall time) until nothing is in flight and nothing is due at the mock clock's now."""
        return await self._engine.activity.wait_idle(timeout)

    def reset(self) -> None:
        """Forget queues, states, log and faults (control-plane reset); pending work is cancelled."""
        self._engine.activity.cancel_all()
        self._engine = self._new_engine()

    # -- publishing ----------------------------------------------------------------------------

    def routes(self, subscription: Subscription, event_key: str) -> bool:
        """Whether ``publish`` would send an event with this key (else it only logs it ``unrouted``)."""
        return not self._closed and subscription.enabled and self._route(subscription, event_key) is not None

    def _route(self, subscription: Subscription, event_key: str) -> Route | None:
        """``route``, remembered per snapshot and key: a snapshot is frozen, and the notifier hands the same
        one for every event while the installation stays as it is (reading the webhooks again was a
        measurable part of SEND's CPU)."""
        key = (id(subscription), event_key)
        found = self._routes.get(key)
        if found is not None and found[0] is subscription:
            return found[1]
        target = route(subscription, event_key)
        if len(self._routes) >= REMEMBERED_ROUTES:  # bounded whatever the number of installations
            self._routes.clear()
        self._routes[key] = (subscription, target)
        return target

    def publish(self, subscription: Subscription, notification: Notification) -> None:
        """Schedule delivery of one notification; never waits. Must run inside the event loop."""
        engine = self._engine
        target = self._route(subscription, notification.event_key)
        reason: str | None = None
        if self._closed:
            reason = "dispatcher closed"
        elif not subscription.enabled:
            reason = "installation disabled"
        elif target is None:
            reason = "no endpoint for event key"
        else:
            # Fail loudly, before this event changes anything, when called off the loop; an event only
            # logged needs no loop, and is not asked: CPython asks the OS for the process id on every
            # call (to notice a fork), a system call that was 2-5 % of every SEND's CPU here.
            asyncio.get_running_loop()
        now = self._clock.now()
        inst = engine.installation(subscription)
        engine.published += 1
        if reason is not None or target is None:
            outcome = "dropped" if self._closed else "unrouted"
            engine.log.record(subscription, notification, outcome, at=now, event_id=None, reason=reason or "")
            return
        try:
            body = encode(notification.body)
        except (TypeError, ValueError) as exc:
            engine.log.record(
                subscription, notification, "dropped", at=now, event_id=None, url=target.url, reason=f"not JSON: {exc}"
            )
            return
        pending = Pending(engine.published, subscription, notification, target, body, now)
        if retention_time(subscription) is not None:
            engine.retention(inst).publish(pending)
        else:
            engine.fixed(inst).publish(pending)

    async def replay(self, entry_id: int) -> dict[str, Any]:
        """POST a logged attempt's exact body again, signed with the installation's current secret.

        A hand replay is one extra attempt: no fault applies, no retry follows, and the retry state of
        the installation is untouched. It goes to the endpoint now registered for the event key.
        Raises ``UnknownDelivery`` (not in the log) or ``NotReplayable`` (nothing to replay, or no endpoint).
        """
        engine = self._engine
        entry = engine.log.get(entry_id)
        if entry is None:
            raise UnknownDelivery(f"delivery {entry_id} is not in the log (it holds the last {engine.log.limit})")
        if not isinstance(entry.get("body"), str):
            raise NotReplayable(f"delivery {entry_id} ({entry['outcome']}) sent nothing; replay an HTTP attempt")
        inst = engine.installations.get((entry["account_id"], entry["client_id"]))
        target = route(inst.subscription, entry["event_key"]) if inst else None
        if inst is None or target is None:
            raise NotReplayable(f"the installation has no endpoint for {entry['event_key']} any more")
        body = entry["body"].encode("ascii")
        notification = Notification(entry["event_key"], entry["conversation_id"], json.loads(body))
        pending = Pending(0, inst.subscription, notification, target, body, self._clock.now())
        new_id = await engine.deliverer.replay(pending, entry_id)
        replayed = engine.log.get(new_id)
        if replayed is None:  # it is the newest entry: only a log of no entries at all could lose it
            raise UnknownDelivery(f"the replay's entry {new_id} is not in the log")
        return replayed

    # -- faults --------------------------------------------------------------------------------

    def set_fault(self, endpoint: str, fault: WebhookFault) -> None:
        """Arm ``fault`` for deliveries to ``endpoint`` (the URL as registered, or ``*``)."""
        self._engine.faults.set(endpoint, fault)

    def clear_faults(self) -> None:
        """Disarm all faults and let any event held by a reorder fault go."""
        self._engine.faults.clear()
        self._engine.deliverer.release_all()

    def faults(self) -> list[dict[str, Any]]:
        """The armed faults, JSON-able."""
        return self._engine.faults.list()

    # -- inspection ----------------------------------------------------------------------------

    def deliveries(
        self, *, account_id: str | None = None, client_id: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The delivery log, oldest first (``limit`` keeps the newest), JSON-able."""
        return self._engine.log.entries(account_id=account_id, client_id=client_id, limit=limit)

    def status(self) -> dict[str, Any]:
        """Per-installation mode, state and backlog; totals; limits. JSON-able."""
        engine = self._engine
        installations = [self._installation_status(inst) for inst in engine.installations.values()]
        return {
            "installations": installations,
            "totals": {
                "published": engine.published,
                "in_flight": engine.activity.in_flight,
                "queued": sum(inst.fixed.queued for inst in engine.installations.values() if inst.fixed),
                "held_by_reorder_fault": engine.deliverer.held,
                "outcomes": dict(engine.log.outcomes),
            },
            "next_due_at": engine.activity.next_due(),
            "log": {"entries": len(engine.log), "limit": engine.log.limit, "evicted": engine.log.evicted},
            "limits": {
                "log_limit": self._log_limit,
                "store_limit": self._store_limit,
                "store_limit_scope": "per installation",
                "connect_timeout": self._connect_timeout,
                "read_timeout": self._read_timeout,
            },
            "faults": engine.faults.list(),
        }

    @staticmethod
    def _installation_status(inst: _Installation) -> dict[str, Any]:
        sub = inst.subscription
        ttl = retention_time(sub)
        fixed = inst.fixed.status() if inst.fixed else None
        kept = inst.retention.status() if inst.retention else None
        if ttl is not None:
            state: str | None = kept["state"] if kept else "UP"
            stored = kept["stored"] if kept else 0
            next_retry = kept["next_retry_at"] if kept else None
        else:
            state = None
            stored = fixed["waiting_retry"] if fixed else 0
            next_retry = fixed["next_retry_at"] if fixed else None
        return {
            "account_id": sub.account_id,
            "client_id": sub.client_id,
            "enabled": sub.enabled,
            "mode": "retention" if ttl is not None else "max_retries",
            "retention_time": ttl,
            "state": state,
            "stored": stored,
            "next_retry_at": next_retry,
            "max_retries_detail": fixed,
            "retention_detail": kept,
        }
