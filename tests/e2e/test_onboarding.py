"""A brand's onboarding, as LivePerson documents it, against a live ``mockcc serve`` on loopback.

Log in on the agentVep host CSDS hands out, read the session, check Asynchronous Messaging in the
feature grants, then manage an app installation with the login's bearer; and an account seeded with
Async Messaging off refuses the Send API.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mockcc_contracts.launch import MockServer

pytestmark = pytest.mark.live

MANIFEST = {
    "client_name": "onboarding e2e",
    "description": "created by the onboarding test",
    "grant_types": ["client_credentials"],
    "capabilities": {"webhooks": {"cqm.ExConversationChangeNotification": {"endpoint": "https://example.test/hook"}}},
}


def test_login_grants_and_installation_lifecycle():
    with MockServer.start("--frozen-clock") as mock, httpx.Client(timeout=10) as http:
        account = mock.fields["account_id"]
        csds = mock.fields["base_url"].removeprefix("http://")
        agent_vep = http.get(
            f"http://{csds}/api/account/{account}/service/agentVep/baseURI.json", params={"version": "1.0"}
        ).json()["baseURI"]
        refused = http.post(
            f"http://{agent_vep}/api/account/{account}/login",
            params={"v": "1.3"},
            json={"username": "admin", "password": "not-it"},
        )
        assert refused.status_code == 401
        assert refused.json()["code"] == "UNAUTHORIZED"
        r = http.post(
            f"http://{agent_vep}/api/account/{account}/login",
            params={"v": "1.3"},
            json={"username": "admin", "password": "mockcc-admin"},
            headers={"Accept": "application/json"},
        )
        assert r.status_code == 200, r.text
        session = r.json()
        assert session["config"]["isAdmin"] is True
        assert session["config"]["userId"].isdigit()
        assert int(session["sessionTTl"]) == 8 * 3600 * 1000
        assert r.cookies.get("Session_id")
        hosts = {u["service"]: u["baseURI"] for u in session["csdsCollectionResponse"]["baseURIs"]}
        auth = {"Authorization": f"Bearer {session['bearer']}", "Accept": "application/json"}

        # Asynchronous Messaging, where LivePerson's onboarding tools look for it.
        features = http.get(
            f"http://{hosts['accountConfigReadWrite']}/api/account/{account}/configuration/provision/featureGrants",
            params={"v": "1.0", "excludeLegacy": "true", "jsonProvider": "gson"},
            headers=auth,
        )
        assert features.status_code == 200, features.text
        data = features.json()["appDataList"][0]["accountList"]["accountList"][0]["itemsCollection"]["data"]
        async_messaging = [d for d in data if d["compoundFeatureID"] == "Common.Async_Messaging"]
        assert async_messaging[0]["value"]["value"] is True

        # The App Installation API with the same bearer: create, read, update, delete.
        apps = f"http://{hosts['accountConfigReadWrite']}/api/account/{account}/configuration/app-install/installations"
        created = http.post(apps, params={"v": "1.0"}, json=MANIFEST, headers=auth)
        assert created.status_code == 201, created.text
        app = created.json()
        revision = created.headers["ac-revision"]
        read = http.get(f"{apps}/{app['client_id']}", params={"v": "1.0"}, headers=auth)
        assert read.json() == app
        assert read.headers["ac-revision"] == revision
        updated = http.put(
            f"{apps}/{app['id']}",
            params={"v": "1.0"},
            json={**app, "description": "updated as LivePerson's demo does"},
            headers={**auth, "If-Match": revision, "X-HTTP-Method-Override": "PUT"},
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["description"] == "updated as LivePerson's demo does"
        tunnelled = http.post(
            f"{apps}/{app['id']}",
            params={"v": "1.0"},
            json={**updated.json(), "enabled": False},
            headers={**auth, "If-Match": updated.headers["ac-revision"], "X-HTTP-Method-Override": "PUT"},
        )
        assert tunnelled.status_code == 200, tunnelled.text
        assert tunnelled.json()["enabled"] is False
        stale = http.delete(f"{apps}/{app['id']}", params={"v": "1.0"}, headers={**auth, "If-Match": revision})
        assert stale.status_code == 409
        deleted = http.delete(
            f"{apps}/{app['id']}", params={"v": "1.0"}, headers={**auth, "If-Match": tunnelled.headers["ac-revision"]}
        )
        assert deleted.status_code == 204
        assert http.get(f"{apps}/{app['id']}", params={"v": "1.0"}, headers=auth).status_code == 404

        # The session ends after sessionTTl on the mock's clock.
        http.post(f"{mock.fields['base_url']}/_mockcc/clock/advance", json={"seconds": 8 * 3600})
        assert http.get(apps, params={"v": "1.0"}, headers=auth).status_code == 401


def test_async_messaging_off_in_the_seed_refuses_the_send_api(tmp_path: Path):
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "account_id": "70000001",
                        "feature_grants": {"Common.Async_Messaging": False},
                        "installations": [
                            {"client_id": "e2e-client", "client_secret": "e2esecret", "client_name": "e2e"}
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    with MockServer.start("--config", str(seed)) as mock, httpx.Client(base_url=mock.url, timeout=10) as http:
        account = mock.fields["account_id"]
        app_jwt = http.post(
            f"/sentinel/api/account/{account}/app/token",
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": "e2e-client", "client_secret": "e2esecret"},
        ).json()["access_token"]
        jws = http.post(
            f"/api/account/{account}/consumer",
            params={"v": "1.0"},
            json={"ext_consumer_id": "consumer-off"},
            headers={"Authorization": app_jwt},
        ).json()["token"]
        headers = {"Authorization": app_jwt, "X-LP-ON-BEHALF": jws}
        base = f"/api/account/{account}/messaging/consumer/conversation"
        request = {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": account}}
        text = {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"}
        publish = {"kind": "req", "id": "1", "type": "ms.PublishEvent", "body": {"dialogId": "d", "event": text}}
        for refused in (
            http.post(base, params={"v": "3"}, headers=headers, json=[request]),
            http.post(f"{base}/send", params={"v": "3"}, headers=headers, json=publish),
        ):
            assert refused.status_code == 403, refused.text
            envelope = {k: refused.json()[k] for k in ("code", "body")}
            assert envelope == {"code": "FORBIDDEN", "body": {"msg": "Forbidden"}}
            assert refused.json()["mockcc"]["expected"] == {"Common.Async_Messaging": True}
        assert http.get(f"/_mockcc/accounts/{account}/conversations").json() == []
