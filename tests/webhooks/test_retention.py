"""Retry mechanism B: the installation state machine, backoff, ordered replay, expiry, caps."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mockcc.clock import Clock
from mockcc.webhooks import WebhookDispatcher
from mockcc_contracts.receiver import Receiver, Reply
from tests.webhooks.helpers import (
    CHAT,
    CONTENT,
    T0,
    attempts,
    chat_state,
    content,
    conversation_sequences,
    hook,
    outcomes,
    subscription,
)

pytestmark = pytest.mark.anyio


def install(dispatcher: WebhookDispatcher) -> dict[str, Any]:
    installation: dict[str, Any] = dispatcher.status()["installations"][0]
    return installation


def delivered(receiver: Receiver) -> list[Any]:
    return [r for r in receiver.requests if r.status in (200, 201)]


@pytest.fixture
async def patient(clock: Clock) -> AsyncIterator[WebhookDispatcher]:
    """A dispatcher with a read timeout long enough for requests a test holds open."""
    webhooks = WebhookDispatcher(clock, connect_timeout=1.0, read_timeout=5.0)
    yield webhooks
    await webhooks.aclose()


async def test_backoff_doubles_to_300_seconds(dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver) -> None:
    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=3)}, retention=86_400)
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    assert (install(dispatcher)["state"], install(dispatcher)["next_retry_at"]) == ("FAILED", T0 + 2)
    gaps = [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    for gap in gaps:
        clock.advance(gap - 1)
        assert await dispatcher.settle()
        clock.advance(1)
        assert await dispatcher.settle()
    expected, at = [T0], T0
    for gap in gaps:
        at += gap
        expected.append(at)
    assert [e["at"] for e in attempts(dispatcher)] == expected
    assert expected[:4] == [T0, T0 + 2, T0 + 6, T0 + 14]
    assert install(dispatcher)["stored"] == 1
    assert install(dispatcher)["next_retry_at"] == at + 300


async def test_outage_then_recovery_replays_everything_once_in_order(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(500)
    sub = subscription(
        {CONTENT: hook(receiver.url("/content"), max_retries=1), CHAT: hook(receiver.url("/chat"), max_retries=1)},
        retention=3600,
    )
    # published together while UP: one request per conversation in flight, all fail
    plan = [("A", 0), ("B", 0), ("A", 1), ("C", 0), ("B", 1), ("A", 2)]
    for conversation, sequence in plan:
        dispatcher.publish(sub, content(conversation, sequence))
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "FAILED"
    clock.advance(1)
    for conversation, sequence in [("B", 2), ("D", 0), ("A", 3), ("D", 1)]:
        dispatcher.publish(sub, content(conversation, sequence))
    dispatcher.publish(sub, chat_state("A"))  # a healthy endpoint's event is stored too
    assert await dispatcher.settle()
    assert install(dispatcher)["stored"] == 11
    assert receiver.on("/chat") == []
    assert len(outcomes(dispatcher, "stored")) == 11

    receiver.set_default(200)
    clock.advance(1)  # T0 + 2: the oldest stored event is retried, then the rest replays
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "RECOVERED"
    assert install(dispatcher)["stored"] == 0

    ok = delivered(receiver)
    received = conversation_sequences([r for r in ok if r.path == "/content"])
    assert received == {"A": [0, 1, 2, 3], "B": [0, 1, 2], "C": [0], "D": [0, 1]}
    assert len(receiver.on("/chat")) == 1
    assert ok[-1].path == "/chat"  # replayed in stored (publish) order
    event_ids = [e["event_id"] for e in outcomes(dispatcher, "delivered")]
    assert sorted(event_ids) == event_ids
    assert len(set(event_ids)) == 11

    clock.advance(3)
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "RECOVERED"
    clock.advance(1)
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "UP"
    transitions = [(t["state"], t["at"]) for t in install(dispatcher)["retention_detail"]["transitions"]]
    assert transitions == [("FAILED", T0), ("IN_TRANSITION", T0 + 2), ("RECOVERED", T0 + 2), ("UP", T0 + 6)]


async def test_new_conversations_go_direct_while_stored_ones_queue_behind(
    patient: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    dispatcher = patient
    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)}, retention=3600)
    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    dispatcher.publish(sub, content("A", 1))
    dispatcher.publish(sub, content("B", 0))
    assert await dispatcher.settle()

    hold = threading.Event()
    receiver.script(200, Reply(200, until=hold))  # the probe succeeds, the first replay hangs
    receiver.set_default(200)
    clock.advance(2)
    await receiver.wait_for_async(3)
    assert install(dispatcher)["state"] == "IN_TRANSITION"
    dispatcher.publish(sub, content("D", 0))  # brand-new conversation: delivered directly
    await receiver.wait_for_async(4)
    dispatcher.publish(sub, content("B", 1))  # stored conversation: queued behind B 0
    dispatcher.publish(sub, content("A", 2))
    hold.set()
    assert await dispatcher.settle()

    ok = delivered(receiver)
    order = [(r.json()["body"]["changes"][0]["conversationId"], r.json()["body"]["changes"][0]["sequence"]) for r in ok]
    # arrival order: D 0 arrived while A 1 was still unanswered (the receiver held it)
    assert order == [("A", 0), ("A", 1), ("D", 0), ("B", 0), ("B", 1), ("A", 2)]
    reasons = [e["reason"] for e in outcomes(dispatcher, "stored")]
    assert reasons == [
        "delivery failed",
        "installation failing",
        "installation failing",
        "conversation stored",
        "conversation stored",
    ]
    assert install(dispatcher)["state"] == "RECOVERED"


async def test_direct_deliveries_keep_one_request_per_conversation_in_flight(
    patient: WebhookDispatcher, receiver: Receiver
) -> None:
    dispatcher = patient
    hold = threading.Event()
    receiver.set_default(Reply(200, until=hold))  # every answer waits, whichever request arrives first
    sub = subscription({CONTENT: hook(receiver.url("/h"))}, retention=60)
    dispatcher.publish(sub, content("A", 0))
    dispatcher.publish(sub, content("A", 1))
    dispatcher.publish(sub, content("B", 0))
    requests = await receiver.wait_for_async(2)
    assert conversation_sequences(requests) == {"A": [0], "B": [0]}  # A 1 waits for A 0's answer
    hold.set()
    assert await dispatcher.settle()
    assert conversation_sequences(receiver.requests) == {"A": [0, 1], "B": [0]}
    assert install(dispatcher)["state"] == "UP"


async def test_a_failure_while_replaying_fails_again_with_fresh_backoff(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=2)}, retention=3600)
    for sequence in range(4):
        dispatcher.publish(sub, content("A", sequence))
    assert await dispatcher.settle()
    clock.advance(2)
    assert await dispatcher.settle()  # probe fails: next in 4 s
    assert install(dispatcher)["next_retry_at"] == T0 + 6
    receiver.script(200, 500)
    receiver.set_default(200)
    clock.advance(4)
    assert await dispatcher.settle()  # probe ok, first replay fails: FAILED, back to 2 s
    assert install(dispatcher)["state"] == "FAILED"
    assert install(dispatcher)["next_retry_at"] == T0 + 8
    clock.advance(2)
    assert await dispatcher.settle()
    assert conversation_sequences(delivered(receiver)) == {"A": [0, 1, 2, 3]}
    states = [t["state"] for t in install(dispatcher)["retention_detail"]["transitions"]]
    assert states == ["FAILED", "IN_TRANSITION", "FAILED", "IN_TRANSITION", "RECOVERED"]


async def test_a_failure_while_recovered_fails_again(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.script(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)}, retention=3600)
    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    clock.advance(2)
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "RECOVERED"
    receiver.script(502)
    clock.advance(1)
    dispatcher.publish(sub, content("A", 1))
    assert await dispatcher.settle()
    assert (install(dispatcher)["state"], install(dispatcher)["next_retry_at"]) == ("FAILED", T0 + 5)
    clock.advance(4)  # the old drain deadline (T0 + 6) must not bring it UP
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "RECOVERED"
    assert conversation_sequences(delivered(receiver)) == {"A": [0, 1]}


async def test_events_older_than_retention_time_are_dropped(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)}, retention=10)
    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    clock.advance(1)
    dispatcher.publish(sub, content("A", 1))
    for step in (1, 4, 4, 1):  # T0+2 and T0+6 probes fail; T0+10 and T0+11 expiries
        clock.advance(step)
        assert await dispatcher.settle()
    dropped = outcomes(dispatcher, "dropped")
    assert [(e["sequence"], e["at"], e["reason"]) for e in dropped] == [
        (0, T0 + 10, "retention"),
        (1, T0 + 11, "retention"),
    ]
    assert [e["at"] for e in attempts(dispatcher)] == [T0, T0 + 2, T0 + 6]
    assert (install(dispatcher)["state"], install(dispatcher)["stored"]) == ("FAILED", 0)
    receiver.set_default(200)
    clock.advance(3)  # T0 + 14: the backoff schedule continues with the next event
    dispatcher.publish(sub, content("A", 2))
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "RECOVERED"
    assert conversation_sequences(delivered(receiver)) == {"A": [2]}


async def test_max_retries_zero_does_not_trigger_failed_but_is_stored_when_failing(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(500, path="/chat")
    receiver.set_default(500, path="/content")
    sub = subscription(
        {CONTENT: hook(receiver.url("/content"), max_retries=2), CHAT: hook(receiver.url("/chat"), max_retries=0)},
        retention=3600,
    )
    dispatcher.publish(sub, chat_state("A", "COMPOSING"))
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "UP"
    (dropped,) = outcomes(dispatcher, "dropped")
    assert dropped["reason"] == "max_retries 0"

    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "FAILED"
    dispatcher.publish(sub, chat_state("A", "PAUSE"))  # stored although max_retries is 0
    assert await dispatcher.settle()
    assert install(dispatcher)["stored"] == 2

    receiver.set_default(200, path="/chat")
    receiver.set_default(200, path="/content")
    clock.advance(2)
    assert await dispatcher.settle()
    states = [r.json()["body"]["changes"][0]["event"].get("chatState") for r in delivered(receiver)]
    assert states == [None, "PAUSE"]
    assert install(dispatcher)["state"] == "RECOVERED"


async def test_absent_max_retries_takes_part_in_retention(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.script(500)
    sub = subscription({CHAT: hook(receiver.url("/chat"))}, retention=3600)  # no max_retries key
    dispatcher.publish(sub, chat_state("A"))
    assert await dispatcher.settle()
    assert install(dispatcher)["state"] == "FAILED"
    clock.advance(2)
    assert await dispatcher.settle()
    assert len(delivered(receiver)) == 1


async def test_store_is_capped_oldest_dropped_first(clock: Clock, receiver: Receiver) -> None:
    receiver.set_default(500)
    dispatcher = WebhookDispatcher(clock, store_limit=3)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)}, retention=3600)
    try:
        dispatcher.publish(sub, content("A", 0))
        assert await dispatcher.settle()
        for sequence in range(1, 5):
            dispatcher.publish(sub, content("A", sequence))
        assert await dispatcher.settle()
        assert install(dispatcher)["stored"] == 3
        assert [(e["sequence"], e["reason"]) for e in outcomes(dispatcher, "dropped")] == [
            (0, "store full"),
            (1, "store full"),
        ]
        receiver.set_default(200)
        clock.advance(2)
        assert await dispatcher.settle()
        assert conversation_sequences(delivered(receiver)) == {"A": [2, 3, 4]}
    finally:
        await dispatcher.aclose()


async def test_retention_takes_precedence_and_status_is_json(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    import json

    receiver.set_default(500)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=5)}, retention=1)  # clamped to 2 s
    dispatcher.publish(sub, content("A", 0))
    assert await dispatcher.settle()
    status = json.loads(json.dumps(dispatcher.status()))
    (installation,) = status["installations"]
    assert installation["mode"] == "retention"
    assert installation["retention_time"] == 2
    assert installation["state"] == "FAILED"
    assert installation["max_retries_detail"] is None
    assert status["limits"]["store_limit_scope"] == "per installation"
