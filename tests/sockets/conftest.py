"""One ``mockcc serve --frozen-clock`` per test module (time moves through /_mockcc/clock/advance)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.connector_ref.stack import MockProcess


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    process = MockProcess.spawn(tmp_path_factory.mktemp("sockets") / "mock.log", "--frozen-clock", "--seed", "21")
    try:
        yield process
    finally:
        process.close()


def quiet(mock: MockProcess, **account: Any) -> dict[str, Any]:
    """The served account and installation, with no scripted agent (only the test acts), plus ``account``."""
    installation = {
        "client_id": mock.fields["client_id"],
        "client_secret": mock.fields["client_secret"],
        "client_name": "sockets test",
    }
    entry = {"account_id": mock.fields["account_id"], "agent": "none", "installations": [installation], **account}
    return {"accounts": [entry]}


@pytest.fixture
def fresh(mock: MockProcess) -> MockProcess:
    """The mock reset to a quiet seed (every socket of an earlier test is closed by the reset)."""
    mock.post("/_mockcc/reset", quiet(mock))
    return mock
