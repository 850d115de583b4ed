"""Fixtures for the webhook dispatcher tests: a frozen clock, a real receiver, a started dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from mockcc.clock import Clock
from mockcc.webhooks import WebhookDispatcher
from mockcc_contracts.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as hook:
        yield hook


@pytest.fixture
async def dispatcher(clock: Clock) -> AsyncIterator[WebhookDispatcher]:
    webhooks = WebhookDispatcher(clock, connect_timeout=1.0, read_timeout=1.0)
    await webhooks.start()
    yield webhooks
    await webhooks.aclose()
