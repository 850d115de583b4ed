"""Scripted agents and faults chosen in the seed (config file), not through API calls."""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT, quiet_seed

SCRIPT = [
    {"join": True},
    {"expect": "hello"},
    {"read": True},
    {"typing": 1},
    {"say": "Welcome!"},
    {"rich": {"type": "vertical", "elements": [{"type": "text", "text": "Menu"}]}},
    {"wait": 5},
    {"close": True},
]


@pytest.fixture
def seed():
    return quiet_seed(agent={"type": "script", "steps": SCRIPT}, skill_agents={"42": "none"})


def _events(client, conv):
    return client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").json()


def test_script_agent_follows_its_steps_on_the_mock_clock(client, lp, ext_id):
    conv = lp.open(ext_id)
    client.post("/_mockcc/settle", json={})
    assert _events(client, conv)["conversationDetails"]["participants"][1]["role"] == "ASSIGNED_AGENT"
    lp.text(ext_id, conv, "Hello there")
    client.post("/_mockcc/clock/advance", json={"seconds": 1})
    view = _events(client, conv)
    kinds = [(e["event"]["type"], e["event"].get("status") or e["event"].get("message")) for e in view["events"]]
    assert kinds == [
        ("ContentEvent", "Hello there"),
        ("AcceptStatusEvent", "ACCEPT"),
        ("AcceptStatusEvent", "READ"),
        ("ContentEvent", "Welcome!"),
        ("RichContentEvent", None),
    ]
    assert view["conversationDetails"]["state"] == "OPEN"
    client.post("/_mockcc/clock/advance", json={"seconds": 5})
    assert _events(client, conv)["conversationDetails"]["closeReason"] == "AGENT"


def test_skill_override_silences_the_agent(client, lp, ext_id):
    conv = lp.open(ext_id, skillId="42")
    lp.text(ext_id, conv, "hello")
    client.post("/_mockcc/clock/advance", json={"seconds": 10})
    assert len(_events(client, conv)["conversationDetails"]["participants"]) == 1


def test_seeded_faults_fire_and_are_rearmed_by_reset(client, lp):
    client.post(
        "/_mockcc/seed",
        json={
            **quiet_seed(),
            "faults": [{"kind": "503", "count": 1, "scope": "idp"}],
            "webhook_faults": [{"endpoint": "http://127.0.0.1:9/hook", "kind": "drop", "count": 2}],
        },
    )

    def consumer():
        return client.post(
            f"/api/account/{ACCOUNT}/consumer?v=1.0",
            json={"ext_consumer_id": "x"},
            headers={"Authorization": lp.app_jwt()},
        ).status_code

    assert client.get("/_mockcc/webhooks/faults").json()["faults"][0]["kind"] == "drop"
    assert [consumer(), consumer()] == [503, 201]
    client.post("/_mockcc/reset", json={})
    assert [consumer(), consumer()] == [503, 201]


def test_a_config_with_an_unknown_key_is_refused(client):
    r = client.post("/_mockcc/seed", json={**quiet_seed(), "fautls": []})
    assert r.status_code == 400
    assert "fautls" in r.json()["mockcc"]["explanation"]
    r = client.post("/_mockcc/seed", json={"accounts": [{"account_id": "1", "agnet": "echo"}]})
    assert r.status_code == 400
    assert "agnet" in r.json()["mockcc"]["explanation"]
    r = client.post("/_mockcc/seed", json={**quiet_seed(), "faults": [{"kind": "999"}]})
    assert r.status_code == 400


def test_faults_in_the_config_are_armed_at_start(clock):
    from mockcc.app import create_app
    from mockcc.settings import Settings

    app = create_app(Settings(seed_doc={**quiet_seed(), "faults": [{"kind": "429", "count": 3}]}), clock=clock)
    assert app.state.mock.faults.list()[0]["kind"] == "429"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_script_can_live_in_a_yaml_or_json_file(clock, tmp_path, suffix):
    import json

    from starlette.testclient import TestClient

    from mockcc.app import create_app
    from mockcc.settings import Settings
    from tests.conftest import LP

    script = tmp_path / f"agent{suffix}"
    steps = [{"join": True}, {"say": "From a file"}, {"transfer": "-1"}]
    script.write_text(
        json.dumps(steps) if suffix == ".json" else "- join: true\n- say: From a file\n- transfer: '-1'\n"
    )
    settings = Settings(seed_doc=quiet_seed(), script_dir=tmp_path)
    with TestClient(create_app(settings, clock=clock), base_url="http://127.0.0.1") as client:
        seed = quiet_seed(agent={"type": "script", "file": script.name})
        assert client.post("/_mockcc/seed", json=seed).status_code == 200
        lp, ext_id = LP(client), "ext-file"
        _run_file_script(client, lp, ext_id)


def _run_file_script(client, lp, ext_id):
    conv = lp.open(ext_id)
    client.post("/_mockcc/settle", json={})
    view = _events(client, conv)
    assert [e["event"].get("message") for e in view["events"]] == ["From a file"]
    assert all(p["role"] != "ASSIGNED_AGENT" for p in view["conversationDetails"]["participants"])  # transferred


def test_a_bad_script_is_refused_at_seed_time(client, tmp_path):
    bad = quiet_seed(agent={"type": "script", "steps": [{"dance": True}]})
    r = client.post("/_mockcc/seed", json=bad)
    assert r.status_code == 400
    assert "steps[0]" in r.json()["mockcc"]["explanation"]
    missing = client.post("/_mockcc/seed", json=quiet_seed(agent={"type": "script", "file": str(tmp_path / "no.yaml")}))
    assert missing.status_code == 400


def test_bots_keep_no_per_conversation_state_once_done(client, lp, ext_id):
    import gc

    client.post("/_mockcc/seed", json=quiet_seed(agent="echo"))
    conv = lp.open(ext_id)
    lp.text(ext_id, conv, "hello")
    client.post("/_mockcc/clock/advance", json={"seconds": 1})
    assert _events(client, conv)["events"][-1]["event"]["message"] == "hello"
    gc.collect()
    assert len(client.app.state.mock.bots._locks) == 0
