"""Retry mechanism A: every 30 s on the mock clock, up to ``max_retries``, per event, then dropped."""

from __future__ import annotations

import asyncio
import threading

import pytest

from mockcc.clock import Clock
from mockcc.webhooks import WebhookDispatcher, fixed
from mockcc_contracts.receiver import Receiver, Reply
from tests.webhooks.helpers import CONTENT, T0, attempts, content, hook, outcomes, subscription

pytestmark = pytest.mark.anyio


async def test_schedule_is_exact_to_the_second(dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver) -> None:
    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=3)})
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    assert dispatcher.status()["installations"][0]["next_retry_at"] == T0 + 30
    for _ in range(4):
        clock.advance(29)
        assert await dispatcher.settle()
        clock.advance(1)
        assert await dispatcher.settle()
    assert [e["at"] for e in attempts(dispatcher)] == [T0, T0 + 30, T0 + 60, T0 + 90]
    assert [e["attempt"] for e in attempts(dispatcher)] == [1, 2, 3, 4]
    (dropped,) = outcomes(dispatcher, "dropped")
    assert (dropped["at"], dropped["reason"], dropped["attempt"]) == (T0 + 90, "retries exhausted", 4)
    assert len(receiver.requests) == 4
    status = dispatcher.status()["installations"][0]
    assert (status["mode"], status["state"], status["stored"], status["next_retry_at"]) == (
        "max_retries",
        None,
        0,
        None,
    )


async def test_retry_succeeds_and_later_events_overtake(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.script(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=2)})
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    clock.advance(10)
    dispatcher.publish(sub, content("c1", 1))
    assert await dispatcher.settle()
    clock.advance(20)
    assert await dispatcher.settle()
    sequences = [r.json()["body"]["changes"][0]["sequence"] for r in receiver.requests]
    assert sequences == [0, 1, 0]  # seq 1 overtook the retried seq 0
    assert [(e["sequence"], e["at"], e["outcome"]) for e in attempts(dispatcher)] == [
        (0, T0, "failed"),
        (1, T0 + 10, "delivered"),
        (0, T0 + 30, "delivered"),
    ]
    assert outcomes(dispatcher, "dropped") == []


async def test_default_max_retries_is_zero_and_five_is_the_cap(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(503)
    sub = subscription({CONTENT: hook(receiver.url("/none")), "x": {}})
    capped = subscription({CONTENT: hook(receiver.url("/many"), max_retries=9)}, client_id="other")
    dispatcher.publish(sub, content("c1", 0))
    dispatcher.publish(capped, content("c2", 0))
    assert await dispatcher.settle()
    for _ in range(7):
        clock.advance(30)
        assert await dispatcher.settle()
    assert len(receiver.on("/none")) == 1
    assert len(receiver.on("/many")) == 6  # 1 + max 5 retries
    assert {e["reason"] for e in outcomes(dispatcher, "dropped")} == {"max_retries 0", "retries exhausted"}


async def test_a_big_clock_jump_fires_the_overdue_retry_once(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=2)})
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    clock.advance(100)
    assert await dispatcher.settle()
    assert [e["at"] for e in attempts(dispatcher)] == [T0, T0 + 100]
    clock.advance(30)
    assert await dispatcher.settle()
    assert [e["at"] for e in attempts(dispatcher)] == [T0, T0 + 100, T0 + 130]


async def test_waiting_retries_are_capped_per_installation(clock: Clock, receiver: Receiver) -> None:
    receiver.set_default(500)
    dispatcher = WebhookDispatcher(clock, store_limit=2)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=5)})
    try:
        dispatcher.publish(sub, content("c1", 0))
        dispatcher.publish(sub, content("c1", 1))
        assert await dispatcher.settle()
        receiver.set_default(200)
        dispatcher.publish(sub, content("c1", 2))  # evicts the oldest waiting retry (seq 0)
        assert await dispatcher.settle()
        (dropped,) = outcomes(dispatcher, "dropped")
        assert (dropped["sequence"], dropped["reason"]) == (0, "store full")
        clock.advance(30)
        assert await dispatcher.settle()
        delivered = [e["sequence"] for e in outcomes(dispatcher, "delivered")]
        assert delivered == [2, 1]
        assert dispatcher.status()["limits"]["store_limit"] == 2
    finally:
        await dispatcher.aclose()


async def test_the_oldest_event_is_evicted_however_often_each_has_waited(clock: Clock, receiver: Receiver) -> None:
    """Events that failed several times (each wait a new entry among the victims) are evicted oldest
    first, one per new event over the cap, and the rest keep retrying."""
    receiver.set_default(500)
    dispatcher = WebhookDispatcher(clock, store_limit=3)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=5)})
    try:
        for sequence in range(3):
            dispatcher.publish(sub, content("c1", sequence))
        assert await dispatcher.settle()
        for _ in range(2):  # two more failed attempts each: every event has waited three times
            clock.advance(30)
            assert await dispatcher.settle()
        dispatcher.publish(sub, content("c1", 3))
        dispatcher.publish(sub, content("c1", 4))
        assert await dispatcher.settle()
        assert [(e["sequence"], e["reason"]) for e in outcomes(dispatcher, "dropped")] == [
            (0, "store full"),
            (1, "store full"),
        ]
        receiver.set_default(200)
        clock.advance(30)
        assert await dispatcher.settle()
        assert sorted(e["sequence"] for e in outcomes(dispatcher, "delivered")) == [2, 3, 4]
    finally:
        await dispatcher.aclose()


async def test_a_full_store_with_nothing_waiting_drops_the_new_event(
    clock: Clock, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the cap with every event on its first attempt (none waiting for a retry to evict), the new event
    is the one dropped, and the ones already held are all delivered once the connector answers. (The
    victim is looked up, not searched for: a scan of the 100,000 held events per new event slowed SEND
    from thousands a second to 44 while a connector lagged.)"""
    monkeypatch.setattr(fixed, "FIRST_ATTEMPTS", 1)
    answer = threading.Event()
    receiver.set_default(Reply(200, until=answer))
    dispatcher = WebhookDispatcher(clock, store_limit=2)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)})
    try:
        for sequence in range(3):  # 0 in flight, 1 queued behind it, 2 over the cap
            dispatcher.publish(sub, content("c1", sequence))
        (dropped,) = outcomes(dispatcher, "dropped")
        assert (dropped["sequence"], dropped["reason"]) == (2, "store full")
        answer.set()
        assert await dispatcher.settle()
        assert sorted(e["sequence"] for e in outcomes(dispatcher, "delivered")) == [0, 1]
    finally:
        answer.set()
        await dispatcher.aclose()


async def test_events_past_the_first_attempts_wait_without_a_task(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connector slower than the events: only FIRST_ATTEMPTS events hold a task, the rest wait in a
    plain queue (counted in ``queued``), and every one is still delivered once the connector answers."""
    monkeypatch.setattr(fixed, "FIRST_ATTEMPTS", 3)
    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)})
    tasks_before = len(asyncio.all_tasks())
    for sequence in range(10):
        dispatcher.publish(sub, content("c1", sequence))
    assert len(asyncio.all_tasks()) - tasks_before == 3
    totals = dispatcher.status()["totals"]
    assert (totals["in_flight"], totals["queued"]) == (3, 7)
    assert dispatcher.status()["installations"][0]["max_retries_detail"]["pending"] == 10
    assert await dispatcher.settle()  # every first attempt made (and failed), each waits for its retry
    assert dispatcher.status()["totals"]["queued"] == 0
    assert sorted(e["sequence"] for e in attempts(dispatcher)) == list(range(10))
    receiver.set_default(200)
    clock.advance(30)
    assert await dispatcher.settle()
    assert sorted(e["sequence"] for e in outcomes(dispatcher, "delivered")) == list(range(10))
