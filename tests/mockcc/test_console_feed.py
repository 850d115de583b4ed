"""The console's server side in process: the bounded event hub, what the feed pushes, paging, replay, pages."""

from __future__ import annotations

import asyncio
import json

import pytest

from mockcc.console import routes
from mockcc.console.feed import Feed
from mockcc.console.hub import Hub, Subscriber
from mockcc.console.routes import _stream
from mockcc.mock import Mock
from mockcc.settings import Settings
from mockcc_contracts.receiver import Receiver
from tests.conftest import ACCOUNT, quiet_seed

KEY = "ms.MessagingEventNotification.ContentEvent"


def parse(chunk: bytes) -> list[tuple[str, object]]:
    out = []
    for message in chunk.decode().split("\n\n"):
        if message:
            kind, data = message.split("\n")[:2]
            out.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def frames(subscriber: Subscriber) -> list[tuple[str, object]]:
    """What the stream would write next (one batch), decoded."""
    return parse(subscriber.batch())


LIMITS = {"conversations": 4, "journal": 3, "webhooks": 2}


@pytest.mark.anyio
async def test_a_flood_on_one_lane_drops_its_oldest_and_resyncs_only_that_panel_once() -> None:
    hub = Hub(lane_limits=LIMITS)
    slow = hub.subscribe()
    assert slow is not None
    hub.publish("event", {"n": "e0"})
    for n in range(10_000):  # a busy connector: far more calls than the page keeps
        hub.publish("journal", {"n": n})
    hub.publish("event", {"n": "e1"})
    assert slow.pending() == 2 + 3  # bounded: a lane never holds more than its limit
    assert frames(slow) == [
        ("event", {"n": "e0"}),
        ("journal", {"n": 9997}),
        ("journal", {"n": 9998}),
        ("journal", {"n": 9999}),
        ("event", {"n": "e1"}),
        ("resync", {"reason": "overflow", "panels": ["journal"]}),  # one, and not the conversations
    ]
    assert (slow.resyncs, slow.dropped) == (1, 9997)
    hub.publish("delivery", {"id": 1})
    assert frames(slow) == [("delivery", {"id": 1})]  # caught up: no resync without a new drop
    for n in range(5):
        hub.publish("delivery", {"id": n})
        hub.publish("event", {"n": n})
    batch = frames(slow)
    assert [k for k, _ in batch].count("resync") == 1  # at most one per batch, naming every lane behind
    assert batch[-1] == ("resync", {"reason": "overflow", "panels": ["conversations", "webhooks"]})
    assert slow.resyncs == 2


@pytest.mark.anyio
async def test_a_reset_empties_the_lanes_and_resyncs_everything() -> None:
    hub = Hub(lane_limits=LIMITS)
    listener = hub.subscribe()
    assert listener is not None
    for n in range(10):
        hub.publish("journal", {"n": n})
    hub.publish("resync", {"reason": "reset"})
    hub.publish("event", {"n": "after"})
    assert frames(listener) == [("resync", {"reason": "reset"}), ("event", {"n": "after"})]
    assert listener.resyncs == 0


@pytest.mark.anyio
async def test_the_stream_writes_what_piled_up_as_one_chunk() -> None:
    feed = Feed(Mock(Settings(seed_doc=quiet_seed())))
    stream = _stream(feed)
    assert (await anext(stream)).startswith(b"event: hello\n")
    for n in range(200):
        feed.hub.publish("journal", {"n": n})
        feed.hub.publish("event", {"n": n})
    chunk = await asyncio.wait_for(anext(stream), 3)
    assert [data for _, data in parse(chunk)] == [{"n": n // 2} for n in range(400)]  # in order, one write
    feed.close()
    await stream.aclose()


@pytest.mark.anyio
async def test_the_hub_refuses_streams_past_its_limit_and_idles_without_them() -> None:
    hub = Hub(subscriber_limit=1)
    first = hub.subscribe()
    assert first is not None
    assert hub.subscribe() is None
    hub.unsubscribe(first)
    assert not hub
    hub.publish("journal", {"ignored": True})  # nobody listens: nothing is built or queued
    assert first.pending() == 0
    assert await first.next(0.01) is None


def test_the_feed_pushes_conversations_events_calls_and_resets(client, lp, ext_id) -> None:
    feed: Feed = client.app.state.console
    subscriber = feed.hub.subscribe()
    assert subscriber is not None
    conv = lp.open(ext_id, skillId="12")
    lp.text(ext_id, conv, "hello")
    client.post(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}/agent/join", json={})
    assert {"conversation", "event", "journal"} <= {kind for kind, _ in frames(subscriber)}
    client.post("/_mockcc/reset", json=quiet_seed())
    assert frames(subscriber)[0] == ("resync", {"reason": "reset"})  # a reset: every console reloads
    feed.hub.unsubscribe(subscriber)


def test_pushed_conversation_and_event_shapes(client, lp, ext_id) -> None:
    feed: Feed = client.app.state.console
    subscriber = feed.hub.subscribe()
    assert subscriber is not None
    conv = lp.open(ext_id)
    lp.text(ext_id, conv, "hello")
    pushed = frames(subscriber)
    conversation = next(data for kind, data in pushed if kind == "conversation")
    assert conversation["accountId"] == ACCOUNT
    assert conversation["conversation"]["convId"] == conv
    assert conversation["conversation"]["extConsumerId"] == ext_id
    event = next(data for kind, data in pushed if kind == "event")
    assert event["change"]["event"]["message"] == "hello"
    assert event["change"]["sequence"] == 0
    calls = [data for kind, data in pushed if kind == "journal"]
    assert any(c["service"] == "send" and c["status"] == 200 for c in calls)
    assert all(c["service"] != "control" for c in calls)
    feed.hub.unsubscribe(subscriber)


def test_the_conversation_list_pages_newest_first(client, lp) -> None:
    ids = [lp.open(f"consumer-{n}") for n in range(5)]
    base = f"/_mockcc/accounts/{ACCOUNT}/conversations"
    page = client.get(base, params={"order": "newest", "offset": 1, "limit": 2})
    assert page.status_code == 200
    assert [c["convId"] for c in page.json()] == [ids[3], ids[2]]
    assert page.headers["x-total-count"] == "5"
    assert [c["convId"] for c in client.get(base).json()] == ids  # no parameters: as before
    assert client.get(base, params={"state": "CLOSE"}).json() == []
    bad = client.get(base, params={"order": "sideways"})
    assert bad.status_code == 400
    assert bad.json()["mockcc"]["path"] == "$query.order"


def test_the_conversation_list_orders_by_last_activity(client, lp, clock) -> None:
    ids = []
    for n in range(3):
        ids.append(lp.open(f"consumer-{n}"))
        clock.advance(1)
    lp.text("consumer-0", ids[0], "the oldest speaks again")  # the latest activity now
    base = f"/_mockcc/accounts/{ACCOUNT}/conversations"
    listed = client.get(base, params={"order": "activity"}).json()
    assert [c["convId"] for c in listed] == [ids[0], ids[2], ids[1]]
    assert listed[0]["lastActivityTs"] > listed[1]["lastActivityTs"] > listed[2]["lastActivityTs"]
    clock.advance(1)
    client.post(f"/_mockcc/accounts/{ACCOUNT}/conversations/{ids[1]}/agent/join", json={})  # a change counts too
    page = client.get(base, params={"order": "activity", "offset": 0, "limit": 2})
    assert [c["convId"] for c in page.json()] == [ids[1], ids[0]]
    assert page.headers["x-total-count"] == "3"


def test_the_conversation_view_has_the_profile_and_last_activity(client, lp, ext_id) -> None:
    conv = lp.open(ext_id)
    lp.text(ext_id, conv, "hi")
    view = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").json()
    assert view["extConsumerId"] == ext_id
    assert view["profile"] == {}
    assert view["request"]["channelType"] == "MESSAGING"
    assert view["lastActivityTs"] == view["events"][-1]["serverTimestamp"]


@pytest.fixture
def hook():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def seed(hook):
    doc = quiet_seed()
    doc["accounts"][0]["installations"][0]["capabilities"] = {"webhooks": {KEY: {"endpoint": hook.url("/hook")}}}
    return doc


def test_a_failed_delivery_is_replayed_by_hand(client, lp, ext_id, hook) -> None:
    hook.script(503)
    conv = lp.open(ext_id)
    lp.text(ext_id, conv, "first try fails")
    client.post("/_mockcc/settle", json={})
    failed = [d for d in client.get("/_mockcc/webhooks/deliveries").json()["deliveries"] if d["outcome"] == "failed"]
    assert [d["status"] for d in failed] == [503]
    assert failed[0]["retries_left"] == 0
    answer = client.post(f"/_mockcc/webhooks/deliveries/{failed[0]['id']}/replay", json={})
    assert answer.status_code == 200, answer.text
    replayed = answer.json()["delivery"]
    assert (replayed["outcome"], replayed["status"]) == ("delivered", 200)
    assert replayed["reason"] == f"replay of delivery {failed[0]['id']}"
    first, second = hook.wait_for(2)
    assert second.body == first.body  # the same bytes, signed again
    assert second.header("x-liveperson-signature") == first.header("x-liveperson-signature")


def test_replay_refusals_explain_themselves(client, lp, ext_id, hook) -> None:
    missing = client.post("/_mockcc/webhooks/deliveries/999/replay", json={})
    assert missing.status_code == 404
    assert missing.json()["mockcc"]["rule"] == "known-delivery"
    lp.open(ext_id)  # the conversation change has no endpoint here: logged as unrouted, nothing was sent
    client.post("/_mockcc/settle", json={})
    unrouted = client.get("/_mockcc/webhooks/deliveries").json()["deliveries"][0]
    assert unrouted["outcome"] == "unrouted"
    refused = client.post(f"/_mockcc/webhooks/deliveries/{unrouted['id']}/replay", json={})
    assert refused.status_code == 409
    assert refused.json()["mockcc"]["rule"] == "replayable"
    assert client.post("/_mockcc/webhooks/deliveries/x1/replay", json={}).status_code == 400


def test_the_pages_are_served_with_a_strict_policy(client) -> None:
    page = client.get("/ui/")
    assert page.status_code == 200
    assert "<title>mockcc console</title>" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "access-control-allow-origin" not in page.headers
    script = client.get("/ui/js/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert client.get("/ui/nope.js").status_code == 404


@pytest.mark.anyio
async def test_the_stream_ends_when_the_server_stops() -> None:
    feed = Feed(Mock(Settings(seed_doc=quiet_seed())))
    stream = _stream(feed)
    hello = await anext(stream)
    assert hello.startswith(b"event: hello\n")
    assert len(feed.hub.subscribers) == 1
    feed.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(stream), 3)
    assert not feed.hub.subscribers


@pytest.mark.anyio
async def test_a_busy_stream_still_sends_what_has_no_announcement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "TICK", 0.0)  # every turn is a second late: the snapshot is due each time
    feed = Feed(Mock(Settings(seed_doc=quiet_seed())))
    stream = _stream(feed)
    await anext(stream)  # hello
    feed.hub.publish("journal", {"n": 1})
    assert parse(await anext(stream)) == [("journal", {"n": 1})]
    feed.mock.clock.advance(60)  # no announcement: only the snapshot sees it
    feed.hub.publish("journal", {"n": 2})  # never idle: traffic is waiting again
    kind, clock = parse(await anext(stream))[0]
    assert kind == "clock"
    assert clock["offset"] == 60  # type: ignore[index]
    assert parse(await anext(stream)) == [("journal", {"n": 2})]
    feed.close()
    await stream.aclose()
