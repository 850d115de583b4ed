"""The ``disconnect`` fault: the connection closes with no answer (a network error), and nothing is processed.

Only a real server has a connection to close, so this runs against ``mockcc serve``; in-process (no
socket) the fault says so with a 503 instead of passing unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LP
from tests.connector_ref.stack import MockProcess
from tests.sockets.conftest import quiet


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    process = MockProcess.spawn(tmp_path_factory.mktemp("disconnect") / "mock.log")
    try:
        yield process
    finally:
        process.close()


def _lp(mock: MockProcess) -> LP:
    mock.post("/_mockcc/reset", quiet(mock))
    f = mock.fields
    return LP(mock.http, f["account_id"], f["client_id"], f["client_secret"])  # type: ignore[arg-type]


@pytest.mark.live
def test_a_disconnect_closes_the_connection_with_no_answer_and_stores_nothing(served: MockProcess) -> None:
    lp = _lp(served)
    conversation = lp.open("ada")
    served.http.post("/_mockcc/faults", json={"kind": "disconnect", "scope": "send", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):  # "Server disconnected without sending a response"
        lp.text("ada", conversation, "lost on the way")
    after = lp.text("ada", conversation, "sent again")
    assert after.status_code == 200, after.text  # one fault, then LivePerson answers again
    events = served.http.get(f"/_mockcc/accounts/{lp.account}/conversations/{conversation}").json()["events"]
    assert [e["event"].get("message") for e in events if e["event"]["type"] == "ContentEvent"] == ["sent again"]
    calls: list[dict[str, Any]] = served.http.get("/_mockcc/journal?outcome=fault").json()["calls"]
    assert [(c["fault"], c["status"]) for c in calls] == [("disconnect", 0)]
    assert "closed with no answer" in calls[0]["explanation"]["explanation"]


def test_in_process_a_disconnect_is_a_503_that_says_why(client: Any, lp: LP, ext_id: str) -> None:
    conversation = lp.open(ext_id)
    client.post("/_mockcc/faults", json={"kind": "disconnect", "scope": "send"})
    r = lp.text(ext_id, conversation, "no socket here")
    assert r.status_code == 503
    assert "mockcc serve" in r.json()["mockcc"]["explanation"]


def test_a_disconnect_is_a_known_fault_kind(served: MockProcess) -> None:
    _lp(served)
    r = served.http.post("/_mockcc/faults", json={"kind": "disconect"})
    assert r.status_code == 400
    assert "disconnect" in r.text  # the refusal lists the kinds, this one included
