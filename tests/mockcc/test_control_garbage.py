"""The control plane refuses garbage with an explanation, never a 500 (a console and scripts drive it)."""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT

GARBAGE = [
    b"",
    b"{",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b'{"seconds": "ten"}',
    b'{"kind": null}',
    b'{"text": {"deep": [1, 2]}, "chatState": 7, "sequenceList": "0", "content": [], "skillId": {}}',
    b'{"accounts": "nope"}',
    b'{"accounts": [{"account_id": {}}]}',
    b'{"endpoint": 5, "kind": "drop"}',
    b'{"endpoint": "http://x", "kind": "teleport"}',
    b'{"survey": "yes"}',
    b"\xff\xfe",
]

ACTIONS = ["join", "chat-state", "receipt", "text", "note", "rich-content", "file", "transfer", "close", "system-close"]


@pytest.fixture
def conversation(lp, ext_id):
    return lp.open(ext_id)


def _paths(conversation):
    agent = f"/_mockcc/accounts/{ACCOUNT}/conversations/{conversation}/agent/"
    return [
        "/_mockcc/reset",
        "/_mockcc/seed",
        "/_mockcc/clock/advance",
        "/_mockcc/faults",
        "/_mockcc/webhooks/faults",
        *(agent + action for action in ACTIONS),
    ]


@pytest.mark.parametrize("body", GARBAGE, ids=lambda b: b[:20].decode("latin-1") or "empty")
def test_no_garbage_body_makes_a_500(client, conversation, body):
    for path in _paths(conversation):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code < 500, (path, r.text)
        if r.status_code >= 400:
            assert r.json()["mockcc"]["explanation"], path


@pytest.mark.parametrize("query", ["limit=x", "limit=-1", "since_id=abc", "service=%00", "limit=99999999999999999999"])
def test_no_garbage_query_makes_a_500(client, query):
    for path in ["/_mockcc/journal", "/_mockcc/webhooks/deliveries"]:
        assert client.get(f"{path}?{query}").status_code < 500


@pytest.mark.parametrize(
    ("path", "body", "rule", "explanation"),
    [
        ("/_mockcc/faults", {"kind": "teleport"}, "control", "fault kind must be one of"),
        ("/_mockcc/webhooks/faults", {"endpoint": "http://x/h", "kind": "teleport"}, "webhook-fault", "kind must be"),
        ("/_mockcc/webhooks/faults", {"kind": "drop"}, "required", "endpoint (the webhook URL"),
        ("/_mockcc/seed", {"accounts": [{"account_id": "1"}], "faults": 5}, "control", "the seed's faults must be"),
        (
            "/_mockcc/seed",
            {"accounts": [{"account_id": "1"}], "webhook_faults": [{"endpoint": "http://x/h", "kind": "x"}]},
            "control",
            "the seed's webhook_faults are invalid: kind must be",
        ),
    ],
)
def test_both_fault_parsers_refuse_alike(client, path, body, rule, explanation):
    """Send API and webhook faults are parsed by one convention: a ConfigError, a 400 that says why."""
    r = client.post(path, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "BAD_REQUEST"
    assert r.json()["mockcc"]["rule"] == rule
    assert r.json()["mockcc"]["explanation"].startswith(explanation)
    assert client.get("/_mockcc/webhooks/faults").json()["faults"] == []
    assert client.get("/_mockcc/faults").json()["faults"] == []
