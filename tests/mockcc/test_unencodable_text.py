"""Strings that cannot be encoded as UTF-8 (lone surrogates, from JSON escapes or percent-encoding)
are refused at the door on every surface, with the path, and nothing is stored: the state stays readable.
"""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT, CONVERSATION, SEND

CONV = f"/_mockcc/accounts/{ACCOUNT}/conversations"


def _raw_send(client, lp, ext_id, dialog, message_json: str):
    body = (
        (
            '{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"DIALOG",'
            '"event":{"type":"ContentEvent","contentType":"text/plain","message":MESSAGE}}}'
        )
        .replace("DIALOG", dialog)
        .replace("MESSAGE", message_json)
    )
    return client.post(SEND, content=body, headers={**lp.headers(ext_id), "content-type": "application/json"})


def _refused_with_path(r, path: str, status: int = 400) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["mockcc"]["path"] == path, body
    assert body["mockcc"]["rule"] == "utf-8", body
    return body


@pytest.mark.parametrize("message", [r'"a\ud800b"', r'"\udfff"', r'"x\ud83d"'])
def test_send_with_a_lone_surrogate_is_refused_and_state_stays_readable(client, lp, ext_id, message):
    conv = lp.open(ext_id)
    body = _refused_with_path(_raw_send(client, lp, ext_id, conv, message), "$.body.event.message")
    assert body["code"] == "BAD_REQUEST"
    for path in (f"{CONV}/{conv}", f"{CONV}/{conv}/agent-view", "/_mockcc/journal", "/_mockcc/state"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"{CONV}/{conv}").json()["events"] == []


def test_a_surrogate_pair_is_one_character_and_accepted(client, lp, ext_id):
    conv = lp.open(ext_id)
    r = _raw_send(client, lp, ext_id, conv, r'"smile \ud83d\ude00"')
    assert r.status_code == 200, r.text
    [event] = client.get(f"{CONV}/{conv}").json()["events"]
    assert event["event"]["message"] == "smile \U0001f600"


def test_a_lone_surrogate_in_a_key_is_refused(client, lp, ext_id):
    conv = lp.open(ext_id)
    body = '{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"DIALOG","\\ud800":1}}'
    body = body.replace("DIALOG", conv)
    r = client.post(SEND, content=body, headers={**lp.headers(ext_id), "content-type": "application/json"})
    refused = _refused_with_path(r, "$.body['\\ud800']")
    assert "surrogate" in refused["mockcc"]["explanation"]


def test_idp_refuses_an_unencodable_consumer_id(client, lp):
    r = client.post(
        f"/api/account/{ACCOUNT}/consumer?v=1.0",
        content=r'{"ext_consumer_id":"ext-\udfff"}',
        headers={"Authorization": lp.app_jwt(), "content-type": "application/json"},
    )
    _refused_with_path(r, "$.ext_consumer_id")
    assert client.get("/_mockcc/state").status_code == 200


def test_control_plane_agent_text_refuses_a_lone_surrogate(client, lp, ext_id):
    conv = lp.open(ext_id)
    assert client.post(f"{CONV}/{conv}/agent/join", json={}).status_code == 200
    r = client.post(
        f"{CONV}/{conv}/agent/text", content=r'{"text":"agent \ud83d"}', headers={"content-type": "application/json"}
    )
    _refused_with_path(r, "$.text")
    assert client.get(f"{CONV}/{conv}").status_code == 200
    assert client.get(f"{CONV}/{conv}/agent-view").status_code == 200


def test_the_client_properties_header_is_held_to_the_same_rule(client, lp, ext_id):
    body = [
        {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
        {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}},
    ]
    r = client.post(
        CONVERSATION,
        json=body,
        headers={**lp.headers(ext_id), "Client-Properties": r'{"features":["\udc00"]}'},
    )
    _refused_with_path(r, "$headers.client-properties.features[0]")
    assert client.get(CONV).json() == []


@pytest.mark.parametrize("query", ["x=%ED%A0%80", "%ED%A0%80=1", "x=%FF", "x=a%C3"])
def test_a_query_that_is_not_utf8_is_refused_on_every_surface(client, lp, ext_id, query):
    # Percent-decoding a query must not turn invalid UTF-8 into replacement characters silently.
    conv = lp.open(ext_id)
    for method, path, kwargs in (
        ("POST", f"{SEND}&{query}", {"json": {}, "headers": lp.headers(ext_id)}),
        ("GET", f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0&{query}", {}),
        ("GET", f"{CONV}/{conv}?{query}", {}),
    ):
        r = client.request(method, path, **kwargs)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["mockcc"]["path"].startswith("$query"), r.text
        assert r.json()["mockcc"]["rule"] == "utf-8"


def test_sentinel_refuses_a_form_field_that_is_not_utf8(client):
    r = client.post(
        f"/sentinel/api/account/{ACCOUNT}/app/token?v=1.0",
        content=b"grant_type=client_credentials&client_id=%ED%A0%80&client_secret=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_request"
    assert r.json()["mockcc"]["path"] == "$.client_id"
    assert r.json()["mockcc"]["rule"] == "utf-8"


def test_a_seed_with_a_lone_surrogate_is_refused(client):
    r = client.post(
        "/_mockcc/seed",
        content=r'{"accounts":[{"id":"\ud800"}]}',
        headers={"content-type": "application/json"},
    )
    _refused_with_path(r, "$.accounts[0].id")
    assert client.get("/_mockcc/state").status_code == 200
