"""No secret leaks from what the mock records or shows, and one journal entry holds a bounded amount."""

from __future__ import annotations

import json

import pytest

from mockcc.journal import HEADER_BUDGET, HEADER_VALUE_KEPT
from tests.conftest import ACCOUNT, quiet_seed

HOOK = "ms.MessagingEventNotification.ContentEvent"
HOOK_SECRET = "Bearer hook-secret-0123456789"
HOOK_API_KEY = "api-key-9876543210"


@pytest.fixture
def seed():
    doc = quiet_seed()
    doc["accounts"][0]["installations"][0]["capabilities"]["webhooks"] = {
        HOOK: {
            "endpoint": "http://127.0.0.1:9/hook",  # nothing listens: every attempt fails, and is logged
            "headers": [
                {"header_name": "Authorization", "header_value": HOOK_SECRET},
                {"header_name": "X-Api-Key", "header_value": HOOK_API_KEY},
                {"header_name": "X-Tenant", "header_value": "tenant-7"},
            ],
        }
    }
    return doc


def _everything_shown(client) -> str:
    return "\n".join(
        client.get(path).text for path in ("/_mockcc/journal", "/_mockcc/state", "/_mockcc/webhooks/deliveries")
    )


def test_no_token_secret_or_credential_header_is_recorded(client, lp, ext_id):
    secrets: list[str] = [lp.secret, HOOK_SECRET, HOOK_API_KEY]
    secrets.append(lp.app_jwt())
    secrets.append(lp.jws(ext_id))
    login = client.post(f"/api/account/{ACCOUNT}/login?v=1.3", json={"username": "admin", "password": "mockcc-admin"})
    bearer = login.json()["bearer"]
    secrets += [bearer, "mockcc-admin"]
    manifest = {
        "client_name": "leaky",
        "capabilities": {
            "webhooks": {
                HOOK: {
                    "endpoint": "https://example.test/hook",
                    "headers": [{"header_name": "Authorization", "header_value": "Basic c2VjcmV0OnNlY3JldA=="}],
                }
            }
        },
    }
    created = client.post(
        f"/api/account/{ACCOUNT}/configuration/app-install/installations?v=1.0",
        json=manifest,
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert created.status_code == 201, created.text
    secrets += [created.json()["client_secret"], "c2VjcmV0OnNlY3JldA=="]
    conv = lp.open(ext_id)
    headers = {
        **lp.headers(ext_id),
        "Cookie": "session=cookie-secret-123",
        "Proxy-Authorization": "Basic proxy-secret-456",
    }
    secrets += ["cookie-secret-123", "proxy-secret-456"]
    client.post(
        f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send?v=3",
        json={
            "kind": "req",
            "id": "1",
            "type": "ms.PublishEvent",
            "body": {"dialogId": conv, "event": {"type": "ContentEvent", "contentType": "text/plain", "message": "x"}},
        },
        headers=headers,
    )
    client.post("/_mockcc/settle", json={})
    shown = _everything_shown(client)
    assert "tenant-7" in shown  # not everything is hidden: only credentials
    assert client.get("/_mockcc/webhooks/deliveries").json()["deliveries"], "no delivery was attempted"
    leaked = [s for s in secrets if s in shown]
    assert not leaked


def test_a_journal_entry_is_bounded(client):
    """Thousands of headers and a huge one (in-process: no server cap in front) are kept in bounded space."""
    raw = [(f"x-h{i}", "v" * 20) for i in range(3_000)] + [("x-big", "b" * 100_000)]
    r = client.get(f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0&q=" + "q" * 10_000, headers=raw)
    assert r.status_code == 200
    [entry] = client.get("/_mockcc/journal?service=csds").json()["calls"]
    kept = entry["request_headers"]
    assert sum(len(k) + len(v) for k, v in kept.items()) < HEADER_BUDGET + 200
    assert "more header(s) not kept" in kept["…"]
    assert len(json.dumps(entry)) < HEADER_BUDGET + 2 * 4096 + 4096
    assert all(len(v) <= HEADER_VALUE_KEPT + 1 for v in kept.values() if v is not kept["…"])


def test_the_seed_in_state_keeps_its_non_secret_headers(client):
    state = client.get("/_mockcc/state").json()
    [inst] = state["accounts"][0]["installations"]
    shown = {h["header_name"]: h["header_value"] for h in inst["capabilities"]["webhooks"][HOOK]["headers"]}
    assert shown == {"Authorization": "<redacted>", "X-Api-Key": "<redacted>", "X-Tenant": "tenant-7"}
    assert inst["client_secret"] == "<redacted>"
    # only the view is redacted: the installation itself still sends the real header
    [real] = client.app.state.mock.accounts[ACCOUNT].installations.values()
    assert real.app["capabilities"]["webhooks"][HOOK]["headers"][0]["header_value"] == HOOK_SECRET
