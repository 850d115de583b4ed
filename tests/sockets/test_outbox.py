"""The per-socket outbox and the streams' caps, in process: a slow reader is closed, never buffered
without end; subscriptions past the cap are refused; a closed socket leaves nothing behind."""

from __future__ import annotations

import pytest

from mockcc.agent.routing import Routing
from mockcc.clock import Clock
from mockcc.errors import LimitReached
from mockcc.ids import Ids
from mockcc.messaging import Messaging
from mockcc.settings import SocketLimits
from mockcc.state.models import Account
from mockcc.streams.hub import Streams
from mockcc.streams.outbox import CLOSE_TRY_LATER, Close, Outbox
from mockcc.streams.subscriptions import ConversationFilter, Peer


def streams_of(limits: SocketLimits, clock: Clock | None = None) -> Streams:
    clock = clock or Clock(start=1.0, frozen=True)
    return Streams(clock, lambda c: -1, limits, Routing(Messaging(clock, Ids(1)), clock))


def peer(streams: Streams, user: str = "70000001.1", limit: int = 3) -> Peer:
    return Peer(streams.next_id("agent"), "agent", "70000001", user, "pid-" + user, Outbox(limit), 0.0, 0.0)


@pytest.mark.anyio
async def test_a_full_outbox_drops_what_waits_and_asks_for_1013() -> None:
    streams = streams_of(SocketLimits())
    slow = peer(streams)
    streams.attach(slow)
    for n in range(3):
        assert slow.outbox.push({"n": n})
    assert not slow.outbox.push({"n": 3})  # the fourth finds it full
    assert len(slow.outbox) == 0
    assert not slow.outbox.push({"n": 4})
    assert await slow.outbox.take() == Close(CLOSE_TRY_LATER, "slow reader: 3 frames waiting")
    assert streams.status()["closed_slow_reader"] == 1


@pytest.mark.anyio
async def test_frames_queued_before_a_close_are_written_first() -> None:
    box = Outbox(10)
    box.push({"a": 1})
    box.close(1000, "idle")
    assert await box.take() == ['{"a":1}']
    assert await box.take() == Close(1000, "idle")


def test_subscriptions_past_the_cap_are_refused_and_detach_forgets_everything() -> None:
    streams = streams_of(SocketLimits(subscriptions_per_socket=2))
    one = peer(streams, limit=100)
    streams.attach(one)
    account = Account("70000001")
    for _ in range(2):
        streams.subscribe_conversations(one, account, ConversationFilter(participants=frozenset({"x"})))
    with pytest.raises(LimitReached, match="cap per socket"):
        streams.subscribe_conversations(one, account, ConversationFilter())
    assert streams.status()["subscriptions_refused"] == 1
    streams.detach(one)
    assert streams.status()["subscriptions"] == 0
    assert not streams._by_participant.get(("70000001", "x"))


def test_sockets_in_all_and_connects_per_minute_are_capped() -> None:
    clock = Clock(start=1.0, frozen=True)
    streams = streams_of(SocketLimits(sockets=2, connects_per_user_per_minute=3), clock)
    first, second = peer(streams, "a"), peer(streams, "b")
    streams.attach(first)
    streams.attach(second)
    with pytest.raises(LimitReached, match="over all users"):
        streams.attach(peer(streams, "c"))
    streams.detach(first)
    streams.attach(again := peer(streams, "a"))
    streams.detach(again)
    streams.attach(third := peer(streams, "a"))
    streams.detach(third)
    with pytest.raises(LimitReached, match="connected 3 times"):
        streams.attach(peer(streams, "a"))
    clock.advance(61)
    streams.attach(peer(streams, "a"))
