"""The delivery log: entries kept as rows, read as full entries; ids, order and the cap."""

from __future__ import annotations

import gc
from typing import Any

from mockcc.webhooks.log import FIELDS, DeliveryLog
from mockcc.webhooks.model import Notification
from tests.webhooks.helpers import content, subscription


def test_an_entry_reads_back_whole_and_reading_it_changes_nothing() -> None:
    log, sub = DeliveryLog(10), subscription({})
    sent = (("Content-Type", "application/json"), ("X-Liveperson-Signature", "<redacted>"))
    entry_id = log.record(
        sub, content("c1", 7), "delivered", at=12.5, event_id=3, attempt=1, url="http://x/h", headers=sent, body="{}"
    )
    entry = log.get(entry_id)
    assert entry is not None
    assert list(entry) == list(FIELDS)
    assert entry["headers"] == dict(sent)
    assert (entry["id"], entry["sequence"], entry["conversation_id"], entry["event_id"]) == (1, 7, "c1", 3)
    assert (entry["account_id"], entry["client_id"]) == (sub.account_id, sub.client_id)
    entry["headers"]["X-Liveperson-Signature"] = "changed"
    assert log.entries() == [log.get(entry_id)]
    assert log.entries()[0]["headers"]["X-Liveperson-Signature"] == "<redacted>"
    unrouted = log.record(sub, Notification("k", "c2", {}, seq=9), "unrouted", at=13.0, event_id=None, reason="r")
    assert log.get(unrouted) == {
        **dict.fromkeys(FIELDS),
        "id": 2,
        "at": 13.0,
        "attempt": 0,
        "account_id": sub.account_id,
        "client_id": sub.client_id,
        "event_key": "k",
        "conversation_id": "c2",
        "sequence": 9,
        "outcome": "unrouted",
        "reason": "r",
    }
    assert log.outcomes == {"delivered": 1, "unrouted": 1}


def test_ids_order_and_the_cap() -> None:
    log, sub = DeliveryLog(3), subscription({})
    for n in range(5):
        log.record(sub, content(f"c{n}", n), "delivered" if n % 2 else "unrouted", at=float(n), event_id=n)
    entries = log.entries()
    assert [(e["id"], e["conversation_id"], e["outcome"]) for e in entries] == [
        (3, "c2", "unrouted"),
        (4, "c3", "delivered"),
        (5, "c4", "unrouted"),
    ]
    assert log.evicted == 2
    assert log.get(1) is None
    assert log.get(6) is None
    assert log.get(5) == entries[-1]
    assert log.entries(limit=1) == [entries[-1]]
    assert log.entries(limit=0) == []


def test_listeners_can_build_the_entry_when_they_want_it() -> None:
    heard: list[dict[str, Any]] = []
    log = DeliveryLog(10, [lambda made: heard.append(made())])
    log.record(subscription({}), content("c1", 2), "unrouted", at=1.0, event_id=None, reason="no endpoint")
    log.record(subscription({}), content("c2", 3), "delivered", at=2.0, event_id=1, body="{}", headers=(("a", "b"),))
    assert heard == log.entries()
    assert [e["reason"] for e in heard] == ["no endpoint", None]


def test_kept_entries_leave_the_cycle_collector_alone() -> None:
    """A full log is 10,000 entries: the collector must not rescan them on every pass (SEND's p99)."""
    log, sub = DeliveryLog(100), subscription({})
    gc.disable()  # no pass of its own between the records and the first check (it would untrack some early)
    try:
        for n in range(100):
            headers = (("Content-Type", "application/json"), ("X-Liveperson-Signature", f"sig{n}"))
            log.record(sub, content("c", n), "delivered", at=float(n), event_id=n, headers=headers, body="{}")
        rows = list(log._rows)
        assert all(gc.is_tracked(row) for row in rows)  # a new tuple is tracked until a pass looks at it
    finally:
        gc.enable()
    gc.collect()
    assert not any(gc.is_tracked(row) for row in rows)
