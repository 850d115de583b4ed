"""Where LivePerson is strict, the mock is too: a lenient mock lets a broken connector pass CI."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import ACCOUNT, CONVERSATION

APPS = f"/api/account/{ACCOUNT}/configuration/app-install/installations?v=1.0"
PROFILE = {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}}
REQUEST = {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}}


def _conversations(client) -> list[Any]:
    return client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json()


@pytest.mark.parametrize("version", ["2", "banana", "3.0", "03"])
@pytest.mark.parametrize("path", ["conversation", "conversation/send"])
def test_send_api_refuses_a_version_it_does_not_have(client, lp, ext_id, version, path):
    url = f"/api/account/{ACCOUNT}/messaging/consumer/{path}?v={version}"
    r = client.post(url, json=[PROFILE, REQUEST], headers=lp.headers(ext_id))
    assert r.status_code == 400
    assert r.json()["code"] == "BAD_REQUEST"
    assert r.json()["mockcc"] == {
        "explanation": f"v={version} is not a version this API has; LivePerson documents v=3",
        "path": "$query.v",
        "rule": "const",
        "expected": "3",
    }
    assert _conversations(client) == []


@pytest.mark.parametrize(
    ("batch", "path", "expected"),
    [
        ([REQUEST], "$[0].type", "userprofile.SetUserProfile"),
        ([REQUEST, PROFILE], "$[0].type", "userprofile.SetUserProfile"),
        ([PROFILE, PROFILE, REQUEST], "$[1].type", "cm.ConsumerRequestConversation"),
    ],
    ids=["no-profile", "profile-second", "profile-twice"],
)
def test_conversation_batch_needs_set_user_profile_first(client, lp, ext_id, batch, path, expected):
    headers = lp.headers(ext_id)
    before = client.get("/_mockcc/state").json()["accounts"][0]["consumers"]
    r = client.post(CONVERSATION, json=batch, headers=headers)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "BAD_REQUEST"
    assert body["mockcc"]["rule"] == "conversation-order"
    assert body["mockcc"]["path"] == path
    assert body["mockcc"]["expected"] == expected
    assert "mandatory, first" in body["mockcc"]["explanation"]
    assert _conversations(client) == []
    assert client.get("/_mockcc/state").json()["accounts"][0]["consumers"] == before  # no profile set either


def _admin(client) -> dict[str, str]:
    r = client.post(f"/api/account/{ACCOUNT}/login", json={"username": "admin", "password": "mockcc-admin"})
    return {"Authorization": "Bearer " + r.json()["bearer"]}


def _manifest(name: str, endpoint: str) -> dict[str, Any]:
    return {
        "client_name": name,
        "capabilities": {"webhooks": {"ms.MessagingEventNotification.ContentEvent": {"endpoint": endpoint}}},
    }


@pytest.mark.parametrize(
    "endpoint", ["http://example.com/hook", "http://10.0.0.1/hook", "http://localhost.example.com/hook"]
)
def test_plain_http_webhooks_are_refused_off_loopback(client, endpoint):
    admin = _admin(client)
    before = client.get(APPS, headers=admin).json()
    r = client.post(APPS, json=_manifest("plain", endpoint), headers=admin)
    assert r.status_code == 400
    assert r.json()["code"] == "BAD_REQUEST"
    key = "ms.MessagingEventNotification.ContentEvent"
    assert r.json()["mockcc"]["path"] == f"$.capabilities.webhooks['{key}'].endpoint"
    assert r.json()["mockcc"]["rule"] == "https"
    assert "LivePerson requires https://" in r.json()["mockcc"]["explanation"]
    assert client.get(APPS, headers=admin).json() == before


@pytest.mark.parametrize(
    "endpoint",
    ["http://127.0.0.1:9000/hook", "http://localhost:8443/x?y=1", "http://[::1]/hook", "https://a.example/h"],
)
def test_https_and_loopback_http_webhooks_are_accepted(client, endpoint):
    r = client.post(APPS, json=_manifest("ok-" + endpoint, endpoint), headers=_admin(client))
    assert r.status_code == 201, r.text


def test_a_duplicate_client_name_is_a_conflict(client):
    admin = _admin(client)
    first = client.post(APPS, json=_manifest("same", "https://a.example/h"), headers=admin)
    assert first.status_code == 201
    again = client.post(APPS, json=_manifest("same", "https://b.example/h"), headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "CONFLICT"
    assert again.json()["mockcc"]["rule"] == "unique"
    assert first.json()["client_id"] in again.json()["mockcc"]["explanation"]
    names = [app["client_name"] for app in client.get(APPS, headers=admin).json()]
    assert names.count("same") == 1

    other = client.post(APPS, json=_manifest("other", "https://c.example/h"), headers=admin).json()
    url = APPS.replace("?v=1.0", f"/{other['id']}?v=1.0")
    renamed = copy.deepcopy(other) | {"client_name": "same"}
    r = client.put(url, json=renamed, headers={**admin, "If-Match": "1"})
    assert r.status_code == 409
    keep = client.put(url, json=other, headers={**admin, "If-Match": "1"})  # its own name is not a conflict
    assert keep.status_code == 200, keep.text


@pytest.mark.parametrize(
    ("query", "allowed"),
    [
        ("outcome=refused", ["ok", "invalid", "rejected", "fault", "unmatched", "error"]),
        ("service=sendapi", ["csds", "sentinel", "idp", "conversation", "send", "appinstall", "agentvep", "swift"]),
    ],
)
def test_journal_filters_refuse_values_that_never_match(client, query, allowed):
    r = client.get(f"/_mockcc/journal?{query}")
    assert r.status_code == 400
    assert r.json()["code"] == "BAD_REQUEST"
    assert r.json()["mockcc"]["rule"] == "enum"
    assert set(allowed) <= set(r.json()["mockcc"]["expected"])
    for value in allowed:
        assert value in r.json()["mockcc"]["explanation"]


def test_an_unmatched_call_keeps_its_body_in_the_journal(client):
    r = client.post(f"/api/account/{ACCOUNT}/messaging/consumer/conversations?v=3", json=[{"id": "lost"}])
    assert r.status_code == 404
    call = client.get("/_mockcc/journal?service=unmatched").json()["calls"][-1]
    assert call["outcome"] == "unmatched"
    assert call["request_body"] == '[{"id":"lost"}]'


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"/api/account/{ACCOUNT}/service/baseURI.json?version=2.0"),
        ("get", f"/api/account/{ACCOUNT}/service/sentinel/baseURI?version="),
        ("get", f"/api/account/{ACCOUNT}/configuration/app-install/installations?v=2"),
        ("post", f"/api/account/{ACCOUNT}/consumer?v=banana"),
    ],
)
def test_every_api_refuses_an_undocumented_version(client, method, url):
    r = client.request(method, url, json={"ext_consumer_id": "x"})
    assert r.status_code == 400
    assert r.json()["mockcc"]["rule"] == "const"
    assert r.json()["mockcc"]["path"].startswith("$query.v")


def test_sentinel_refuses_an_undocumented_version(client):
    r = client.post(
        f"/sentinel/api/account/{ACCOUNT}/app/token?v=2.0&grant_type=client_credentials",
        data={"client_id": "a", "client_secret": "b"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert r.json()["mockcc"]["path"] == "$query.v"


@pytest.mark.parametrize(
    "url",
    [
        f"/sentinel/api/account/{ACCOUNT}/app/token?v=1.0&grant_type=client_credentials&client_id=x&client_secret=é",
        "/v1/AUTH_async-images/70000001/a.PNG?temp_url_sig=é&temp_url_expires=1",
    ],
)
def test_non_ascii_secrets_are_refused_not_a_crash(client, url):
    r = client.put(url, content=b"x") if "AUTH_async" in url else client.post(url)
    assert r.status_code == 401
