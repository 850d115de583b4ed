"""The whole consumer flow against a live ``mockcc serve`` on loopback, with a plain HTTP client."""

from __future__ import annotations

import ssl

import httpx
import pytest

from mockcc_contracts.launch import MockServer

pytestmark = pytest.mark.live


def test_full_flow_over_real_http():
    with MockServer.start("--frozen-clock") as mock, httpx.Client(base_url=mock.url, timeout=10) as http:
        account = mock.fields["account_id"]
        assert mock.fields["base_url"].startswith("http://127.0.0.1:")
        # 1. CSDS: every host is the mock itself.
        uris = http.get(f"/api/account/{account}/service/baseURI.json", params={"version": "1.0"}).json()
        hosts = {u["service"]: u["baseURI"] for u in uris["baseURIs"]}
        assert hosts["sentinel"] == mock.fields["base_url"].removeprefix("http://")
        # 2. AppJWT from Sentinel, credentials in the form body.
        token = http.post(
            f"http://{hosts['sentinel']}/sentinel/api/account/{account}/app/token",
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": mock.fields["client_id"], "client_secret": mock.fields["client_secret"]},
        )
        app_jwt = token.json()["access_token"]
        # 3. ConsumerJWS from the IdP.
        jws = http.post(
            f"http://{hosts['idp']}/api/account/{account}/consumer",
            params={"v": "1.0"},
            json={"ext_consumer_id": "e2e-consumer"},
            headers={"Authorization": app_jwt},
        )
        assert jws.status_code == 201
        headers = {"Authorization": app_jwt, "X-LP-ON-BEHALF": jws.json()["token"]}
        base = f"http://{hosts['asyncMessagingEnt']}/api/account/{account}/messaging/consumer/conversation"
        # 4. CONVERSATION.
        conv = http.post(
            base,
            params={"v": "3"},
            headers=headers,
            json=[
                {"kind": "req", "id": "1,", "type": "userprofile.SetUserProfile", "body": {}},
                {
                    "kind": "req",
                    "id": "2,",
                    "type": "cm.ConsumerRequestConversation",
                    "body": {"brandId": account, "channelType": "MESSAGING"},
                },
            ],
        )
        assert conv.status_code == 200, conv.text
        cid = conv.json()[1]["body"]["conversationId"]

        def send(event, req_id="1"):
            return http.post(
                f"{base}/send",
                params={"v": "3"},
                headers=headers,
                json={
                    "kind": "req",
                    "id": req_id,
                    "type": "ms.PublishEvent",
                    "body": {"dialogId": cid, "event": event},
                },
            )

        # 5. SEND text, typing, read receipt.
        assert send({"type": "ContentEvent", "contentType": "text/plain", "message": "héllo 👋"}).json()["body"] == {
            "sequence": 0
        }
        assert send({"type": "ChatStateEvent", "chatState": "COMPOSING"}).status_code == 200
        assert (
            send({"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0]}).json()["body"]["sequence"] >= 1
        )
        # 6. Close, then publishing is refused.
        close = http.post(
            f"{base}/send",
            params={"v": "3"},
            headers=headers,
            json={
                "kind": "req",
                "id": 9,
                "type": "cm.UpdateConversationField",
                "body": {
                    "conversationId": cid,
                    "conversationField": {"field": "ConversationStateField", "conversationState": "CLOSE"},
                },
            },
        )
        assert close.json() == {"code": "OK", "body": {"msg": "OK Conversation resolved successfully"}, "reqId": 9}
        after = send({"type": "ContentEvent", "contentType": "text/plain", "message": "still there?"})
        assert after.status_code == 400
        assert after.json()["body"]["msg"] == "Bad Request, Conversation is close"
        # 7. Move the clock past the AppJWT's hour: 401 40102.
        http.post("/_mockcc/clock/advance", json={"seconds": 3600})
        expired = http.post(
            base,
            params={"v": "3"},
            headers=headers,
            json=[{"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": account}}],
        )
        assert expired.status_code == 401
        assert expired.json()["body"]["errorCode"] == 40102
        # The journal saw every call, with the consumer's text intact.
        calls = http.get("/_mockcc/journal").json()["calls"]
        assert [c["service"] for c in calls][:4] == ["csds", "sentinel", "idp", "conversation"]
        assert "héllo" in next(c for c in calls if c["service"] == "send")["request_body"]


def test_tls_self_signed():
    with MockServer.start("--tls-self-signed") as mock, httpx.Client(base_url=mock.url, verify=False) as http:
        assert mock.fields["base_url"].startswith("https://")
        assert http.get("/_mockcc/health").json()["status"] == "ok"


def test_a_bad_config_is_a_clear_error(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "seed.yaml"
    bad.write_text("accounts: [{agent: robot}]\n")
    out = subprocess.run(
        [sys.executable, "-m", "mockcc", "serve", "--port", "0", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert "account_id" in out.stderr
    assert "Traceback" not in out.stderr


def test_tls_with_certificate_files_and_a_short_webhook_timeout():
    from mockcc.tls import self_signed

    cert, key = self_signed("127.0.0.1")
    args = ("--tls-cert", str(cert), "--tls-key", str(key), "--webhook-read-timeout", "0.5")
    trust = ssl.create_default_context(cafile=str(cert))
    with MockServer.start(*args) as mock, httpx.Client(base_url=mock.url, verify=trust) as http:
        assert http.get("/_mockcc/webhooks/status").json()["limits"]["read_timeout"] == 0.5
