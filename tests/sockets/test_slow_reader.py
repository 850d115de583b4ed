"""A client that stops reading, over a real socket (a raw TCP socket speaking websocket through the
websockets library's sans-I/O protocol, so no client library drains it behind the test's back): its
kernel buffers and the server's transport fill, the writer waits, the outbox reaches its cap
(``--socket-frames-waiting``), what waits is dropped and the socket is closed "slow reader" (1013).
The close itself waits behind the unread frames: after the close's wait the mock frees the socket's
slot and subscriptions; when the client reads again it gets what the kernel held, then the close."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close
from websockets.http11 import Response
from websockets.uri import parse_uri

from tests.connector_ref.stack import MockProcess, wait_until
from tests.e2e.live import open_conversation
from tests.sockets.ums import brand_url, login

pytestmark = pytest.mark.live

#: Each QueryMessages answer replays EVENTS texts of 30 KB: ~90 KB a frame, cheap to build. The kernel's
#: buffers hold a few dozen such frames (the client's receive buffer is made small), the outbox CAP more:
#: REQUESTS is past both.
EVENTS, CAP, REQUESTS = 3, 20, 400


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[MockProcess]:
    """A mock of its own with a small outbox, so a few hundred requests fill it even on a loaded machine."""
    process = MockProcess.spawn(tmp_path / "mock.log", "--socket-frames-waiting", str(CAP))
    try:
        yield process
    finally:
        process.close()


class RawClient:
    """A websocket client on a plain socket: it reads only when told to."""

    def __init__(self, url: str) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        parts = urlsplit(url)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16_384)  # before connecting: a small window
        self.sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
        self.sock.settimeout(30)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while not any(isinstance(e, Response) for e in self.protocol.events_received()):
            self.protocol.receive_data(self.sock.recv(65_536))
        assert self.protocol.handshake_exc is None, self.protocol.handshake_exc

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def send(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    def read_until_close(self) -> tuple[int, Close | None]:
        """Read again: the frames the kernel held, until the server's close (or the connection's end)."""
        frames = 0
        while True:
            data = self.sock.recv(262_144)
            if not data:
                return frames, self.protocol.close_rcvd
            self.protocol.receive_data(data)
            frames += sum(1 for _ in self.protocol.events_received())
            if self.protocol.close_rcvd is not None:
                return frames - 1, self.protocol.close_rcvd

    def close(self) -> None:
        self.sock.close()


def test_a_client_that_stops_reading_is_closed_1013_and_let_go(fresh: MockProcess) -> None:
    account = fresh.fields["account_id"]
    with httpx.Client(base_url=fresh.url) as http:
        _, conversation = open_conversation(http, fresh.fields, "slow-reader")
        fresh.agent(conversation, "join")
        for n in range(EVENTS):
            fresh.agent(conversation, "text", {"text": f"{n:03} " + "x" * 30_000})
        bearer = login(http, account)["bearer"]
    assert fresh.get("/_mockcc/limits")["sockets"]["frames_waiting_per_socket_limit"] == CAP
    client = RawClient(brand_url(fresh.url, account, bearer))
    try:
        query = {"dialogId": conversation, "newerThanSequence": 0}
        for n in range(REQUESTS):  # and never a read
            client.send(json.dumps({"kind": "req", "id": str(n), "type": ".ams.ms.QueryMessages", "body": query}))
        closed = wait_until(
            lambda: (s := fresh.get("/_mockcc/limits")["sockets"])["closed_slow_reader"] == 1 and s,
            timeout=30,
            what="the mock closing the slow reader",
        )
        assert closed["frames_waiting_most"] <= CAP
        # its close waits behind the frames it does not read: after the close's wait the mock lets it go
        let_go = wait_until(
            lambda: (s := fresh.get("/_mockcc/limits")["sockets"])["detached_unreachable"] == 1 and s,
            timeout=30,
            what="the mock freeing the unreachable socket's slot",
        )
        assert (let_go["sockets_open"], let_go["subscriptions"]) == (0, 0)
        answered, close = client.read_until_close()
    finally:
        client.close()
    assert close is not None
    assert (close.code, close.reason) == (1013, f"slow reader: {CAP} frames waiting")
    assert answered < REQUESTS - CAP  # the waiting answers were dropped, not delivered late
    assert any(c["method"] == "CLOSE" and c["status"] == 1013 for c in fresh.journal("agentsocket"))


def test_a_burst_of_pipelined_requests_is_no_slow_reader(fresh: MockProcess) -> None:
    """A client that sends five times the cap of requests at once and then reads them is answered in full:
    the writer drains each answer before the next request is read, so only a reader that really falls
    behind fills the outbox."""
    with httpx.Client(base_url=fresh.url) as http:
        bearer = login(http, fresh.fields["account_id"])["bearer"]
    client = RawClient(brand_url(fresh.url, fresh.fields["account_id"], bearer))
    try:
        for n in range(5 * CAP):
            client.send(json.dumps({"kind": "req", "id": str(n), "type": "GetClock"}))
        answers: list[int] = []
        while len(answers) < 5 * CAP:
            client.protocol.receive_data(client.sock.recv(65_536))
            assert client.protocol.close_rcvd is None, f"closed after {len(answers)}: {client.protocol.close_rcvd}"
            answers += [json.loads(e.data)["code"] for e in client.protocol.events_received()]
    finally:
        client.close()
    assert answers == [200] * (5 * CAP)
    assert fresh.get("/_mockcc/limits")["sockets"]["closed_slow_reader"] == 0
