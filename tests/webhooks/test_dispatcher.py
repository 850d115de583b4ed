"""Lifecycle and control plane: settle, reset, aclose, bounded log, status."""

from __future__ import annotations

import json

import pytest

from mockcc.clock import Clock
from mockcc.webhooks import WebhookDispatcher, WebhookFault
from mockcc_contracts.receiver import Receiver, Reply
from tests.webhooks.helpers import CLIENT_ID, CONTENT, T0, content, hook, subscription

pytestmark = pytest.mark.anyio


async def test_settle_waits_for_work_due_now_but_not_for_the_future(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(500)
    dispatcher.publish(subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)}), content("A", 0))
    assert await dispatcher.settle()
    assert len(receiver.requests) == 1  # the first attempt ran before settle returned
    assert dispatcher.status()["next_due_at"] == T0 + 30
    assert await dispatcher.settle()  # the retry is due later: nothing to wait for
    clock.advance(30)
    assert await dispatcher.settle()
    assert len(receiver.requests) == 2


async def test_reset_forgets_everything_and_cancels_timers(
    dispatcher: WebhookDispatcher, clock: Clock, receiver: Receiver
) -> None:
    receiver.set_default(500)
    url = receiver.url("/h")
    dispatcher.set_fault(url, WebhookFault("duplicate"))
    dispatcher.publish(subscription({CONTENT: hook(url, max_retries=5)}), content("A", 0))
    dispatcher.publish(subscription({CONTENT: hook(url)}, retention=60, client_id="ttl"), content("B", 0))
    assert await dispatcher.settle()
    dispatcher.reset()
    assert dispatcher.deliveries() == []
    assert dispatcher.faults() == []
    assert dispatcher.status()["installations"] == []
    seen = len(receiver.requests)
    clock.advance(300)
    assert await dispatcher.settle()
    assert len(receiver.requests) == seen
    dispatcher.publish(subscription({CONTENT: hook(url)}), content("A", 1))  # still usable
    assert await dispatcher.settle()
    assert len(receiver.requests) == seen + 1


async def test_log_is_bounded_and_filterable(clock: Clock, receiver: Receiver) -> None:
    dispatcher = WebhookDispatcher(clock, log_limit=5)
    try:
        one = subscription({CONTENT: hook(receiver.url("/one"))})
        two = subscription({CONTENT: hook(receiver.url("/two"))}, client_id="two")
        for sequence in range(6):
            dispatcher.publish(one, content("A", sequence))
        assert await dispatcher.settle()  # deliveries are concurrent: make "two" the newest entry for sure
        dispatcher.publish(two, content("B", 0))
        assert await dispatcher.settle()
        log = dispatcher.deliveries()
        assert len(log) == 5
        assert [e["id"] for e in log] == sorted(e["id"] for e in log)
        status = dispatcher.status()
        assert status["log"] == {"entries": 5, "limit": 5, "evicted": 2}
        assert status["totals"]["outcomes"] == {"delivered": 7}
        assert [e["client_id"] for e in dispatcher.deliveries(client_id="two")] == ["two"]
        assert len(dispatcher.deliveries(client_id=CLIENT_ID, limit=2)) == 2
        assert dispatcher.deliveries(limit=0) == []
        assert dispatcher.deliveries(account_id="nobody") == []
    finally:
        await dispatcher.aclose()


async def test_status_is_json_and_lists_each_installation(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    dispatcher.publish(subscription({CONTENT: hook(receiver.url("/h"))}), content("A", 0))
    dispatcher.publish(subscription({CONTENT: hook(receiver.url("/h"))}, retention=60, client_id="b"), content("A", 0))
    assert await dispatcher.settle()
    status = json.loads(json.dumps(dispatcher.status()))
    modes = {(i["client_id"], i["mode"], i["state"]) for i in status["installations"]}
    assert modes == {(CLIENT_ID, "max_retries", None), ("b", "retention", "UP")}
    assert status["totals"]["published"] == 2
    assert status["totals"]["in_flight"] == 0
    assert status["limits"]["log_limit"] == 10_000


async def test_publish_after_aclose_is_logged_not_sent(clock: Clock, receiver: Receiver) -> None:
    dispatcher = WebhookDispatcher(clock)
    await dispatcher.start()
    await dispatcher.aclose()
    dispatcher.publish(subscription({CONTENT: hook(receiver.url("/h"))}), content("A", 0))
    assert await dispatcher.settle()
    assert receiver.requests == []
    assert [(e["outcome"], e["reason"]) for e in dispatcher.deliveries()] == [("dropped", "dispatcher closed")]
    await dispatcher.start()  # a restarted lifespan delivers again
    dispatcher.publish(subscription({CONTENT: hook(receiver.url("/h"))}), content("A", 1))
    assert await dispatcher.settle()
    assert len(receiver.requests) == 1
    await dispatcher.aclose()


async def test_settle_reports_false_while_a_request_hangs(clock: Clock, receiver: Receiver) -> None:
    receiver.set_default(Reply(200, delay=2.0))
    dispatcher = WebhookDispatcher(clock, read_timeout=3.0)
    try:
        dispatcher.publish(subscription({CONTENT: hook(receiver.url("/h"))}), content("A", 0))
        assert not await dispatcher.settle(timeout=0.05)
    finally:
        await dispatcher.aclose()
