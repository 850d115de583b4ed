"""A UMS websocket client written from LivePerson's docs (not from the mock): requests correlated on
``reqId``, notifications kept in arrival order, the close code and reason when the server closes."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

JSON = dict[str, Any]


class Closed(AssertionError):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"socket closed {code} {reason!r}")
        self.code = code
        self.reason = reason


class UmsClient:
    """One socket: ``request`` sends and waits for the matching ``resp``; ``wait`` waits for a notification."""

    def __init__(self, url: str, **kw: Any) -> None:
        self._opened = connect(url, open_timeout=10, **kw)
        self.ws: ClientConnection = self._opened.__enter__()
        self.notifications: list[JSON] = []
        self.responses: dict[str, JSON] = {}
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._opened.__exit__(None, None, None)

    def __enter__(self) -> UmsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_raw(self, text: str | bytes) -> None:
        self.ws.send(text)

    def _read(self, timeout: float) -> None:
        try:
            frame = json.loads(self.ws.recv(timeout=timeout))
        except ConnectionClosed as closed:
            rcvd = closed.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
        if frame.get("kind") == "resp" and "reqId" in frame:
            self.responses[frame["reqId"]] = frame
        else:
            self.notifications.append(frame)

    def response(self, req_id: str, timeout: float = 10.0) -> JSON:
        deadline = time.monotonic() + timeout
        while req_id not in self.responses:
            self._read(max(0.01, deadline - time.monotonic()))
        return self.responses.pop(req_id)

    def request(self, kind: str, body: object = None, *, req_id: object = None, **top: object) -> JSON:
        rid = str(next(self._ids)) if req_id is None else req_id
        frame: JSON = {"kind": "req", "id": rid, "type": kind, **top}
        if body is not None:
            frame["body"] = body
        self.ws.send(json.dumps(frame))
        return self.response(str(rid))

    def wait(self, kind: str, count: int = 1, timeout: float = 10.0, **match: object) -> list[JSON]:
        """The first ``count`` notifications of ``kind`` (whose body has ``match``), waiting for them."""
        deadline = time.monotonic() + timeout

        def found() -> list[JSON]:
            return [
                n
                for n in self.notifications
                if n.get("type") == kind and all(n["body"].get(k) == v for k, v in match.items())
            ]

        while len(found()) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {count} {kind} notification(s) within {timeout}s: {self.notifications!r}")
            try:
                self._read(left)
            except TimeoutError:
                continue
        return found()[:count]

    def closed(self, timeout: float = 10.0) -> Closed:
        """Read until the server closes; the close."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._read(max(0.01, deadline - time.monotonic()))
            except Closed as closed:
                return closed
            if time.monotonic() > deadline:
                raise AssertionError("the socket stayed open")


ADMIN = ("admin", "mockcc-admin")


def login(http: httpx.Client, account: str, user: tuple[str, str] = ADMIN) -> JSON:
    """agentVep's login (``v=1.3``) as ``(username, password)``; the whole answer (bearer, csrf, config)."""
    body = {"username": user[0], "password": user[1]}
    answer = http.post(f"/api/account/{account}/login", params={"v": "1.3"}, json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def brand_url(base_url: str, account: str, bearer: str, version: str = "2") -> str:
    ws = base_url.replace("https://", "wss://").replace("http://", "ws://")
    return f"{ws}/ws_api/account/{account}/messaging/brand/{bearer}?v={version}"


class AgentBot:
    """The docs' "minimal agent bot" (§4 of the notes), step by step, over one brand socket."""

    def __init__(
        self, base_url: str, http: httpx.Client, account: str, user: tuple[str, str] = ADMIN, version: str = "2"
    ) -> None:
        self.account = account
        self.session = login(http, account, user)
        self.bearer = self.session["bearer"]
        self.pid = self.session["config"]["userPid"]
        self.ws = UmsClient(brand_url(base_url, account, self.bearer, version))
        self.me = self.ok(".ams.userprofile.GetUserProfile", {})["body"]["userId"]

    def close(self) -> None:
        self.ws.close()

    def ok(self, kind: str, body: object = None, code: int = 200) -> JSON:
        answer = self.ws.request(kind, body)
        assert answer["code"] == code, answer
        return answer

    def start(self) -> None:
        """ONLINE, routing tasks, and its own conversations (snapshots first)."""
        assert (
            self.ok(".ams.routing.SetAgentState", {"availability": "ONLINE"}, 202)["body"]
            == "Agent state updated successfully"
        )
        self.ok(".ams.routing.SubscribeRoutingTasks", {})
        self.ws.wait(".ams.routing.RoutingTaskNotification")
        self.ok(".ams.cqm.SubscribeExConversations", {"convState": ["OPEN"], "agentIds": [self.me]})
        self.ws.wait("cqm.ExConversationChangeNotification")

    def rings(self, state: str = "WAITING") -> list[JSON]:
        return [
            change["result"]
            for n in self.ws.notifications
            if n.get("type") == ".ams.routing.RoutingTaskNotification"
            for change in n["body"]["changes"]
            if change["result"]["ringsDetails"][0]["ringState"] == state
        ]

    def next_ring(self, count: int = 1, timeout: float = 10.0) -> JSON:
        deadline = time.monotonic() + timeout
        while len(self.rings()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no ring #{count}: {self.ws.notifications!r}")
            try:
                self.ws._read(0.1)
            except TimeoutError:
                continue
        return self.rings()[count - 1]

    def accept(self, ring: JSON) -> None:
        ring_id = ring["ringsDetails"][0]["ringId"]
        self.ok(".ams.routing.UpdateRingState", {"ringId": ring_id, "ringState": "ACCEPTED"}, 202)

    def texts(self, conversation: str) -> list[JSON]:
        """The ContentEvent changes this socket heard in ``conversation`` (replays and live)."""
        return [
            change
            for n in self.ws.notifications
            if n.get("type") == "ms.MessagingEventNotification"
            for change in n["body"]["changes"]
            if change["dialogId"] == conversation and change["event"].get("type") == "ContentEvent"
        ]

    def wait_text(self, conversation: str, text: str, timeout: float = 10.0) -> JSON:
        deadline = time.monotonic() + timeout
        while not (found := [c for c in self.texts(conversation) if c["event"]["message"] == text]):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never reached the bot in {conversation}")
            try:
                self.ws._read(0.1)
            except TimeoutError:
                continue
        return found[0]

    def answer(self, conversation: str, sequence: int, text: str) -> int:
        """What the docs' bot does on a consumer's message: ACCEPT, READ, COMPOSING, the text, ACTIVE."""
        for status in ("ACCEPT", "READ"):
            event = {"type": "AcceptStatusEvent", "status": status, "sequenceList": [sequence]}
            self.ok(".ams.ms.PublishEvent", {"dialogId": conversation, "event": event})
        self.ok(
            ".ams.ms.PublishEvent",
            {"dialogId": conversation, "event": {"type": "ChatStateEvent", "chatState": "COMPOSING"}},
        )
        content = {"type": "ContentEvent", "contentType": "text/plain", "message": text}
        sequence = self.ok(".ams.ms.PublishEvent", {"dialogId": conversation, "event": content})["body"]["sequence"]
        self.ok(
            ".ams.ms.PublishEvent",
            {"dialogId": conversation, "event": {"type": "ChatStateEvent", "chatState": "ACTIVE"}},
        )
        return int(sequence)
