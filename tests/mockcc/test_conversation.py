"""CONVERSATION: the batch, the echoed reqIds, one open conversation per consumer, SDEs stored."""

from __future__ import annotations

import pytest

from mockcc.schemas import validate
from tests.conftest import ACCOUNT, CONVERSATION

PROFILE = {
    "kind": "req",
    "id": "1,",
    "type": "userprofile.SetUserProfile",
    "body": {
        "firstName": "WEB UI USER",
        "authenticatedData": {
            "lp_sdes": [
                {"type": "ctmrinfo", "info": {"socialId": "1234567890", "ctype": "vip"}},
                {"type": "personal", "personal": {"firstname": "John", "lastname": "Doe", "gender": "MALE"}},
            ]
        },
    },
}


def _request(req_id: object = "2,", **body):
    return {"kind": "req", "id": req_id, "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT, **body}}


@pytest.mark.parametrize("req_ids", [("1,", "2,"), (1, 2), ("0001", "00000002"), ("same", "same")])
def test_ids_are_echoed_verbatim_and_sdes_stored(client, lp, ext_id, req_ids):
    body = [{**PROFILE, "id": req_ids[0]}, _request(req_ids[1], channelType="MESSAGING", skillId="-1")]
    r = client.post(CONVERSATION, json=body, headers=lp.headers(ext_id))
    assert r.status_code == 200, r.text
    items = r.json()
    assert validate("sendapi/conversation-response", items) is None
    assert items[0] == {"code": "OK", "body": {"msg": "OK User Profile set successfully"}, "reqId": req_ids[0]}
    assert items[1]["code"] == "OK"
    assert items[1]["reqId"] == req_ids[1]
    state = client.get("/_mockcc/state").json()["accounts"][0]
    consumer = next(c for c in state["consumers"] if c["ext_consumer_id"] == ext_id)
    assert consumer["profile"]["authenticatedData"]["lp_sdes"][0]["info"]["ctype"] == "vip"
    conv = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{items[1]['body']['conversationId']}").json()
    assert conv["conversationDetails"]["state"] == "OPEN"
    assert conv["consumerId"] == consumer["lp_consumer_id"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"channelType": "MESSAGING"},
        {
            "conversationContext": {
                "sessionId": "0123456789",
                "interactionContextId": "2",
                "type": "SharkContext",
                "lang": "en-US",
            }
        },
        {
            "ttrDefName": None,
            "campaignInfo": {"campaignId": 2894629312, "engagementId": 2894629412},
            "channelType": "MESSAGING",
            "skillId": "-1",
            "conversationContext": {
                "visitorId": "",
                "sessionId": "",
                "interactionContextId": 2,
                "type": "SharkContext",
                "lang": "en-US",
                "features": [],
            },
        },
        {"ttrDefName": "CUSTOM", "campaignInfo": {"campaignId": "99999", "engagementId": "888888"}},
        {"ttrDefName": "NORMAL", "skillId": "1234"},
    ],
    ids=["brand-only", "guide", "no-channel-no-skill", "demo-numbers", "docs-custom", "normal-skill"],
)
def test_every_client_variant_opens_a_conversation(client, lp, ext_id, body):
    r = client.post(CONVERSATION, json=[{**PROFILE, "body": {}}, _request(**body)], headers=lp.headers(ext_id))
    assert r.status_code == 200, r.text


def test_second_open_conversation_is_refused_like_liveperson(client, lp, ext_id):
    first = lp.open(ext_id)
    r = client.post(CONVERSATION, json=[PROFILE, _request()], headers=lp.headers(ext_id))
    assert r.status_code == 400
    items = r.json()
    assert items[0]["code"] == "OK"
    consumer_id = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{first}").json()["consumerId"]
    assert items[1] == {
        "code": "BAD_REQUEST",
        "reqId": "2,",
        "body": {
            "msg": f"Consumer request conversation failed: User {consumer_id} already has open conversation. "
            "Can't open another one."
        },
        "mockcc": {
            "explanation": "this consumer already has an open conversation; close it first or keep using it",
            "path": "$[1]",
            "rule": "one-open-conversation",
        },
    }
    assert len(client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json()) == 1


def test_a_new_conversation_after_close(client, lp, ext_id):
    first = lp.open(ext_id)
    assert lp.close(ext_id, first).status_code == 200
    second = lp.open(ext_id)
    assert second != first


def test_legacy_third_item_publishes_the_first_message(client, lp, ext_id):
    third = {
        "kind": "req",
        "id": "3",
        "type": "ms.PublishEvent",
        "body": {"event": {"type": "ContentEvent", "contentType": "text/plain", "message": "first!"}},
    }
    r = client.post(CONVERSATION, json=[PROFILE, _request(), third], headers=lp.headers(ext_id))
    assert r.status_code == 200, r.text
    assert r.json()[2] == {"code": "OK", "body": {"sequence": 0}, "reqId": "3"}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ([_request(), PROFILE], "$[0].type"),
        ([PROFILE], "$"),
        ([PROFILE, _request(), _request()], "$[2].type"),
        ([PROFILE, _request(brandId="999")], "$[1].body.brandId"),
        ({"not": "an array"}, "$"),
        ([PROFILE, {**_request(), "id": "x" * 65}], "$[1].id"),
    ],
)
def test_malformed_batches_change_nothing(client, lp, ext_id, body, path):
    headers = lp.headers(ext_id)
    r = client.post(CONVERSATION, json=body, headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "BAD_REQUEST"
    assert r.json()["mockcc"]["path"] == path
    assert client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json() == []
    consumers = client.get("/_mockcc/state").json()["accounts"][0]["consumers"]
    assert all(c["profile"] == {} for c in consumers)


def test_client_properties_header(client, lp, ext_id):
    props = '{"type":".ClientProperties","features":["AUTO_MESSAGES","RICH_CONTENT"]}'
    r = client.post(
        CONVERSATION, json=[PROFILE, _request()], headers={**lp.headers(ext_id), "Client-Properties": props}
    )
    assert r.status_code == 200
    bad = client.post(
        CONVERSATION, json=[PROFILE, _request()], headers={**lp.headers("other"), "Client-Properties": "{not json"}
    )
    assert bad.status_code == 400
    assert bad.json()["mockcc"]["path"] == "$headers.client-properties"
