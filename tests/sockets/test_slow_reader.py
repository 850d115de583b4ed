"""A client that stops reading is closed with 1013, over a real socket: its kernel buffers and the server's
transport fill, the writer waits, the outbox reaches its cap (frames_waiting_per_socket), what waits is
dropped and the socket is closed "slow reader"; nothing is buffered without end."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.connector_ref.stack import MockProcess, wait_until
from tests.e2e.live import open_conversation
from tests.sockets.ums import brand_url, login

pytestmark = pytest.mark.live

#: Each QueryMessages answer replays EVENTS texts of 30 KB: ~90 KB a frame, cheap to build. The kernel's
#: buffers on loopback hold a few hundred such frames at most, the outbox CAP more: REQUESTS is past both.
EVENTS, CAP, REQUESTS = 3, 20, 400


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[MockProcess]:
    """A mock of its own with a small outbox (``--socket-frames-waiting``): few requests fill it, even on a
    loaded machine."""
    process = MockProcess.spawn(tmp_path / "mock.log", "--socket-frames-waiting", str(CAP))
    try:
        yield process
    finally:
        process.close()


def test_a_client_that_stops_reading_is_closed_1013_and_what_waited_is_dropped(fresh: MockProcess) -> None:
    account = fresh.fields["account_id"]
    with httpx.Client(base_url=fresh.url) as http:
        _, conversation = open_conversation(http, fresh.fields, "slow-reader")
        fresh.agent(conversation, "join")
        for n in range(EVENTS):
            fresh.agent(conversation, "text", {"text": f"{n:03} " + "x" * 30_000})
        bearer = login(http, account)["bearer"]
    cap = fresh.get("/_mockcc/limits")["sockets"]["frames_waiting_per_socket_limit"]
    assert cap == CAP
    # max_queue=1: the client library's reader stops taking frames off the socket once one waits unread
    with connect(brand_url(fresh.url, account, bearer), max_queue=1, max_size=None, open_timeout=10) as ws:
        query = {"dialogId": conversation, "newerThanSequence": 0}
        for n in range(REQUESTS):
            ws.send(json.dumps({"kind": "req", "id": str(n), "type": ".ams.ms.QueryMessages", "body": query}))
        limits = wait_until(
            lambda: (s := fresh.get("/_mockcc/limits")["sockets"])["closed_slow_reader"] == 1 and s,
            timeout=30,
            what="the mock closing the slow reader",
        )
        assert limits["frames_waiting_most"] <= cap
        answered, received = 0, None
        deadline = time.monotonic() + 30
        while received is None and time.monotonic() < deadline:  # reading again: what the kernel held, the close
            try:
                ws.recv(timeout=10)
                answered += 1
            except ConnectionClosed as closed:
                received = closed.rcvd
    assert received is not None
    assert (received.code, received.reason) == (1013, f"slow reader: {cap} frames waiting")
    # the waiting answers were dropped, not delivered late (the client library may also discard the few it held
    # unread once the close arrives, so this counts at most what the kernel kept)
    assert answered < REQUESTS - CAP
    assert any(c["method"] == "CLOSE" and c["status"] == 1013 for c in fresh.journal("agentsocket"))
