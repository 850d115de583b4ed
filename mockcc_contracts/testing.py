"""Public helpers for brands' own tests (the pytest plugin's fixtures are built from these).

InProcessMock    the mock as an ASGI app behind Starlette's TestClient (no port, a frozen clock)
ThreadedMock     the mock served by uvicorn in a thread, on a free loopback port (a real URL)
MockServer       ``mockcc serve`` as a subprocess (``launch``)
ControlClient    the control plane, typed; ``Agent`` the agent's chair
Receiver, Reply  a recording webhook receiver with scripted answers
assert_called    journal assertions whose failures list the near misses
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from mockcc.app import create_app
from mockcc.clock import Clock
from mockcc.settings import Settings
from mockcc_contracts.channel.runner import ServerThread
from mockcc_contracts.control import Agent, ControlClient, ControlError, Credentials
from mockcc_contracts.driver import ChannelDriver, HttpChannelDriver, Received, Sent
from mockcc_contracts.journal import assert_called, find_calls
from mockcc_contracts.launch import ConnectorProcess, MockServer, connector_env, free_port
from mockcc_contracts.receiver import Receiver, Reply

if TYPE_CHECKING:
    from starlette.testclient import TestClient

JSON = dict[str, Any]

__all__ = [
    "Agent",
    "ChannelDriver",
    "ConnectorProcess",
    "ControlClient",
    "ControlError",
    "Credentials",
    "HttpChannelDriver",
    "InProcessMock",
    "MockServer",
    "Received",
    "Receiver",
    "Reply",
    "Sent",
    "ThreadedMock",
    "assert_called",
    "connector_env",
    "find_calls",
    "free_port",
]


def _credentials(app: Any, base_url: str) -> Credentials:
    account = next(iter(app.state.mock.accounts.values()))
    installation = next(iter(account.installations.values()))
    return Credentials(base_url, account.account_id, installation.client_id, installation.client_secret)


def _test_client(app: Any, base_url: str) -> TestClient:
    """Starlette's TestClient, imported only when an in-process mock is made.

    Starlette 1.x warns on that import that it would rather drive httpx2 than httpx. mockcc drives it
    with httpx on purpose (its one HTTP client; both bounded in pyproject.toml), so the warning names
    nothing a user can act on and must not fail their suite under ``-W error``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
        from starlette.testclient import TestClient

    return TestClient(app, base_url=base_url)


class InProcessMock:
    """The mock in this process: ``client`` speaks to it like a connector would, ``control`` drives it.

    The clock is frozen (it moves only with ``control.advance``); ``seed`` is a seed document
    (``mockcc serve --config``); webhooks are delivered for real, to URLs you register.
    """

    def __init__(self, seed: JSON | None = None, *, frozen: bool = True, random_seed: int | None = 1) -> None:
        self.clock = Clock(frozen=frozen)
        self.app = create_app(Settings(seed_doc=seed, random_seed=random_seed), clock=self.clock)
        self.client = _test_client(self.app, "http://127.0.0.1")
        self.control = ControlClient(self.client)
        self.credentials = _credentials(self.app, "http://127.0.0.1")

    def __enter__(self) -> InProcessMock:
        self.client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)


class ThreadedMock:
    """The mock served by uvicorn in a thread on 127.0.0.1 and a free port: a real URL for a connector."""

    def __init__(self, seed: JSON | None = None, *, frozen: bool = False, random_seed: int | None = 1) -> None:
        self.clock = Clock(frozen=frozen)
        self.app = create_app(Settings(seed_doc=seed, random_seed=random_seed), clock=self.clock)
        self._server = ServerThread(self.app, name="mockcc")
        self.url = ""

    def start(self) -> ThreadedMock:
        self.url = self._server.start()
        self.control = ControlClient(self.url)
        self.credentials = _credentials(self.app, self.url)
        return self

    def stop(self) -> None:
        self.control.close()
        self._server.stop()

    def __enter__(self) -> ThreadedMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
