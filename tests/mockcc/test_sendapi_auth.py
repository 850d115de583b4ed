"""Send API auth: every row of LivePerson's errorCode table, and the checks behind each."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mockcc.schemas import validate
from tests.conftest import CONVERSATION, SEND, publish


def _text(conversation_id):
    return publish(conversation_id, {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"})


def _assert_auth_error(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["body"]["errorCode"] == code
    assert body["kind"] == "resp"
    assert body["type"] == ".ReqBody$ErrorResp"
    assert body["code"] == status
    assert validate("errors/auth-error", body) is None
    assert body["mockcc"]["explanation"]


def test_missing_app_jwt_is_40105(client, lp, ext_id):
    conv = lp.open(ext_id)
    r = client.post(SEND, json=_text(conv), headers={"X-LP-ON-BEHALF": lp.jws(ext_id)})
    _assert_auth_error(r, 401, 40105)
    assert r.json()["body"]["title"] == "AppJWT is missing"


def test_missing_consumer_jws_is_40104(client, lp, ext_id):
    conv = lp.open(ext_id)
    _assert_auth_error(client.post(SEND, json=_text(conv), headers={"Authorization": lp.app_jwt()}), 401, 40104)


def test_forged_app_jwt_is_40102(client, lp, ext_id):
    conv = lp.open(ext_id)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "aud": lp.account,
            "azp": lp.client_id,
            "scope": "msg.consumer",
            "iss": "Sentinel",
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
        },
        key,
        algorithm="RS256",
    )
    r = client.post(SEND, json=_text(conv), headers={"Authorization": forged, "X-LP-ON-BEHALF": lp.jws(ext_id)})
    _assert_auth_error(r, 401, 40102)


def test_expired_app_jwt_is_40102_after_moving_the_clock(client, lp, ext_id):
    conv = lp.open(ext_id)
    headers = lp.headers(ext_id)
    assert client.post(SEND, json=_text(conv), headers=headers).status_code == 200
    client.post("/_mockcc/clock/advance", json={"seconds": 3599})
    assert client.post(SEND, json=_text(conv), headers=headers).status_code == 200
    client.post("/_mockcc/clock/advance", json={"seconds": 1})
    r = client.post(SEND, json=_text(conv), headers=headers)
    _assert_auth_error(r, 401, 40102)
    assert "expired" in r.json()["mockcc"]["explanation"]


def test_invalid_consumer_jws_is_40103(client, lp, ext_id):
    conv = lp.open(ext_id)
    r = client.post(SEND, json=_text(conv), headers={"Authorization": lp.app_jwt(), "X-LP-ON-BEHALF": "abc.def.ghi"})
    _assert_auth_error(r, 401, 40103)


def test_another_consumers_conversation_is_40103(client, lp):
    conv = lp.open("alice")
    _assert_auth_error(lp.text("bob", conv, "let me in"), 401, 40103)
    state = client.get(f"/_mockcc/accounts/{lp.account}/conversations/{conv}").json()
    assert state["events"] == []


def test_app_jwt_of_another_account_is_40001(client, clock):
    from tests.conftest import LP

    seed = {
        "accounts": [
            {"account_id": "111", "installations": [{"client_id": "a", "client_secret": "s1", "client_name": "A"}]},
            {"account_id": "222", "installations": [{"client_id": "b", "client_secret": "s2", "client_name": "B"}]},
        ]
    }
    client.post("/_mockcc/reset", json=seed)
    one, two = LP(client, "111", "a", "s1"), LP(client, "222", "b", "s2")
    conv = two.open("x")
    r = client.post(
        "/api/account/222/messaging/consumer/conversation/send?v=3",
        json=_text(conv),
        headers={"Authorization": one.app_jwt(), "X-LP-ON-BEHALF": two.jws("x")},
    )
    _assert_auth_error(r, 400, 40001)
    r = client.post(
        "/api/account/222/messaging/consumer/conversation/send?v=3",
        json=_text(conv),
        headers={"Authorization": two.app_jwt(), "X-LP-ON-BEHALF": one.jws("x")},
    )
    _assert_auth_error(r, 401, 40103)


@pytest.mark.parametrize("url", [SEND, CONVERSATION])
def test_bearer_prefix_and_lower_case_header_are_tolerated(client, lp, ext_id, url):
    conv = lp.open(ext_id) if url == SEND else None
    body = (
        _text(conv)
        if conv
        else [
            {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
            {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": lp.account}},
        ]
    )
    r = client.post(
        url, json=body, headers={"authorization": "Bearer " + lp.app_jwt(), "x-lp-on-behalf": lp.jws(ext_id)}
    )
    assert r.status_code == 200, r.text


def test_a_token_issued_after_moving_the_clock_is_valid(client, lp, ext_id):
    conv = lp.open(ext_id)
    client.post("/_mockcc/clock/advance", json={"seconds": 7200})
    lp._app_jwt = None  # renew, as a connector does after 40102
    assert lp.text(ext_id, conv, "after renewal").status_code == 200


def test_a_401_fault_can_refuse_the_consumer_jws_instead(client, lp, ext_id):
    """``error_code: 40103`` makes the injected 401 LivePerson's Invalid ConsumerJWS (40102 by default)."""
    conv = lp.open(ext_id)
    assert client.post("/_mockcc/faults", json={"kind": "401", "scope": "send", "error_code": 40103}).status_code < 300
    _assert_auth_error(client.post(SEND, json=_text(conv), headers=lp.headers(ext_id)), 401, 40103)
    assert client.post(SEND, json=_text(conv), headers=lp.headers(ext_id)).status_code == 200  # spent
    for bad in ({"kind": "401", "error_code": 40105}, {"kind": "503", "error_code": 40103}):
        r = client.post("/_mockcc/faults", json=bad)
        assert r.status_code == 400, r.text
        assert "error_code" in r.text
