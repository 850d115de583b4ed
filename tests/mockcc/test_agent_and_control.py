"""The agent API's refusals, Send API faults on demand, the journal and the App Installation API."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from tests.conftest import ACCOUNT, LP, SEND, publish

AGENT = f"/_mockcc/accounts/{ACCOUNT}/conversations/{{}}/agent/{{}}"


def test_agent_must_join_before_writing(client, lp, ext_id):
    conv = lp.open(ext_id)
    r = client.post(AGENT.format(conv, "text"), json={"text": "hi"})
    assert r.status_code == 409
    assert r.json()["mockcc"]["rule"] == "agent-joined"


@pytest.mark.parametrize(
    ("action", "body", "path"),
    [
        ("chat-state", {"chatState": "DANCING"}, "$.chatState"),
        ("receipt", {"status": "READ", "sequenceList": [99]}, "$.sequenceList"),
        ("receipt", {"status": "READ"}, "$.sequenceList"),
        ("text", {"text": 5}, "$.text"),
        ("nope", {}, "$path.action"),
    ],
)
def test_agent_refusals_explain_themselves(client, lp, ext_id, action, body, path):
    conv = lp.open(ext_id)
    client.post(AGENT.format(conv, "join"), json={})
    r = client.post(AGENT.format(conv, action), json=body)
    assert r.status_code in (400, 404, 409)
    assert r.json()["mockcc"]["path"] == path


def test_agent_cannot_act_on_a_closed_conversation(client, lp, ext_id):
    conv = lp.open(ext_id)
    lp.close(ext_id, conv)
    r = client.post(AGENT.format(conv, "join"), json={})
    assert r.status_code == 409  # the consumer's SEND gets LivePerson's 400; the agent's chair, a conflict
    assert r.json()["mockcc"]["rule"] == "conversation-state"
    assert "closed" in r.json()["mockcc"]["explanation"]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("429", 429, "TOO_MANY_REQUESTS"), ("500", 500, None), ("503", 503, None), ("401", 401, None)],
)
def test_send_api_faults_fire_for_the_next_n_calls(client, lp, ext_id, kind, status, code):
    conv = lp.open(ext_id)
    headers = lp.headers(ext_id)
    client.post("/_mockcc/faults", json={"kind": kind, "count": 2, "scope": "send"})
    event = publish(conv, {"type": "ContentEvent", "contentType": "text/plain", "message": "x"})
    results = [client.post(SEND, json=event, headers=headers) for _ in range(3)]
    assert [r.status_code for r in results] == [status, status, 200]
    if code:
        assert results[0].json()["code"] == code
    if kind == "401":
        assert results[0].json()["body"]["errorCode"] == 40102
    assert results[2].json()["body"]["sequence"] == 0  # the faulted calls changed nothing
    faulted = client.get("/_mockcc/journal?outcome=fault").json()["calls"]
    assert [c["fault"] for c in faulted] == [kind, kind]


def test_probabilistic_faults_are_seeded(client, lp, ext_id):
    conv = lp.open(ext_id)
    headers = lp.headers(ext_id)
    client.post("/_mockcc/faults", json={"kind": "503", "probability": 0.5, "scope": "sendapi"})
    event = publish(conv, {"type": "ContentEvent", "contentType": "text/plain", "message": "x"})
    statuses = [client.post(SEND, json=event, headers=headers).status_code for _ in range(40)]
    assert 5 < statuses.count(503) < 35
    client.delete("/_mockcc/faults", headers={"content-type": "application/json"})
    assert client.post(SEND, json=event, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "doc",
    [
        {"kind": "418"},
        {"kind": "429", "count": 0},
        {"kind": "429", "scope": "x"},
        {"kind": "delay", "delay_seconds": 999},
        ["429"],
    ],
)
def test_bad_fault_definitions_are_refused(client, doc):
    r = client.post("/_mockcc/faults", json=doc)
    assert r.status_code == 400
    assert r.json()["mockcc"]["explanation"]
    assert client.get("/_mockcc/faults").json() == {"faults": []}


def test_reset_forgets_everything_but_the_seed(client, lp, ext_id):
    lp.open(ext_id)
    client.post("/_mockcc/faults", json={"kind": "429", "count": 5})
    client.post("/_mockcc/reset", json={})
    assert client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json() == []
    assert client.get("/_mockcc/faults").json() == {"faults": []}
    assert client.get("/_mockcc/journal").json()["calls"] == []


def test_seed_refuses_a_bad_document_and_keeps_the_old_state(client, lp, ext_id):
    lp.open(ext_id)
    r = client.post("/_mockcc/seed", json={"accounts": [{"account_id": "1", "agent": "robot"}]})
    assert r.status_code == 400
    assert "agent" in r.json()["mockcc"]["explanation"]
    assert len(client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json()) == 1


@pytest.mark.parametrize(
    ("account", "where"),
    [
        ({"account_id": True}, "account_id"),  # JSON's true is no account id (Python's bool is an int)
        ({"account_id": "1", "skill_agents": "echo"}, "skill_agents"),
        ({"account_id": "1", "installations": "app"}, "installations"),
        ({"account_id": "1", "installations": [{"client_id_issued_at": "yesterday"}]}, "client_id_issued_at"),
        ({"account_id": "1", "installations": [{"capabilities": 5}]}, "capabilities"),
        ({"account_id": "1", "agent": {"type": "script", "steps": [{"say": "hi", "close": True}]}}, "steps[0]"),
    ],
)
def test_a_seed_the_schema_refuses_is_a_400_naming_the_field_not_a_crash(client, account, where):
    """schemas/control/seed.json is the seed's contract: what it refuses is a 400 that names the field."""
    r = client.post("/_mockcc/seed", json={"accounts": [account]})
    assert r.status_code == 400
    assert where in r.json()["mockcc"]["explanation"]
    assert client.get("/_mockcc/health").json()["accounts"] == [ACCOUNT]


def test_a_control_body_of_whitespace_is_refused_and_an_empty_one_is_no_body(client):
    """schemathesis found "\r" taken as no body on /_mockcc/seed: it is not JSON, so it is a 400."""
    headers = {"Content-Type": "application/json"}
    assert client.post("/_mockcc/seed", content=b"\r", headers=headers).status_code == 400
    assert client.post("/_mockcc/settle", content=b" \n", headers=headers).status_code == 400
    assert client.post("/_mockcc/reset", content=b"", headers=headers).status_code == 200


def test_a_seed_the_schema_takes_is_taken(client):
    """The schema's valid examples are seeds the mock takes (the document and the code agree)."""
    from mockcc.schemas import schema_root

    for example in sorted((schema_root() / "examples/control/seed/valid").glob("*.json")):
        doc = json.loads(example.read_text(encoding="utf-8"))
        r = client.post("/_mockcc/seed", json=doc)
        assert r.status_code == 200, (example.name, r.json())


def test_journal_is_bounded(clock):
    from starlette.testclient import TestClient

    from mockcc.app import create_app
    from mockcc.settings import Settings

    with TestClient(create_app(Settings(journal_limit=3), clock=clock), base_url="http://127.0.0.1") as c:
        for _ in range(5):
            c.get(f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0")
        journal = c.get("/_mockcc/journal").json()
    assert len(journal["calls"]) == 3
    assert journal["dropped"] == 2
    assert journal["limit"] == 3


class TestAppInstallation:
    BASE: ClassVar[str] = f"/api/account/{ACCOUNT}/configuration/app-install/installations"
    MANIFEST: ClassVar[dict[str, Any]] = {
        "client_name": "Brand SMS connector",
        "description": "test",
        "grant_types": ["client_credentials"],
        "scope": "msg.consumer",
        "capabilities": {
            "webhooks": {
                "ms.MessagingEventNotification.ContentEvent": {
                    "endpoint": "http://127.0.0.1:9/hook",
                    "max_retries": 3,
                    "headers": [{"header_name": "A", "header_value": "b"}],
                },
                "cqm.ExConversationChangeNotification": {"endpoint": "https://example.test/hook"},
                "retry": {"retention_time": 3600},
            }
        },
    }

    def _bearer(self, client):
        r = client.post(f"/api/account/{ACCOUNT}/login?v=1.3", json={"username": "admin", "password": "mockcc-admin"})
        assert r.status_code == 200, r.text
        assert r.json()["csdsCollectionResponse"]["baseURIs"]
        return {"Authorization": "Bearer " + r.json()["bearer"]}

    def test_crud_with_revisions_and_new_credentials(self, client):
        auth = self._bearer(client)
        created = client.post(self.BASE + "?v=1.0", json=self.MANIFEST, headers=auth)
        assert created.status_code == 201, created.text
        app = created.json()
        assert len(app["client_secret"]) == 26
        assert app["id"] == app["client_id"]
        assert created.headers["ac-revision"] == "1"
        warnings = client.get("/_mockcc/journal?service=appinstall").json()["calls"][-1]["warnings"]
        assert any("plain http" in w for w in warnings)
        LP(client, ACCOUNT, app["client_id"], app["client_secret"]).app_jwt()  # Sentinel accepts the new app
        listed = client.get(self.BASE + "?v=1.0", headers=auth).json()
        assert app["client_id"] in [a["client_id"] for a in listed]
        got = client.get(f"{self.BASE}/{app['id']}?v=1.0", headers=auth)
        assert got.json() == app
        stale = client.put(
            f"{self.BASE}/{app['id']}?v=1.0", json={**app, "enabled": False}, headers={**auth, "If-Match": "0"}
        )
        assert stale.status_code == 409
        updated = client.put(
            f"{self.BASE}/{app['id']}?v=1.0",
            json={**self.MANIFEST, "enabled": False},
            headers={**auth, "If-Match": "1", "X-HTTP-Method-Override": "PUT"},
        )
        assert updated.status_code == 200, updated.text
        assert updated.headers["ac-revision"] == "2"
        assert updated.json()["client_secret"] == app["client_secret"]
        disabled = client.post(
            f"/sentinel/api/account/{ACCOUNT}/app/token?v=1.0&grant_type=client_credentials",
            data={"client_id": app["client_id"], "client_secret": app["client_secret"]},
        )
        assert disabled.status_code == 401
        assert client.delete(f"{self.BASE}/{app['id']}?v=1.0", headers={**auth, "If-Match": "2"}).status_code == 204
        assert client.get(f"{self.BASE}/{app['id']}?v=1.0", headers=auth).status_code == 404

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"client_name": None}, "$"),
            (
                {
                    "capabilities": {
                        "webhooks": {
                            "ms.MessagingEventNotification.ContentEvent": {
                                "endpoint": "https://x.test",
                                "max_retries": 6,
                            }
                        }
                    }
                },
                "$.capabilities.webhooks",
            ),
            ({"capabilities": {"webhooks": {"retry": {"retention_time": 1}}}}, "$.capabilities.webhooks.retry"),
            ({"capabilities": {"webhooks": {"ms.Unknown": {"endpoint": "https://x.test"}}}}, "$.capabilities.webhooks"),
        ],
    )
    def test_manifests_are_validated(self, client, change, path):
        auth = self._bearer(client)
        manifest = {k: v for k, v in {**self.MANIFEST, **change}.items() if v is not None}
        r = client.post(self.BASE + "?v=1.0", json=manifest, headers=auth)
        assert r.status_code == 400, r.text
        assert r.json()["mockcc"]["path"].startswith(path)

    def test_needs_a_bearer(self, client):
        assert client.get(self.BASE + "?v=1.0").status_code == 401
        assert client.get(self.BASE + "?v=1.0", headers={"Authorization": "Bearer nope"}).status_code == 401
        bad = client.post(f"/api/account/{ACCOUNT}/login", json={"username": "admin", "password": "x"})
        assert bad.status_code == 401


def test_delay_fault_holds_the_answer_on_the_mock_clock(ext_id):
    import time

    from starlette.testclient import TestClient

    from mockcc.app import create_app
    from mockcc.settings import Settings
    from tests.conftest import quiet_seed

    with TestClient(
        create_app(Settings(seed_doc=quiet_seed())), base_url="http://127.0.0.1"
    ) as client:  # wall-time clock
        lp = LP(client)
        conv = lp.open(ext_id)
        client.post("/_mockcc/faults", json={"kind": "delay", "delay_seconds": 0.3, "scope": "send"})
        started = time.monotonic()
        assert lp.text(ext_id, conv, "slow").status_code == 200
        assert time.monotonic() - started >= 0.3
        assert client.get("/_mockcc/journal?outcome=fault").json()["calls"][0]["fault"] == "delay"


def test_fault_rules_are_capped(client):
    from mockcc.faults import MAX_RULES

    for _ in range(MAX_RULES):
        assert client.post("/_mockcc/faults", json={"kind": "429", "count": 1}).status_code == 201
    r = client.post("/_mockcc/faults", json={"kind": "429", "count": 1})
    assert r.status_code == 400
    assert "at most" in r.json()["mockcc"]["explanation"]
