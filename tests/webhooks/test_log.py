"""The delivery log: entries of events never sent are kept as their parts and read as full entries."""

from __future__ import annotations

from typing import Any

from mockcc.webhooks.log import DeliveryLog
from mockcc.webhooks.model import Notification
from tests.webhooks.helpers import content, subscription


def test_a_brief_entry_reads_like_a_recorded_one() -> None:
    sub, note = subscription({}), content("c1", 7)
    recorded, brief = DeliveryLog(10), DeliveryLog(10)
    expected = recorded.record(sub, note, "unrouted", at=12.5, event_id=None, reason="no endpoint for event key")
    brief.brief(sub, note, "unrouted", at=12.5, reason="no endpoint for event key")
    assert brief.entries() == recorded.entries() == [expected]
    assert brief.get(1) == expected
    assert expected["sequence"] == 7
    assert brief.outcomes == recorded.outcomes


def test_brief_and_full_entries_share_ids_order_and_the_cap() -> None:
    log, sub = DeliveryLog(3), subscription({})
    for n in range(5):
        if n % 2:
            log.record(sub, content(f"c{n}", n), "delivered", at=float(n), event_id=n, body="{}")
        else:
            log.brief(sub, Notification("k", f"c{n}", {}, seq=n), "unrouted", at=float(n), reason="r")
    entries = log.entries()
    assert [(e["id"], e["conversation_id"], e["outcome"]) for e in entries] == [
        (3, "c2", "unrouted"),
        (4, "c3", "delivered"),
        (5, "c4", "unrouted"),
    ]
    assert log.evicted == 2
    assert log.get(1) is None
    assert log.get(5) == entries[-1]
    assert log.entries(limit=1) == [entries[-1]]


def test_listeners_can_build_the_entry_when_they_want_it() -> None:
    heard: list[dict[str, Any]] = []
    log = DeliveryLog(10, [lambda made: heard.append(made())])
    log.brief(subscription({}), content("c1", 2), "unrouted", at=1.0, reason="no endpoint for event key")
    log.record(subscription({}), content("c2", 3), "delivered", at=2.0, event_id=1, body="{}")
    assert heard == log.entries()
    assert [e["reason"] for e in heard] == ["no endpoint for event key", None]
