"""The composition root: one ``Mock`` wires state, clock, tokens, journal, faults, webhooks and agents.

``create_app`` puts one ``Mock`` on ``app.state.mock``; every endpoint, the control plane and the
scripted agents reach the same instance. Follow a SEND to its webhook from here: ``Messaging``
announces every change to the listeners wired below, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mockcc.agent.bots import Bots
from mockcc.agent.controller import Controller
from mockcc.agent.desk import AgentDesk
from mockcc.agent.routing import Routing
from mockcc.clock import Clock
from mockcc.consumer.requests import ConsumerRequests
from mockcc.faults import Faults
from mockcc.ids import Ids
from mockcc.journal import Journal
from mockcc.messaging import Messaging
from mockcc.seeding import Seed, first_seed
from mockcc.settings import Settings
from mockcc.state.bearers import Bearers
from mockcc.state.files import FileStore
from mockcc.state.models import Account
from mockcc.streams.hub import Streams
from mockcc.tokens import TokenService
from mockcc.types import JSON
from mockcc.webhooks.dispatcher import WebhookDispatcher
from mockcc.webhooks.notifier import Notifier


class Mock:
    """Everything one running mock knows, wired."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock(frozen=settings.frozen_clock)
        self.ids = Ids(settings.random_seed)
        self.tokens = TokenService(self.clock)
        self.journal = Journal(settings.journal_limit)
        self.faults = Faults(settings.random_seed)
        self.files = FileStore(self.clock, self.ids)
        self.bearers = Bearers()
        self.dispatcher = WebhookDispatcher(
            self.clock,
            connect_timeout=settings.webhook_connect_timeout,
            read_timeout=settings.webhook_read_timeout,
            log_limit=settings.delivery_log_limit,
            worker=settings.webhook_worker,
        )
        self.messaging = Messaging(self.clock, self.ids, settings.conversations_limit)
        self.agents = AgentDesk(self.messaging, self.ids)
        self.routing = Routing(self.messaging, self.clock)
        self.routing.bind(lambda: self.accounts)
        self.bots = Bots(self.agents, self.clock, self.routing)
        self.controller = Controller(self.messaging)
        self.consumers = ConsumerRequests(self.messaging, self.files, self.clock)
        self.streams = Streams(self.clock, self.messaging.effective_ttr, settings.socket_limits, self.routing)
        # Every change, in this order: the connector's webhook, the websockets' subscribers, routing (a
        # ring after the conversation's UPSERT), the scripted agent (which stands aside for socket agents),
        # the controller bot (after the webhook, so the consumer's echo goes out before its automatic message).
        self.messaging.listeners += [
            Notifier(self.dispatcher, self.messaging.effective_ttr).on_change,
            self.streams.on_change,
            self.routing.on_change,
            self.bots.on_change,
            self.controller.on_change,
        ]
        self.reset_listeners: list[Callable[[], None]] = []  # told after every reset (the console resyncs)
        #: Caps kept above this floor (the console's streams, the server's), for ``GET /_mockcc/limits``.
        self.limit_reporters: dict[str, Callable[[], dict[str, object]]] = {}
        self.seed = Seed.read(first_seed(settings), self.ids, int(self.clock.now()), script_dir=settings.script_dir)
        self.accounts: dict[str, Account] = self.seed.accounts
        self.seed.arm(self.faults, self.dispatcher)

    def reset(self, seed_doc: JSON | None = None) -> None:
        """Back to the seed (or to a new one): state, journal, faults and webhook queues cleared.

        The new seed is checked whole before anything is touched, so a bad one changes nothing.
        """
        seed = Seed.read(
            seed_doc or self.seed.doc, self.ids, int(self.clock.now()), script_dir=self.settings.script_dir
        )
        self.seed, self.accounts = seed, seed.accounts
        self.messaging.refused_at_limit = 0
        self.journal.clear()
        self.faults.clear()
        self.files.clear()
        self.dispatcher.reset()
        self.streams.close_all()  # their state is gone: clients reconnect to the new one
        self.routing.reset()
        seed.arm(self.faults, self.dispatcher)
        for listener in list(self.reset_listeners):
            listener()

    async def settle(self, within: float = 5.0) -> bool:
        """Wait until bots and webhook deliveries due at the current clock time have run."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            await asyncio.sleep(0)
            if self.bots.idle() and await self.dispatcher.settle(max(0.0, deadline - loop.time())) and self.bots.idle():
                return True
            await asyncio.sleep(0.005)
        return False

    def routes_webhooks(self) -> bool:
        """True when some installation of the seed has a webhook endpoint."""
        return any(inst.webhooks for account in self.accounts.values() for inst in account.installations.values())
