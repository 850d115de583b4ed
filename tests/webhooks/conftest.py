"""Fixtures for the webhook dispatcher tests: a frozen clock, a real receiver, a started dispatcher."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator

import pytest

from mockcc.clock import Clock
from mockcc.webhooks import WebhookDispatcher
from mockcc_contracts.receiver import Receiver


@pytest.fixture(autouse=True, params=["in-process", "worker"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs twice: POSTs from the dispatcher's own loop, and from the delivery worker
    process (``remote.py``), which must keep every guarantee the first holds."""
    if request.param == "worker":
        monkeypatch.setattr(
            WebhookDispatcher, "__init__", functools.partialmethod(WebhookDispatcher.__init__, worker=True)
        )
    return str(request.param)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as hook:
        yield hook


@pytest.fixture
async def dispatcher(clock: Clock, transport: str) -> AsyncIterator[WebhookDispatcher]:
    webhooks = WebhookDispatcher(clock, connect_timeout=1.0, read_timeout=1.0)
    assert webhooks.transport == transport
    await webhooks.start()
    yield webhooks
    await webhooks.aclose()
