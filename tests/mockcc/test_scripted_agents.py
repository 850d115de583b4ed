"""Scripted agents chosen in the seed (config file), not through API calls."""

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
    return quiet_seed(
        agent={"type": "script", "steps": SCRIPT},
        skill_agents={"42": "none"},
        faults=[{"kind": "503", "count": 1, "scope": "idp"}],
    )


def _events(client, conv):
    return client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").json()


def test_script_agent_follows_its_steps_on_the_mock_clock(client, lp, ext_id):
    conv = lp.open(ext_id)
    client.post("/_mockcc/settle")
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
