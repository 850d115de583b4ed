"""Bad input: LivePerson's envelope, the right status, a mockcc explanation, nothing in state changed."""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT, SEND, publish


def _snapshot(client):
    state = client.get("/_mockcc/state").json()
    convs = [
        client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{c['convId']}").json()
        for c in state["accounts"][0]["conversations"]
    ]
    return state["accounts"], convs


CASES = [
    ("not-json", b"{nope", "application/json", 400, "json"),
    ("empty", b"", "application/json", 400, "json"),
    ("form-content-type", b"a=b", "application/x-www-form-urlencoded", 415, "content-type"),
    ("not-utf8", b'{"id":"\xff"}', "application/json", 400, "json"),
]


@pytest.mark.parametrize(("raw", "ctype", "status", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_unparseable_bodies(client, lp, ext_id, raw, ctype, status, rule):
    lp.open(ext_id)
    before = _snapshot(client)
    r = client.post(SEND, content=raw, headers={**lp.headers(ext_id), "content-type": ctype})
    assert r.status_code == status
    assert r.json()["code"] in ("BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE")
    assert r.json()["mockcc"]["rule"] == rule
    assert _snapshot(client) == before


def _event(conv, **event):
    return publish(conv, {"type": "ContentEvent", "contentType": "text/plain", "message": "x", **event})


WRONG = [
    (
        "chat-state-enum",
        lambda c: publish(c, {"type": "ChatStateEvent", "chatState": "SLEEPING"}),
        "$.body.event.chatState",
        "enum",
    ),
    ("message-type", lambda c: _event(c, message=42), "$.body.event.message", "type"),
    (
        "no-dialog",
        lambda c: {
            "kind": "req",
            "id": "1",
            "type": "ms.PublishEvent",
            "body": {"event": {"type": "ContentEvent", "contentType": "text/plain", "message": "x"}},
        },
        "$.body",
        "required",
    ),
    (
        "receipt-strings",
        lambda c: publish(c, {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": ["0"]}),
        "$.body.event.sequenceList[0]",
        "type",
    ),
    ("unknown-type", lambda c: {"kind": "req", "id": "1", "type": "ms.Nope", "body": {}}, "$.type", "enum"),
    ("long-id", lambda c: {**_event(c), "id": "x" * 65}, "$.id", None),
    (
        "close-state",
        lambda c: {
            "kind": "req",
            "id": "1",
            "type": "cm.UpdateConversationField",
            "body": {
                "conversationId": c,
                "conversationField": {"field": "ConversationStateField", "conversationState": "OPEN"},
            },
        },
        "$.body.conversationField.conversationState",
        None,
    ),
    (
        "csat-range",
        lambda c: {
            "kind": "req",
            "id": "1",
            "type": "cm.UpdateConversationField",
            "body": {
                "conversationId": c,
                "conversationField": {
                    "field": "CSATRate",
                    "csatRate": 9,
                    "csatResolutionConfirmation": True,
                    "status": "FILLED",
                },
            },
        },
        "$.body.conversationField.csatRate",
        "maximum",
    ),
]


@pytest.mark.parametrize(("make", "path", "rule"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_schema_violations_name_the_field(client, lp, ext_id, make, path, rule):
    conv = lp.open(ext_id)
    before = _snapshot(client)
    r = lp.send(ext_id, make(conv))
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "BAD_REQUEST"
    assert body["mockcc"]["path"] == path, body["mockcc"]
    if rule:
        assert body["mockcc"]["rule"] == rule
    assert body["mockcc"]["explanation"]
    assert _snapshot(client) == before
    call = client.get("/_mockcc/journal?service=send&limit=1").json()["calls"][0]
    assert call["outcome"] == "invalid"
    assert call["explanation"]["path"] == path


def test_unknown_dialog(client, lp, ext_id):
    lp.open(ext_id)
    r = lp.text(ext_id, "no-such-dialog", "x")
    assert r.status_code == 404  # LivePerson documents no answer: an id that names nothing is a 404
    assert r.json()["mockcc"]["rule"] == "known-dialog"


def test_missing_v_and_unknown_account(client, lp, ext_id):
    conv = lp.open(ext_id)
    r = client.post(SEND.replace("?v=3", ""), json=_event(conv), headers=lp.headers(ext_id))
    assert r.status_code == 400
    assert r.json()["mockcc"]["path"] == "$query.v"
    r = client.post(SEND.replace(ACCOUNT, "99999999"), json=_event(conv), headers=lp.headers(ext_id))
    assert r.status_code == 401


def test_body_over_the_cap_is_413(client, lp, ext_id):
    r = client.post(SEND, content=b"x" * (2 << 20), headers={**lp.headers(ext_id), "content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == "REQUEST_ENTITY_TOO_LARGE"


def test_unknown_route_and_method(client):
    r = client.get("/api/account/1/nothing")
    assert r.status_code == 404
    assert r.json()["code"] == "NOT_FOUND"
    assert client.get(SEND).status_code == 405
    assert client.get("/_mockcc/journal?service=unmatched").json()["calls"][0]["path"] == "/api/account/1/nothing"


def test_a_refused_call_from_an_unknown_consumer_leaves_no_record(client, lp):
    jws = lp.jws("only-a-token")
    client.post("/_mockcc/reset", json={})  # the JWS stays valid; the IdP's record of it is gone
    before = _snapshot(client)
    r = client.post(SEND, json={"not": "a request"}, headers={"Authorization": lp.app_jwt(), "X-LP-ON-BEHALF": jws})
    assert r.status_code == 400
    assert _snapshot(client) == before
