"""Faults on demand: drop, delay, duplicate, reorder, corrupt_signature; seeded and counted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockcc.clock import Clock
from mockcc.errors import ConfigError
from mockcc.webhooks import WebhookDispatcher, WebhookFault, verify
from mockcc_contracts.receiver import Receiver
from tests.webhooks.helpers import (
    CHAT,
    CONTENT,
    SECRET,
    T0,
    attempts,
    chat_state,
    content,
    hook,
    outcomes,
    subscription,
)

pytestmark = pytest.mark.anyio


def sequences(receiver: Receiver) -> list[int]:
    return [r.json()["body"]["changes"][0]["sequence"] for r in receiver.requests]


async def test_drop_loses_the_event_without_retry(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    url = receiver.url("/h")
    dispatcher.set_fault(url, WebhookFault("drop", count=1))
    sub = subscription({CONTENT: hook(url, max_retries=3)})
    dispatcher.publish(sub, content("A", 0))
    dispatcher.publish(sub, content("A", 1))
    assert await dispatcher.settle()
    clock.advance(30)
    assert await dispatcher.settle()
    assert sequences(receiver) == [1]
    (fired,) = outcomes(dispatcher, "fault:drop")
    assert (fired["sequence"], fired["fault"], fired["status"], fired["at"]) == (0, "drop", None, T0)
    assert dispatcher.faults() == []  # count used up


async def test_delay_holds_the_delivery_on_the_mock_clock(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    url = receiver.url("/h")
    dispatcher.set_fault(url, WebhookFault("delay", delay_seconds=10))
    sub = subscription({CONTENT: hook(url)})
    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    assert receiver.requests == []
    assert dispatcher.status()["next_due_at"] == T0 + 10
    clock.advance(9.5)
    assert await dispatcher.settle()
    assert receiver.requests == []
    clock.advance(0.5)
    assert await dispatcher.settle()
    assert sequences(receiver) == [0]
    assert [(e["outcome"], e["at"]) for e in dispatcher.deliveries()] == [("fault:delay", T0), ("delivered", T0 + 10)]


async def test_duplicate_sends_the_same_signed_bytes_twice(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    url = receiver.url("/h")
    dispatcher.set_fault(url, WebhookFault("duplicate", count=1))
    sub = subscription({CONTENT: hook(url)})
    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    first, second = receiver.wait_for(2)
    assert first.body == second.body
    assert first.header("x-liveperson-signature") == second.header("x-liveperson-signature")
    assert [e["outcome"] for e in attempts(dispatcher)] == ["delivered", "fault:duplicate"]


async def test_reorder_sends_the_held_event_after_the_next_one(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    url = receiver.url("/h")
    dispatcher.set_fault(url, WebhookFault("reorder", count=1))
    sub = subscription({CONTENT: hook(url)}, retention=3600)  # even where order is guaranteed
    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    assert receiver.requests == []
    assert dispatcher.status()["totals"]["held_by_reorder_fault"] == 1
    dispatcher.publish(sub, content("A", 1))
    dispatcher.publish(sub, content("A", 2))
    assert await dispatcher.settle()
    assert sequences(receiver) == [1, 0, 2]
    assert [e["sequence"] for e in outcomes(dispatcher, "fault:reorder")] == [0]


async def test_reorder_releases_after_its_hold_time(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    url = receiver.url("/h")
    dispatcher.set_fault(url, WebhookFault("reorder", count=1, delay_seconds=5))
    dispatcher.publish(subscription({CONTENT: hook(url)}), content("A", 0))
    assert await dispatcher.settle()
    clock.advance(5)
    assert await dispatcher.settle()
    assert [(e["outcome"], e["at"]) for e in dispatcher.deliveries()] == [("fault:reorder", T0), ("delivered", T0 + 5)]


async def test_clearing_faults_releases_a_held_event(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    url = receiver.url("/h")
    dispatcher.set_fault(url, WebhookFault("reorder"))
    dispatcher.publish(subscription({CONTENT: hook(url)}), content("A", 0))
    assert await dispatcher.settle()
    dispatcher.clear_faults()
    assert await dispatcher.settle()
    assert sequences(receiver) == [0]
    assert dispatcher.faults() == []


async def test_corrupt_signature_then_a_clean_retry(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    url = receiver.url("/h")
    receiver.script(401)
    dispatcher.set_fault(url, WebhookFault("corrupt_signature", count=1))
    dispatcher.publish(subscription({CONTENT: hook(url, max_retries=1)}), content("A", 0))
    assert await dispatcher.settle()
    clock.advance(30)
    assert await dispatcher.settle()
    bad, good = receiver.wait_for(2)
    assert str(bad.header("x-liveperson-signature")).startswith("sha1=")
    assert not verify(bad.body, SECRET, bad.header("x-liveperson-signature"))
    assert verify(good.body, SECRET, good.header("x-liveperson-signature"))
    assert [(e["outcome"], e["status"]) for e in attempts(dispatcher)] == [
        ("fault:corrupt_signature", 401),
        ("delivered", 200),
    ]


async def run_with_seeded_drops(clock: Clock, receiver: Receiver) -> list[int]:
    dispatcher = WebhookDispatcher(clock)
    url = receiver.url("/p")
    dispatcher.set_fault(url, WebhookFault("drop", probability=0.5, seed=3))
    sub = subscription({CONTENT: hook(url)})
    try:
        for sequence in range(20):
            dispatcher.publish(sub, content("A", sequence))
        assert await dispatcher.settle()
        return sorted(e["sequence"] for e in outcomes(dispatcher, "fault:drop"))
    finally:
        await dispatcher.aclose()


async def test_probability_is_seeded_and_repeatable(clock: Clock, receiver: Receiver) -> None:
    first = await run_with_seeded_drops(clock, receiver)
    second = await run_with_seeded_drops(clock, receiver)
    assert first == second
    assert 0 < len(first) < 20
    assert len(receiver.requests) == 40 - 2 * len(first)


async def test_wildcard_endpoint_and_count(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    dispatcher.set_fault("*", WebhookFault("drop", count=2))
    sub = subscription({CONTENT: hook(receiver.url("/a")), CHAT: hook(receiver.url("/b"))})
    dispatcher.publish(sub, content("A", 0))
    dispatcher.publish(sub, chat_state("A"))
    dispatcher.publish(sub, content("A", 1))
    assert await dispatcher.settle()
    assert len(outcomes(dispatcher, "fault:drop")) == 2
    assert len(receiver.requests) == 1


def test_fault_json_round_trip_and_validation() -> None:
    fault = WebhookFault("delay", count=3, probability=0.25, delay_seconds=1.5, seed=9)
    data: dict[str, Any] = json.loads(json.dumps(fault.as_dict()))
    assert WebhookFault.parse(data) == fault
    assert WebhookFault.parse({"kind": "drop"}) == WebhookFault("drop")
    for bad in (
        {"kind": "explode"},
        {},
        {"kind": "drop", "count": 0},
        {"kind": "drop", "count": "2"},
        {"kind": "drop", "probability": 1.5},
        {"kind": "delay", "delay_seconds": -1},
        {"kind": "drop", "colour": "red"},
        {"kind": "drop", "probability": "lots"},
    ):
        with pytest.raises(ConfigError):
            WebhookFault.parse(bad)


async def test_faults_listing_is_json(dispatcher: WebhookDispatcher) -> None:
    dispatcher.set_fault("https://x/h", WebhookFault("duplicate", count=2))
    dispatcher.set_fault("https://x/h", WebhookFault("drop"))  # replaces
    listing = json.loads(json.dumps(dispatcher.faults()))
    assert listing == [
        {
            "endpoint": "https://x/h",
            "kind": "drop",
            "count": None,
            "probability": 1.0,
            "delay_seconds": 0.0,
            "seed": 0,
            "remaining": None,
            "fired": 0,
        }
    ]
    dispatcher.clear_faults()
    assert dispatcher.faults() == []
