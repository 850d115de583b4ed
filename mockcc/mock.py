"""The mock as one object: state, clock, tokens, journal, faults, webhooks and agents, wired.

``create_app`` puts one ``Mock`` on ``app.state.mock``; every endpoint, the control plane and the
scripted agents reach the same instance. ``reset`` returns it to its seed without a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from mockcc.agent.bots import Bots
from mockcc.agent.controller import Controller
from mockcc.agent.desk import AgentDesk
from mockcc.clock import Clock
from mockcc.config import DEFAULT_SEED, build_accounts, read_seed_file
from mockcc.errors import ConfigError
from mockcc.faults import Fault, Faults
from mockcc.ids import Ids
from mockcc.journal import Journal
from mockcc.messaging import Change, Messaging
from mockcc.settings import Settings
from mockcc.state.bearers import Bearers
from mockcc.state.files import FileStore
from mockcc.state.models import Account, Installation
from mockcc.tokens import TokenService
from mockcc.webhooks.dispatcher import WebhookDispatcher
from mockcc.webhooks.faults import WebhookFault
from mockcc.webhooks.model import Notification, Subscription
from mockcc.webhooks.notifications import conversation_change, messaging_event

JSON = dict[str, Any]


def seed_faults(doc: JSON) -> tuple[list[Fault], list[tuple[str, WebhookFault]]]:
    """The faults a seed arms at start and on every reset (``faults``, ``webhook_faults``), checked."""
    try:
        faults = [Fault.parse(item) for item in doc.get("faults") or []]
        webhook_faults = [
            (str(item["endpoint"]), WebhookFault.from_dict({k: v for k, v in item.items() if k != "endpoint"}))
            for item in doc.get("webhook_faults") or []
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"the seed's webhook_faults are invalid: {exc}") from exc
    return faults, webhook_faults


class Mock:
    """Everything one running mock knows."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock(frozen=settings.frozen_clock)
        self.ids = Ids(settings.random_seed)
        self.tokens = TokenService(self.clock)
        self.journal = Journal(settings.journal_limit)
        self.faults = Faults(settings.random_seed)
        self.messaging = Messaging(self.clock, self.ids, settings.conversations_limit)
        self.files = FileStore(self.clock, self.ids)
        self.bearers = Bearers()
        self.dispatcher = WebhookDispatcher(
            self.clock,
            connect_timeout=settings.webhook_connect_timeout,
            read_timeout=settings.webhook_read_timeout,
            log_limit=settings.delivery_log_limit,
        )
        self.agents = AgentDesk(self.messaging, self.ids)
        self.bots = Bots(self.agents, self.clock)
        self.messaging.listeners.append(self._notify)
        self.messaging.listeners.append(self.bots.on_change)
        self.controller = Controller(self.messaging)  # after _notify: the consumer's echo goes out first
        self.messaging.listeners.append(self.controller.on_change)
        self.reset_listeners: list[Callable[[], None]] = []  # told after every reset (the console resyncs)
        if settings.seed_doc is not None:
            self.seed_doc: JSON = settings.seed_doc
        elif settings.config is not None:
            self.seed_doc = read_seed_file(settings.config)
        else:
            self.seed_doc = DEFAULT_SEED
        self.accounts: dict[str, Account] = build_accounts(
            self.seed_doc, self.ids, int(self.clock.now()), script_dir=settings.script_dir
        )
        self._arm(*seed_faults(self.seed_doc))

    def reset(self, seed_doc: JSON | None = None) -> None:
        """Back to the seed (or to a new one): state, journal, faults and webhook queues cleared.

        The new seed is checked whole before anything is touched, so a bad one changes nothing.
        """
        doc = seed_doc or self.seed_doc
        accounts = build_accounts(doc, self.ids, int(self.clock.now()), script_dir=self.settings.script_dir)
        faults, webhook_faults = seed_faults(doc)
        self.seed_doc = doc
        self.accounts = accounts
        self.messaging.refused_at_limit = 0
        self.journal.clear()
        self.faults.clear()
        self.files.clear()
        self.dispatcher.reset()
        self._arm(faults, webhook_faults)
        for listener in list(self.reset_listeners):
            listener()

    def _arm(self, faults: list[Fault], webhook_faults: list[tuple[str, WebhookFault]]) -> None:
        for fault in faults:
            self.faults.add(fault)
        for endpoint, webhook_fault in webhook_faults:
            self.dispatcher.set_fault(endpoint, webhook_fault)

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
        """True when some installation of the seed has a webhook endpoint (then aiohttp is preloaded)."""
        return any(inst.webhooks for account in self.accounts.values() for inst in account.installations.values())

    def installation(self, account: Account, client_id: str) -> Installation | None:
        return account.installations.get(client_id)

    def subscription(self, account: Account, installation: Installation) -> Subscription:
        return Subscription(
            account_id=account.account_id,
            client_id=installation.client_id,
            client_secret=installation.client_secret,
            webhooks=installation.webhooks,
            signature_algorithm="sha256" if account.signature_algorithm == "sha256" else "sha1",
            enabled=installation.enabled,
        )

    def _notify(self, change: Change) -> None:
        """Every state change becomes the notification LivePerson would POST to the installation."""
        conversation = change.conversation
        installation = change.account.installations.get(conversation.client_id)
        if installation is None:
            return
        if change.event is None:
            key, body = conversation_change(conversation, self.messaging.effective_ttr(conversation))
        else:
            key, body = messaging_event(conversation, change.event)
        self.dispatcher.publish(
            self.subscription(change.account, installation),
            Notification(event_key=key, conversation_id=conversation.conversation_id, body=body),
        )
