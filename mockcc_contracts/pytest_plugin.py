"""The pytest plugin (entry point ``pytest11: mockcc``): fixtures for brands' tests, and the contracts as tests.

Fixtures (all prefixed ``mockcc_`` so they never shadow a project's own):

    mockcc_inprocess   an ``InProcessMock`` (TestClient, frozen clock), fresh per test
    mockcc_live        a ``ThreadedMock`` on a free port, one per session, reset before each test
    mockcc_control     the live mock's ``ControlClient``
    mockcc_credentials the live mock's base URL, account, client id and secret
    mockcc_agent       ``mockcc_agent(conversation_id)`` -> an ``Agent`` on the live mock
    mockcc_receiver    a recording webhook ``Receiver`` on a free port
    mockcc_contract    one contract, run against your connector (``--mockcc-connector-cmd``)

The contracts as tests: ``pytest --pyargs mockcc_contracts.contract_tests --mockcc-connector-cmd "node c.js"``
runs one test per contract (select with ``-k LP-AUTH``).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest

from mockcc_contracts.control import Agent, ControlClient, Credentials
from mockcc_contracts.receiver import Receiver
from mockcc_contracts.testing import InProcessMock, ThreadedMock


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockcc", "mockcc contract suite")
    group.addoption("--mockcc-connector-cmd", help="shell command starting the connector under contract test")
    group.addoption("--mockcc-ready-url", help="the connector is ready when this URL answers ({port} = MOCKCC_PORT)")
    group.addoption("--mockcc-ready-log", help="the connector is ready when its output matches this regex")
    group.addoption("--mockcc-patience", type=float, default=20.0, help="seconds to wait for any one reaction")
    group.addoption("--mockcc-webhook-timeout", type=float, default=5.0, help="seconds a webhook may take")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test asking for ``mockcc_contract`` runs once per contract, with the contract's id as test id."""
    if "mockcc_contract" in metafunc.fixturenames:
        from mockcc_contracts.catalogue import all_contracts

        contracts = all_contracts()
        metafunc.parametrize("mockcc_contract_id", [c.id for c in contracts], ids=[c.id for c in contracts])


@pytest.fixture
def mockcc_inprocess() -> Iterator[InProcessMock]:
    """The mock in this process (TestClient, frozen clock), fresh for this test."""
    with InProcessMock() as mock:
        yield mock


@pytest.fixture(scope="session")
def _mockcc_live_server() -> Iterator[ThreadedMock]:
    with ThreadedMock() as mock:
        yield mock


@pytest.fixture
def mockcc_live(_mockcc_live_server: ThreadedMock) -> ThreadedMock:
    """The mock on a free loopback port (one per session), reset to its seed for this test."""
    _mockcc_live_server.control.reset()
    return _mockcc_live_server


@pytest.fixture
def mockcc_control(mockcc_live: ThreadedMock) -> ControlClient:
    """The live mock's control plane (clock, faults, journal, deliveries, agent actions)."""
    return mockcc_live.control


@pytest.fixture
def mockcc_credentials(mockcc_live: ThreadedMock) -> Credentials:
    """Base URL, account id, client id and secret of the live mock's installation."""
    return mockcc_live.credentials


@pytest.fixture
def mockcc_agent(mockcc_control: ControlClient) -> Any:
    """``mockcc_agent(conversation_id)``: the agent of that conversation on the live mock."""

    def agent(conversation_id: str) -> Agent:
        return Agent(mockcc_control, conversation_id)

    return agent


@pytest.fixture
def mockcc_receiver() -> Iterator[Receiver]:
    """A recording webhook receiver on a free loopback port (scripted answers: ``.script(...)``)."""
    with Receiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def _mockcc_suite(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The mock, the channel and the connector for the contract tests of this session."""
    from mockcc_contracts.cli import started

    command = request.config.getoption("--mockcc-connector-cmd")
    if not command:
        pytest.skip("no connector to judge: pass --mockcc-connector-cmd")
    args = argparse.Namespace(
        mock=None,
        connector_cmd=command,
        ready_url=request.config.getoption("--mockcc-ready-url"),
        ready_log=request.config.getoption("--mockcc-ready-log"),
        startup_timeout=60.0,
        webhook_path="/webhooks",
        inbound_path="/channel/messages",
        registration="seed",
        patience=request.config.getoption("--mockcc-patience"),
        webhook_timeout=request.config.getoption("--mockcc-webhook-timeout"),
    )
    with started(args) as suite, _sigterm_interrupts():
        yield suite


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI cancel) ends the session like Ctrl-C, so the fixtures' teardown stops the connector's
    process group and the mock instead of leaving them running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the teardown runs undisturbed
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class ContractRun:
    """One contract, ready to run against the session's connector."""

    def __init__(self, contract_id: str, suite: Any) -> None:
        from mockcc_contracts.catalogue import all_contracts

        self.contract = next(c for c in all_contracts() if c.id == contract_id)
        self._harness, self._connector = suite

    def check(self) -> None:
        """Run it; a failure fails the test with the contract's evidence, a skip skips it."""
        from mockcc_contracts.runner import run_one

        alive = self._connector.alive if self._connector else (lambda: True)
        result = run_one(self._harness, self.contract, alive, self._connector)
        if result.outcome in ("skip", "blocked"):
            pytest.skip(result.reason)
        if result.broken:
            lines = [
                f"{result.id} ({result.level}) {result.title}: {result.reason}",
                result.description,
                *result.setup,
                *result.evidence,
                *(["connector output while it ran:", *result.output] if result.output else []),
            ]
            pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def mockcc_contract(mockcc_contract_id: str, _mockcc_suite: Any) -> ContractRun:
    """One contract against the connector of ``--mockcc-connector-cmd``; call ``.check()``."""
    return ContractRun(mockcc_contract_id, _mockcc_suite)
