"""The websocket transport both sockets share, over real sockets on a real ``mockcc serve``: envelope,
both type spellings, strict JSON, refusals with explanations, keep-alive, idle and expiry closes,
caps, the journal, and the shared subscriptions fed by the same changes as the webhooks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.connector_ref.stack import MockProcess
from tests.e2e.live import open_conversation
from tests.sockets.ums import UmsClient, brand_url, login

pytestmark = pytest.mark.live


def agent_socket(mock: MockProcess, version: str = "2") -> UmsClient:
    account = mock.fields["account_id"]
    bearer = login(mock.http, account)["bearer"]
    return UmsClient(brand_url(mock.url, account, bearer, version))


def test_get_clock_answers_a_numeric_id_as_a_string_with_the_mocks_time(fresh: MockProcess) -> None:
    now_ms = fresh.get("/_mockcc/clock")
    with agent_socket(fresh) as ws:
        answer = ws.request(".GetClock", req_id=7)
        assert answer["reqId"] == "7"
        assert answer["code"] == 200
        assert isinstance(answer["body"]["currentTime"], int)
        assert abs(answer["body"]["currentTime"] - int(now_ms["now"] * 1000)) < 5_000
        assert ws.request("KeepAlive")["code"] == 200


@pytest.mark.parametrize(
    "kind", ["cqm.SubscribeExConversations", ".ams.cqm.SubscribeExConversations", ".ams.aam.SubscribeExConversations"]
)
def test_both_spellings_and_bare_single_element_arrays(fresh: MockProcess, kind: str) -> None:
    with agent_socket(fresh) as ws:
        answer = ws.request(kind, {"convState": "OPEN"})  # a one-element array sent bare
        assert answer["code"] == 200, answer
        sub = answer["body"]["subscriptionId"]
        [snapshot] = ws.wait("cqm.ExConversationChangeNotification")
        assert snapshot["body"] == {"subscriptionId": sub, "changes": []}


def test_refusals_are_answered_with_the_rule_and_change_nothing(fresh: MockProcess) -> None:
    with agent_socket(fresh) as ws:
        unknown = ws.request("cm.NoSuchThing", {})
        assert (unknown["code"], unknown["type"]) == (400, ".ReqBody$StringResp")
        assert unknown["mockcc"]["rule"] == "request-type"
        assert "GetClock" in unknown["mockcc"]["explanation"]
        ws.send_raw('{"kind":"req","id":"n","type":"GetClock","body":{"a":NaN}}')
        assert ws.response("n")["mockcc"]["rule"] == "json-number"
        ws.send_raw('{"kind":"req","id":"d","type":"GetClock","id":"d"}')
        assert ws.response("d")["mockcc"]["rule"] == "json-duplicate-key"
        ws.send_raw('{"kind":"req","type":"GetClock"}')
        ws.send_raw("[not json")
        ws.request("GetClock")  # the socket survives every refusal
        no_id = [n for n in ws.notifications if n.get("kind") == "resp"]
        assert [n["mockcc"]["rule"] for n in no_id] == ["required", "json"]
        wrong = ws.request("cqm.SubscribeExConversations", {"convState": ["SHUT"]})
        assert wrong["code"] == 400
        assert wrong["mockcc"]["rule"] == "enum"
        assert ws.request("cqm.UnsubscribeExConversations", {"subscriptionId": "nope"})["code"] == 400
    calls = fresh.journal("agentsocket")
    assert any(c["method"] == "cm.NoSuchThing" and c["outcome"] == "invalid" for c in calls)
    assert all("bearer" not in c["path"] or "<redacted" in c["path"] for c in calls)


def test_a_bad_bearer_is_closed_4401_and_journaled(fresh: MockProcess) -> None:
    account = fresh.fields["account_id"]
    with UmsClient(brand_url(fresh.url, account, "0" * 64)) as ws:
        closed = ws.closed()
    assert closed.code == 4401
    assert "log in again" in closed.reason
    [connect] = [c for c in fresh.journal("agentsocket") if c["method"] == "CONNECT"]
    assert (connect["status"], connect["outcome"]) == (4401, "rejected")
    assert "0" * 64 not in connect["path"]
    with UmsClient(brand_url(fresh.url, account, login(fresh.http, account)["bearer"], "1")) as ws:
        assert ws.closed().code == 1008  # v=1 is unsupported


def test_the_bearer_expiring_mid_session_closes_4401(fresh: MockProcess) -> None:
    with agent_socket(fresh) as ws:
        fresh.advance(3600)
        assert ws.request("GetClock")["code"] == 200  # moving the mock's clock does not idle a socket
        fresh.advance(7 * 3600 + 1)
        closed = ws.closed()
        assert closed.code == 4401
        assert "expired" in closed.reason
    assert fresh.get("/_mockcc/limits")["sockets"]["closed_expired"] == 1


def test_a_socket_silent_past_the_idle_limit_is_closed(tmp_path: Path) -> None:
    quick = MockProcess.spawn(tmp_path / "mock.log", "--socket-idle", "0.5")
    try:
        with agent_socket(quick) as ws:
            for _ in range(3):
                time.sleep(0.3)
                assert ws.request("GetClock")["code"] == 200  # a frame keeps it alive
            closed = ws.closed(timeout=5)
        assert closed.code == 1000
        assert "idle" in closed.reason
        assert quick.get("/_mockcc/limits")["sockets"]["closed_idle"] == 1
    finally:
        quick.close()


def test_caps_close_the_socket_past_them_and_are_listed(fresh: MockProcess) -> None:
    limits = fresh.get("/_mockcc/limits")["sockets"]
    per_user = limits["sockets_per_user_limit"]
    sockets = [agent_socket(fresh) for _ in range(per_user)]
    try:
        for ws in sockets:
            assert ws.request("GetClock")["code"] == 200
        assert fresh.get("/_mockcc/limits")["sockets"]["sockets_open"] == per_user
        with agent_socket(fresh) as extra:
            closed = extra.closed()
        assert closed.code == 1013
        assert "cap per user" in closed.reason
        assert fresh.get("/_mockcc/limits")["sockets"]["sockets_refused"] == 1
    finally:
        for ws in sockets:
            ws.close()


def test_conversations_snapshot_then_live_upsert_and_delete(fresh: MockProcess) -> None:
    with agent_socket(fresh) as ws, httpx.Client(base_url=fresh.url) as http:
        _, before = open_conversation(http, fresh.fields, "sock-before")
        sub = ws.request(".ams.cqm.SubscribeExConversations", {"convState": ["OPEN"]})["body"]["subscriptionId"]
        [snapshot] = ws.wait("cqm.ExConversationChangeNotification")
        assert [c["result"]["convId"] for c in snapshot["body"]["changes"]] == [before]
        assert snapshot["body"]["changes"][0]["type"] == "UPSERT"
        _, after = open_conversation(http, fresh.fields, "sock-after")
        live = ws.wait("cqm.ExConversationChangeNotification", 2)[1]["body"]
        assert live["subscriptionId"] == sub
        assert [(c["type"], c["result"]["convId"]) for c in live["changes"]] == [("UPSERT", after)]
        fresh.agent(after, "join")
        fresh.agent(after, "close")
        changes = [n["body"]["changes"][0] for n in ws.wait("cqm.ExConversationChangeNotification", 4)[2:]]
        assert [c["type"] for c in changes] == ["UPSERT", "DELETE"]
        assert changes[1]["result"]["conversationDetails"]["state"] == "CLOSE"


def test_messaging_events_replay_from_fromseq_then_live_own_events_included(fresh: MockProcess) -> None:
    with agent_socket(fresh) as ws, httpx.Client(base_url=fresh.url) as http:
        headers, conv = open_conversation(http, fresh.fields, "sock-events")
        send = f"/api/account/{fresh.fields['account_id']}/messaging/consumer/conversation/send"
        for text in ("one", "two", "three"):
            event = {"type": "ContentEvent", "contentType": "text/plain", "message": text}
            body = {"kind": "req", "id": "1", "type": "ms.PublishEvent", "body": {"dialogId": conv, "event": event}}
            assert http.post(send, params={"v": "3"}, headers=headers, json=body).status_code == 200
        answer = ws.request("ms.SubscribeMessagingEvents", {"dialogId": conv, "fromSeq": 1})
        assert answer["code"] == 200
        [replay] = ws.wait("ms.MessagingEventNotification")
        assert [c["event"]["message"] for c in replay["body"]["changes"]] == ["two", "three"]
        assert replay["body"]["dialogId"] == conv
        assert all(c["originatorPId"] == c["originatorId"] for c in replay["body"]["changes"])
        fresh.agent(conv, "join")
        fresh.agent(conv, "text", {"text": "hello from the desk"})
        live = ws.wait("ms.MessagingEventNotification", 2)[1]["body"]["changes"][0]
        assert live["event"]["message"] == "hello from the desk"
        assert live["sequence"] == 3
        missing = ws.request("ms.SubscribeMessagingEvents", {"dialogId": "no-such-dialog"})
        assert missing["code"] == 400
        assert missing["mockcc"]["rule"] == "known-dialog"


def test_a_reset_closes_every_socket_with_1012(mock: MockProcess) -> None:
    with agent_socket(mock) as ws:
        ws.request("GetClock")
        mock.post("/_mockcc/reset", {})
        assert ws.closed().code == 1012


def test_the_journal_keeps_type_verdict_and_explanation_without_secrets(fresh: MockProcess) -> None:
    with agent_socket(fresh) as ws:
        ws.request("GetClock", req_id="clock-1")
        ws.request("cqm.SubscribeExConversations", {"convState": ["NOPE"], "password": "hunter2"})
    calls = fresh.journal("agentsocket")
    clock = next(c for c in calls if c["method"] == "GetClock")
    assert clock["status"] == 200
    assert json.loads(clock["request_body"])["id"] == "clock-1"
    refused = next(c for c in calls if c["method"] == "cqm.SubscribeExConversations")
    assert refused["outcome"] == "invalid"
    assert refused["explanation"]["rule"] == "enum"
    assert "hunter2" not in refused["request_body"]
