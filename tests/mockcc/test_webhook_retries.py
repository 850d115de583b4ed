"""Retry semantics through the mock itself: the control plane moves the clock, the log shows the schedule."""

from __future__ import annotations

import pytest

from mockcc_contracts.receiver import Receiver
from tests.conftest import ACCOUNT, quiet_seed

KEYS = ("ms.MessagingEventNotification.ContentEvent", "cqm.ExConversationChangeNotification")


@pytest.fixture
def hook():
    with Receiver() as receiver:
        yield receiver


def _seed(hook, **retry):
    doc = quiet_seed()
    hooks = {
        key: {"endpoint": hook.url("/lp"), **({"max_retries": retry["max_retries"]} if "max_retries" in retry else {})}
        for key in KEYS
    }
    if "retention_time" in retry:
        hooks["retry"] = {"retention_time": retry["retention_time"]}
    doc["accounts"][0]["installations"][0]["capabilities"] = {"webhooks": hooks}
    return doc


def _attempts(client):
    return client.get("/_mockcc/webhooks/deliveries").json()["deliveries"]


def test_max_retries_every_30_seconds_then_dropped(client, lp, hook, clock):
    client.post("/_mockcc/reset", json=_seed(hook, max_retries=2))
    hook.set_default(500)
    t0 = clock.now()
    lp.open("c1")
    client.post("/_mockcc/settle", json={})
    for _ in range(3):
        client.post("/_mockcc/clock/advance", json={"seconds": 30})
    attempts = [d for d in _attempts(client) if d["status"] is not None]
    assert [round(d["at"] - t0) for d in attempts] == [0, 30, 60]
    assert _attempts(client)[-1]["outcome"] == "dropped"
    assert len(hook.requests) == 3


def test_retention_mode_replays_in_order_after_an_outage(client, lp, hook, clock):
    client.post("/_mockcc/reset", json=_seed(hook, retention_time=3600))
    hook.set_default(503)
    conv = lp.open("c1")
    client.post("/_mockcc/settle", json={})
    for text in ("one", "two", "three"):
        lp.text("c1", conv, text)
    client.post("/_mockcc/settle", json={})
    status = client.get("/_mockcc/webhooks/status").json()
    assert "FAILED" in str(status)
    for gap in (2, 4, 8):
        client.post("/_mockcc/clock/advance", json={"seconds": gap})
    hook.set_default(200)
    client.post("/_mockcc/clock/advance", json={"seconds": 16})
    client.post("/_mockcc/clock/advance", json={"seconds": 10})
    delivered = [r.json() for r in hook.requests if r.status == 200]
    texts = [
        b["body"]["changes"][0]["event"]["message"] for b in delivered if b["type"] == "ms.MessagingEventNotification"
    ]
    assert texts == ["one", "two", "three"]
    assert delivered[0]["type"] == "cqm.ExConversationChangeNotification"
    assert "UP" in str(client.get("/_mockcc/webhooks/status").json()) or "RECOVERED" in str(
        client.get("/_mockcc/webhooks/status").json()
    )
    assert ACCOUNT in str(client.get("/_mockcc/webhooks/status").json())
