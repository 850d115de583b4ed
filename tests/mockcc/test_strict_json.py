"""Strict JSON everywhere: NaN, infinities, overflowing numbers, duplicate keys and runaway nesting are
refused with a 400 and an explanation before anything is stored, and no control call can poison state."""

from __future__ import annotations

import pytest

from mockcc.strictjson import MAX_DEPTH
from tests.conftest import ACCOUNT, CONVERSATION, SEND

JSON_CTYPE = {"content-type": "application/json"}
AGENT = f"/_mockcc/accounts/{ACCOUNT}/conversations/{{}}/agent/{{}}"


def _nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


# (id, a JSON value or fragment put where a value goes, the rule named in the explanation)
POISON = [
    ("nan", "NaN", "json-number"),
    ("infinity", "Infinity", "json-number"),
    ("minus-infinity", "-Infinity", "json-number"),
    ("overflow", "1e999999", "json-number"),
    ("huge-int", str(2**64), "json-number"),
    ("too-deep", _nested(MAX_DEPTH + 1), "json-depth"),
    ("recursion-deep", "[" * 5000 + "]" * 5000, "json-depth"),
]


def _snapshot(client):
    state = client.get("/_mockcc/state")
    assert state.status_code == 200, state.text
    return state.json()["accounts"]


def _assert_healthy(client, lp, ext_id):
    """Everything a later call touches still answers: clock, state, reset, Sentinel, CONVERSATION."""
    assert client.get("/_mockcc/clock").status_code == 200
    assert client.get("/_mockcc/state").status_code == 200
    assert client.get("/_mockcc/webhooks/faults").status_code == 200
    assert client.get("/_mockcc/webhooks/status").status_code == 200
    lp.open(ext_id + "-after")  # Sentinel, IdP and CONVERSATION
    assert client.post("/_mockcc/reset", json={}).status_code == 200


def _liveperson_bodies(conv: str, value: str) -> list[tuple[str, str]]:
    return [
        (
            CONVERSATION,
            '[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{"imei":' + value + "}},"
            '{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"' + ACCOUNT + '"}}]',
        ),
        (
            SEND,
            '{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"' + conv + '","event":'
            '{"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":"x",'
            '"tooltip":' + value + "}]}}}}",
        ),
        (f"/api/account/{ACCOUNT}/consumer?v=1.0", '{"ext_consumer_id":"x","n":' + value + "}"),
    ]


@pytest.mark.parametrize(("value", "rule"), [p[1:] for p in POISON], ids=[p[0] for p in POISON])
def test_liveperson_paths_refuse_poison_with_a_400_and_store_nothing(client, lp, ext_id, value, rule):
    conv = lp.open(ext_id)
    before = _snapshot(client)
    for path, body in _liveperson_bodies(conv, value):
        r = client.post(path, content=body, headers={**lp.headers(ext_id), "content-type": "application/json"})
        assert r.status_code == 400, (path, r.text)
        assert r.json()["code"] == "BAD_REQUEST"
        assert r.json()["body"] == {"msg": "Bad Request"}
        assert r.json()["mockcc"]["rule"] == rule, r.json()
        assert r.json()["mockcc"]["explanation"]
    assert _snapshot(client) == before
    refused = client.get("/_mockcc/journal?outcome=invalid").json()["calls"]
    assert len(refused) == 3
    _assert_healthy(client, lp, ext_id)


def test_duplicate_keys_are_refused_not_last_wins(client, lp, ext_id):
    conv = lp.open(ext_id)
    before = _snapshot(client)
    body = (
        '{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"' + conv + '","event":'
        '{"type":"ContentEvent","contentType":"text/plain","message":"a","message":"b"}}}'
    )
    r = client.post(SEND, content=body, headers={**lp.headers(ext_id), "content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["mockcc"]["rule"] == "json-duplicate-key"
    assert "'message'" in r.json()["mockcc"]["explanation"]
    assert _snapshot(client) == before


def test_nesting_at_the_limit_is_accepted_and_renders(client, lp, ext_id):
    """The deepest document accepted must survive validation and every later rendering of state."""
    body = (
        '[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{"deep":' + _nested(MAX_DEPTH - 4) + "}},"
        '{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"' + ACCOUNT + '"}}]'
    )
    r = client.post(CONVERSATION, content=body, headers={**lp.headers(ext_id), "content-type": "application/json"})
    assert r.status_code == 200, r.text
    _assert_healthy(client, lp, ext_id)


def test_client_properties_header_is_strict_too(client, lp, ext_id):
    lp.open(ext_id)
    headers = {**lp.headers(ext_id), "Client-Properties": '{"features": ["PHOTO_SHARING"], "x": NaN}'}
    r = client.post(CONVERSATION, json=[], headers=headers)
    assert r.status_code == 400
    assert r.json()["mockcc"]["rule"] == "json-number"


CONTROL_CALLS = [
    ("/_mockcc/reset", '{"accounts": [{"account_id": "1", "n": VALUE}]}'),
    ("/_mockcc/seed", '{"accounts": [{"account_id": "1", "n": VALUE}]}'),
    ("/_mockcc/clock/advance", '{"seconds": VALUE}'),
    ("/_mockcc/faults", '{"kind": "delay", "delay_seconds": VALUE}'),
    ("/_mockcc/webhooks/faults", '{"endpoint": "http://127.0.0.1:9/h", "kind": "delay", "delay_seconds": VALUE}'),
    (AGENT, '{"text": "hi", "quickReplies": {"type": "quickReplies", "itemsPerRow": VALUE, "replies": []}}'),
]


@pytest.mark.parametrize(("value", "rule"), [p[1:] for p in POISON], ids=[p[0] for p in POISON])
def test_control_plane_refuses_poison_in_its_own_envelope(client, lp, ext_id, value, rule):
    conv = lp.open(ext_id)
    client.post(AGENT.format(conv, "join"), json={})
    before = _snapshot(client)
    for path, body in CONTROL_CALLS:
        r = client.post(
            path.format(conv, "text"),
            content=body.replace("VALUE", value),
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 400, (path, r.text)
        assert r.json()["mockcc"]["rule"] == rule, (path, r.json())
        assert r.json()["mockcc"]["explanation"]
    assert _snapshot(client) == before
    assert client.get("/_mockcc/faults").json()["faults"] == []
    assert client.get("/_mockcc/webhooks/faults").json()["faults"] == []
    _assert_healthy(client, lp, ext_id)


@pytest.mark.parametrize("seconds", ["1e308", "-1", '"10"', "true", "315360001", "null"])
def test_clock_advance_out_of_range_is_refused_and_the_clock_keeps_working(client, lp, ext_id, seconds):
    before = client.get("/_mockcc/clock").json()
    r = client.post(
        "/_mockcc/clock/advance", content='{"seconds": ' + seconds + "}", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert r.json()["mockcc"]["path"] == "$.seconds"
    assert client.get("/_mockcc/clock").json() == before
    _assert_healthy(client, lp, ext_id)


def test_the_clock_total_offset_is_bounded(client):
    ten_years = 10 * 365 * 86_400
    for _ in range(10):
        assert client.post("/_mockcc/clock/advance", json={"seconds": ten_years}).status_code == 200
    r = client.post("/_mockcc/clock/advance", json={"seconds": ten_years})
    assert r.status_code == 409  # a valid call the state refuses: a conflict (the schema bounds each call)
    assert r.json()["mockcc"]["rule"] == "clock-offset"
    assert client.get("/_mockcc/clock").json()["offset"] == 10 * ten_years  # nothing moved


@pytest.mark.parametrize("delay", ["1e308", "-1", '"nan"', '"5"', "86401"])
def test_webhook_fault_delay_out_of_range_is_refused(client, delay):
    body = '{"endpoint": "http://127.0.0.1:9/h", "kind": "delay", "delay_seconds": ' + delay + "}"
    r = client.post("/_mockcc/webhooks/faults", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["mockcc"]["explanation"]
    assert client.get("/_mockcc/webhooks/faults").json()["faults"] == []
    assert client.get("/_mockcc/webhooks/status").status_code == 200


@pytest.mark.parametrize("doc", ['{"kind": "delay", "delay_seconds": 1e308}', '{"kind": "429", "count": true}'])
def test_send_api_fault_numbers_are_checked(client, doc):
    r = client.post("/_mockcc/faults", content=doc, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert client.get("/_mockcc/faults").json()["faults"] == []


def test_a_yaml_config_is_held_to_strict_json(tmp_path):
    from mockcc.config import read_seed_file
    from mockcc.errors import MockccError

    for text in ["accounts: []\nx: .nan\n", "accounts: []\nx: .inf\n", "accounts: []\nwhen: 2024-01-01\n"]:
        path = tmp_path / "seed.yaml"
        path.write_text(text)
        with pytest.raises(MockccError, match="strict JSON"):
            read_seed_file(path)
