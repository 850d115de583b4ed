"""SEND and CONVERSATION take the lane past Starlette's middleware and router, and lose nothing on the way:
the guard's rule, the journal, the envelopes, and every other path and method still go through Starlette."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from mockcc.fastlane import lane_path
from tests.conftest import ACCOUNT, CONVERSATION, SEND, publish


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send",
            (ACCOUNT, "/messaging/consumer/conversation/send"),
        ),
        (f"/api/account/{ACCOUNT}/messaging/consumer/conversation", (ACCOUNT, "/messaging/consumer/conversation")),
        ("/api/account//messaging/consumer/conversation/send", None),  # the router's {accountId} is never empty
        (f"/api/account/{ACCOUNT}/x/messaging/consumer/conversation/send", None),  # one segment only
        (f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send/", None),
        (f"/api/account/{ACCOUNT}/messaging/consumer/conversation/sendx", None),
        (f"/api/account/{ACCOUNT}/consumer", None),
    ],
)
def test_the_lane_takes_exactly_the_paths_the_router_would_give_those_routes(path, expected):
    assert lane_path(path) == expected


def test_send_and_conversation_are_answered_without_starlettes_stack(client, lp, monkeypatch: pytest.MonkeyPatch):
    headers = lp.headers("lane")  # tokens first, through Starlette
    opened = client.post(CONVERSATION, json=[
        {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
        {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}},
    ], headers=headers)  # fmt: skip
    dialog = opened.json()[1]["body"]["conversationId"]

    def no_starlette(*args: object) -> None:
        raise AssertionError("went through Starlette's middleware and router")

    monkeypatch.setattr(Starlette, "__call__", no_starlette)
    ok = client.post(SEND, json=publish(dialog, {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"}),
                     headers=headers)  # fmt: skip
    assert ok.status_code == 200, ok.text
    assert ok.headers["content-type"] == "application/json"
    assert ok.json() == {"code": "OK", "body": {"sequence": 0}, "reqId": "1"}
    refused = client.post(SEND, content=b"{", headers={**headers, "content-type": "application/json"})
    assert refused.status_code == 400
    assert refused.json()["mockcc"]["rule"] == "json"
    monkeypatch.undo()
    journal = client.get("/_mockcc/journal", params={"service": "send"}).json()
    outcomes = [(c["status"], c["outcome"]) for c in journal["calls"][-2:]]
    assert outcomes == [(200, "ok"), (400, "invalid")]  # both journaled as before


def test_the_guard_still_refuses_a_foreign_host_on_the_lane(client, lp):
    r = client.post(SEND, json={}, headers={**lp.headers("lane"), "host": "evil.example"})
    assert r.status_code == 400
    assert r.json()["mockcc"]["rule"] == "host"
    assert (
        client.get("/_mockcc/journal", params={"service": "send"}).json()["calls"][-1]["explanation"]["rule"] == "host"
    )


def test_other_methods_on_the_lanes_paths_are_still_the_routers(client):
    r = client.get(SEND)
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "content", [{"code": "OK", "body": {"sequence": 3}, "reqId": "1"}, {"text": "Grüße 👋", "n": [1, 2.5, None]}]
)
def test_the_light_json_answer_is_starlettes_json_response_byte_for_byte(content: object) -> None:
    from starlette.responses import JSONResponse

    from mockcc.http import JsonAnswer

    light, starlette = JsonAnswer(content), JSONResponse(content)
    assert (light.status_code, light.body, light.raw_headers) == (
        starlette.status_code,
        starlette.body,
        starlette.raw_headers,
    )
    assert JsonAnswer(content, status_code=201).status_code == 201
