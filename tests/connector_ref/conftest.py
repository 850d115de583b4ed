"""Mocks shared by the end-to-end tests of one xdist worker; each test resets the mock it uses.

``tests/channel`` imports these fixtures too; the module-level cache keeps it to one process of
each kind per worker even though pytest then registers the fixtures twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.connector_ref.stack import MockProcess, Stack

_shared: dict[str, MockProcess] = {}


def _mock(name: str, make: Callable[[], MockProcess]) -> Iterator[MockProcess]:
    if name not in _shared:
        _shared[name] = make()
    yield _shared[name]
    mock = _shared.pop(name, None)
    if mock is not None:
        mock.close()


def _log(factory: pytest.TempPathFactory, name: str) -> Path:
    return factory.mktemp("mockcc") / f"{name}.log"


@pytest.fixture(scope="session")
def live_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """``python -m mockcc serve`` on wall-clock time (the echo agent answers by itself after 0.25 s)."""
    yield from _mock("live", lambda: MockProcess.spawn(_log(tmp_path_factory, "live"), "--seed", "11"))


@pytest.fixture(scope="session")
def frozen_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """``python -m mockcc serve --frozen-clock``: time moves only through /_mockcc/clock/advance.

    For the tests that move time (token expiry, webhook retry backoff); the echo agent's 0.25 s
    typing pause then needs an advance too.
    """
    yield from _mock(
        "frozen", lambda: MockProcess.spawn(_log(tmp_path_factory, "frozen"), "--frozen-clock", "--seed", "12")
    )


@pytest.fixture
def stack(live_mock: MockProcess) -> Iterator[Callable[..., Stack]]:
    """``stack(agent=..., retention=...)`` builds a connector + channel simulator on the live mock."""
    made: list[Stack] = []

    def make(**kw: Any) -> Stack:
        made.append(Stack(live_mock, **kw))
        return made[-1]

    yield make
    for one in made:
        one.close()
    assert live_mock.alive(), "the mock process died during the test"
