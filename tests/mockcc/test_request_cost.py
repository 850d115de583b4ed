"""The work one request can cause is bounded before any schema runs: values counted on the text,
large invalid documents explained by the fast validator, event streams capped in bytes."""

from __future__ import annotations

import json

import pytest

from mockcc import schemas, strictjson
from mockcc.console.hub import HELD_BYTES, Hub
from tests.conftest import ACCOUNT, CONVERSATION


def _profile(sdes: int) -> list[dict]:
    lp_sdes = [{"type": "ctmrinfo", "info": {"ctype": "vip", "customerId": f"c{i}"}} for i in range(sdes)]
    return [
        {
            "kind": "req",
            "id": "1",
            "type": "userprofile.SetUserProfile",
            "body": {"authenticatedData": {"lp_sdes": lp_sdes}},
        },
        {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}},
    ]


def test_a_document_with_too_many_values_is_refused_before_it_is_parsed():
    ok = "[" + ",".join(["1"] * (strictjson.MAX_VALUES - 1)) + "]"  # the array itself is a value too
    assert len(strictjson.loads(ok)) == strictjson.MAX_VALUES - 1  # type: ignore[arg-type]
    with pytest.raises(strictjson.JsonRefused) as refused:
        strictjson.loads("[" + ",".join(["{}"] * (strictjson.MAX_VALUES + 1)) + "]")
    assert refused.value.rule == "json-values"
    text_with_commas = json.dumps({"message": "," * 10_000})  # counted, but well under the cap
    assert strictjson.loads(text_with_commas) == {"message": "," * 10_000}


def test_conversation_with_15000_sdes_is_refused_before_the_schema(client, lp, ext_id, monkeypatch):
    body = json.dumps(_profile(15_000), separators=(",", ":")).encode()  # 717 KiB, as in the issue
    assert 600_000 < len(body) < client.app.state.mock.settings.body_limit
    monkeypatch.setattr(schemas, "validate", lambda *_: pytest.fail("the schema ran"))
    r = client.post(CONVERSATION, content=body, headers={**lp.headers(ext_id), "content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["mockcc"]["rule"] == "json-values"
    assert client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json() == []


def test_a_large_invalid_document_is_explained_without_the_slow_validator(monkeypatch):
    doc = _profile(1_000)
    doc[0]["body"]["authenticatedData"]["lp_sdes"][-1] = {"type": "ctmrinfo"}  # no info: invalid
    monkeypatch.setattr(schemas, "_validator", lambda *_: pytest.fail("the slow validator ran"))
    violation = schemas.validate("sendapi/conversation-request", doc)
    assert violation is not None
    assert violation.path == "$[0].body.authenticatedData.lp_sdes[999]"
    assert violation.rule == "required"
    assert "info" in violation.message


def test_a_small_invalid_document_keeps_the_detailed_explanation():
    doc = _profile(3)
    doc[0]["body"]["authenticatedData"]["lp_sdes"][-1] = {"type": "ctmrinfo"}
    violation = schemas.validate("sendapi/conversation-request", doc)
    assert violation is not None
    assert violation.message == "$[0].body.authenticatedData.lp_sdes[2] is missing required property 'info'"


@pytest.mark.anyio
async def test_a_stuck_stream_holds_and_writes_a_bounded_number_of_bytes():
    """32 consoles that never read, 3,000 journal calls of ~8 KiB each: what each holds, and the one
    chunk each joins when it wakes, stays under the byte cap (it was every frame its lanes kept)."""
    hub = Hub()
    stuck = [hub.subscribe() for _ in range(32)]
    big = {"request_headers": {"x-padding": "p" * 8_000}}
    for n in range(3_000):
        hub.publish("journal", {"id": n, **big})
    hub.publish("event", {"n": "latest"})
    chunks = []
    for subscriber in stuck:
        assert subscriber is not None
        assert subscriber.held <= HELD_BYTES
        chunks.append(subscriber.batch())
    assert all(len(chunk) <= HELD_BYTES + 200 for chunk in chunks)
    assert all(chunk.endswith(b'"panels":["journal"]}\n\n') for chunk in chunks)  # told to reload the journal
    assert all(b'"latest"' in chunk for chunk in chunks)  # the newest frames are the ones kept
    assert all(s is not None and s.held == 0 for s in stuck)


def test_limits_list_every_cap_the_new_ones_included(client):
    limits = client.get("/_mockcc/limits").json()
    assert limits["request"]["json_values"] == strictjson.MAX_VALUES
    assert limits["request"]["body_bytes"] == 1 << 20
    assert limits["request"]["explained_values"] == schemas.EXPLAIN_VALUES
    assert limits["console"]["bytes_held_per_stream"] == HELD_BYTES
    assert limits["console"]["streams_limit"] == 32
    assert limits["journal"]["entry_body_bytes"] == 4096
    assert limits["login_sessions"] == {
        "limit": 1000,
        "kept": 0,
        "evicted": 0,
        "overload": limits["login_sessions"]["overload"],
    }
    assert all("overload" in section for section in limits.values() if isinstance(section, dict))
