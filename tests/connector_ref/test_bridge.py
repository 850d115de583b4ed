"""The bridge's rules, in-process with a fake LivePerson and a fake channel (no sockets, no waiting)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from connector_ref.bridge import Bridge
from connector_ref.lp import ConversationClosed, OpenConversationExists
from connector_ref.retry import LpError

pytestmark = pytest.mark.anyio

EX = "cqm.ExConversationChangeNotification"
MS = "ms.MessagingEventNotification"
LP_ID = "ab" * 32
AGENT = "5c3ee1b4-6a2b-4c57-a8e4-0d1f2e3a4b5c"


class FakeLp:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.conversations = 0
        self.sequence = 0
        self.fail_send: list[Exception] = []
        self.fail_open: list[Exception] = []

    def text_budget(self, dialog_id: str, conversation_id: str) -> int:
        return 4000

    async def lp_consumer_id(self, consumer_id: str) -> str:
        return LP_ID if consumer_id == "alice" else "cd" * 32

    async def open_conversation(self, consumer_id: str, profile: dict[str, Any]) -> str:
        self.calls.append(("open", consumer_id, profile))
        if self.fail_open:
            raise self.fail_open.pop(0)
        self.conversations += 1
        return f"conv-{self.conversations}"

    async def send_text(self, consumer_id: str, dialog_id: str, conversation_id: str, text: str) -> int:
        self.calls.append(("text", conversation_id, dialog_id, text))
        if self.fail_send:
            raise self.fail_send.pop(0)
        self.sequence += 1
        return self.sequence - 1

    async def send_chat_state(self, consumer_id: str, dialog_id: str, conversation_id: str, state: str) -> None:
        self.calls.append(("state", conversation_id, state))

    async def send_receipt(
        self, consumer_id: str, dialog_id: str, conversation_id: str, status: str, sequences: list[int]
    ) -> None:
        self.calls.append(("receipt", conversation_id, status, sequences))

    async def close(self, consumer_id: str, conversation_id: str) -> None:
        self.calls.append(("close", conversation_id))


class FakeChannel:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.delivered = self.failed = 0

    async def post(self, event: dict[str, Any]) -> bool:
        self.events.append(event)
        return True

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]


@pytest.fixture
def lp() -> FakeLp:
    return FakeLp()


@pytest.fixture
def channel() -> FakeChannel:
    return FakeChannel()


@pytest.fixture
def bridge(lp: FakeLp, channel: FakeChannel) -> Bridge:
    return Bridge(lp, channel, reorder_hold=0.05)  # type: ignore[arg-type]


async def settle(bridge: Bridge) -> None:
    """Wait for both lanes, and for reorder timers (short in these tests) to fire and their work to finish."""
    for _ in range(200):
        assert await bridge.inbound.wait_idle(2)
        assert await bridge.events.wait_idle(2)
        if not bridge.reorder.waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("reorder timers never fired")


def change(
    conv: str,
    ts: int,
    *,
    agent: bool = False,
    state: str = "OPEN",
    stage: str = "OPEN",
    consumer: str = LP_ID,
    close_reason: str | None = None,
) -> dict[str, Any]:
    participants = [{"id": consumer, "role": "CONSUMER"}] + ([{"id": AGENT, "role": "ASSIGNED_AGENT"}] if agent else [])
    details: dict[str, Any] = {
        "participants": participants,
        "state": state,
        "stage": stage,
        "metaDataLastUpdateTs": ts,
        "dialogs": [{"dialogId": conv, "dialogType": "MAIN", "state": state}],
    }
    if close_reason:
        details["closeReason"] = close_reason
    return {"type": "UPSERT", "result": {"convId": conv, "conversationDetails": details}}


def agent_event(conv: str, event: dict[str, Any], sequence: int | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "originatorId": AGENT,
        "originatorMetadata": {"id": AGENT, "role": "ASSIGNED_AGENT"},
        "event": event,
        "conversationId": conv,
        "dialogId": conv,
        **extra,
    }
    if sequence is not None:
        out["sequence"] = sequence
    return out


def text(message: str) -> dict[str, Any]:
    return {"type": "ContentEvent", "contentType": "text/plain", "message": message}


async def open_for_alice(bridge: Bridge) -> None:
    bridge.accept_inbound(
        {"consumerId": "alice", "type": "text", "text": "hi", "messageId": "m0", "profile": {"firstName": "Alice"}}
    )
    await settle(bridge)


async def test_first_text_opens_a_conversation_later_texts_reuse_it(
    bridge: Bridge, lp: FakeLp, channel: FakeChannel
) -> None:
    await open_for_alice(bridge)
    bridge.accept_inbound({"consumerId": "alice", "type": "text", "text": "again", "messageId": "m1"})
    await settle(bridge)
    assert [c[0] for c in lp.calls] == ["open", "text", "text"]
    assert lp.calls[0][2]["firstName"] == "Alice"  # the channel's profile, as SetUserProfile
    assert [e["messageId"] for e in channel.of("sent")] == ["m0", "m1"]
    assert {c[1] for c in lp.calls if c[0] == "text"} == {"conv-1"}


async def test_agent_flow_reaches_the_channel_and_is_read(bridge: Bridge, lp: FakeLp, channel: FakeChannel) -> None:
    await open_for_alice(bridge)
    bridge.accept_change(EX, change("conv-1", 2, agent=True))
    bridge.accept_change(
        MS, agent_event("conv-1", {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0]}, 1)
    )
    bridge.accept_change(MS, agent_event("conv-1", {"type": "ChatStateEvent", "chatState": "COMPOSING"}))
    bridge.accept_change(MS, agent_event("conv-1", text("hello Alice"), 2))
    bridge.accept_change(MS, agent_event("conv-1", {"type": "ChatStateEvent", "chatState": "ACTIVE"}))
    await settle(bridge)
    kinds = [e["type"] for e in channel.events]
    assert kinds == ["sent", "agent_joined", "receipt", "typing", "text", "typing"]
    assert channel.of("receipt")[0]["messageIds"] == ["m0"]
    assert channel.of("text")[0]["text"] == "hello Alice"
    assert [e["typing"] for e in channel.of("typing")] == [True, False]
    assert ("receipt", "conv-1", "ACCEPT", [2]) in lp.calls  # delivered; READ waits for the consumer
    assert not [c for c in lp.calls if c[:1] == ("receipt",) and c[2] == "READ"]
    bridge.accept_inbound({"consumerId": "alice", "type": "read", "sequences": [2]})
    await settle(bridge)
    assert ("receipt", "conv-1", "READ", [2]) in lp.calls


async def test_duplicates_private_notes_and_own_echoes_never_reach_the_consumer(
    bridge: Bridge, lp: FakeLp, channel: FakeChannel
) -> None:
    await open_for_alice(bridge)
    for _ in range(3):
        bridge.accept_change(MS, agent_event("conv-1", text("once"), 1))
    bridge.accept_change(MS, agent_event("conv-1", text("secret"), 2, messageAudience="AGENTS_AND_MANAGERS"))
    echo = agent_event("conv-1", text("hi"), 0)
    echo["originatorMetadata"] = {"id": LP_ID, "role": "CONSUMER"}
    bridge.accept_change(MS, echo)
    await settle(bridge)
    assert [e["text"] for e in channel.of("text")] == ["once"]
    assert bridge.stats["duplicates"] == 2
    assert bridge.stats["private_notes"] == 1


async def test_stale_conversation_changes_are_dropped(bridge: Bridge, channel: FakeChannel) -> None:
    await open_for_alice(bridge)
    bridge.accept_change(EX, change("conv-1", 5, agent=True))
    bridge.accept_change(EX, change("conv-1", 3))  # older, without the agent: must not read as "agent left"
    bridge.accept_change(EX, change("conv-1", 5, agent=True))  # same timestamp again: idempotent
    await settle(bridge)
    assert [e["type"] for e in channel.events] == ["sent", "agent_joined"]
    assert bridge.stats["stale"] == 1


async def test_unknown_conversations_are_ignored(bridge: Bridge, channel: FakeChannel) -> None:
    bridge.accept_change(EX, change("someone-else", 1, consumer="ef" * 32))
    bridge.accept_change(MS, agent_event("someone-else", text("not for us"), 1))
    bridge.accept_change(MS, {"no": "ids"})
    await settle(bridge)
    assert channel.events == []
    assert bridge.stats["ignored"] == 3


async def test_agent_close_ends_it_and_the_next_text_opens_a_new_one(
    bridge: Bridge, lp: FakeLp, channel: FakeChannel
) -> None:
    await open_for_alice(bridge)
    bridge.accept_change(EX, change("conv-1", 9, agent=True, state="CLOSE", stage="CLOSE", close_reason="AGENT"))
    bridge.accept_change(EX, change("conv-1", 9, agent=True, state="CLOSE", stage="CLOSE", close_reason="AGENT"))
    await settle(bridge)
    closed = [{"consumerId": "alice", "conversationId": "conv-1", "type": "closed", "by": "AGENT"}]
    assert channel.of("closed") == closed  # once, although the change came twice
    bridge.accept_inbound({"consumerId": "alice", "text": "new topic", "type": "text"})
    await settle(bridge)
    assert lp.calls[-1][:2] == ("text", "conv-2")


async def test_consumer_close(bridge: Bridge, lp: FakeLp, channel: FakeChannel) -> None:
    await open_for_alice(bridge)
    bridge.accept_change(EX, change("conv-1", 2, agent=True))
    bridge.accept_inbound({"consumerId": "alice", "type": "close"})
    await settle(bridge)
    bridge.accept_change(EX, change("conv-1", 3, agent=True))  # a late OPEN change must not revive it
    bridge.accept_change(EX, change("conv-1", 4, state="CLOSE", stage="CLOSE", close_reason="CONSUMER"))
    await settle(bridge)
    assert ("close", "conv-1") in lp.calls
    assert [e["by"] for e in channel.of("closed")] == ["CONSUMER"]
    assert bridge.consumers["alice"].conversation_id is None


async def test_closed_under_us_reopens_once(bridge: Bridge, lp: FakeLp, channel: FakeChannel) -> None:
    await open_for_alice(bridge)
    lp.fail_send = [ConversationClosed("SEND text", 400, {"code": "BAD_REQUEST"})]
    bridge.accept_inbound({"consumerId": "alice", "type": "text", "text": "still there?", "messageId": "m1"})
    await settle(bridge)
    assert [c[:2] for c in lp.calls[-3:]] == [("text", "conv-1"), ("open", "alice"), ("text", "conv-2")]
    assert channel.of("sent")[-1]["conversationId"] == "conv-2"


async def test_already_open_conversation_is_adopted_from_webhooks(
    bridge: Bridge, lp: FakeLp, channel: FakeChannel
) -> None:
    bridge.consumers.clear()
    await bridge._ensure_conversation(bridge._consumer("bob"))  # learns bob's participant id
    bridge.consumers["bob"].conversation_id = None
    bridge.accept_change(EX, change("conv-x", 1, consumer="cd" * 32))  # bob's, opened by an earlier attempt
    await settle(bridge)
    lp.fail_open = [OpenConversationExists("CONVERSATION", 400, [])]
    bridge.accept_inbound({"consumerId": "bob", "type": "text", "text": "hello", "messageId": "b1"})
    await settle(bridge)
    assert lp.calls[-1][:2] == ("text", "conv-x")


async def test_undeliverable_text_is_reported_not_lost(bridge: Bridge, lp: FakeLp, channel: FakeChannel) -> None:
    lp.fail_open = [LpError("CONVERSATION", 503, "down")]
    bridge.accept_inbound({"consumerId": "alice", "type": "text", "text": "hello?", "messageId": "m9"})
    await settle(bridge)
    [error] = channel.of("error")
    assert error["messageId"] == "m9"
    assert bridge.stats["consumer_failures"] == 1


async def test_rich_content_becomes_a_text_fallback(bridge: Bridge, channel: FakeChannel) -> None:
    await open_for_alice(bridge)
    card = {"type": "vertical", "elements": [{"type": "text", "text": "Pick one"}, {"type": "button", "title": "A"}]}
    bridge.accept_change(MS, agent_event("conv-1", {"type": "RichContentEvent", "content": card}, 1))
    await settle(bridge)
    [message] = channel.of("text")
    assert (message["text"], message["fallback"], message["content"]) == ("Pick one\n[A]", True, card)


async def test_typing_is_forwarded_only_into_an_open_conversation(bridge: Bridge, lp: FakeLp) -> None:
    bridge.accept_inbound({"consumerId": "alice", "type": "typing", "chatState": "COMPOSING"})
    await settle(bridge)
    assert lp.calls == []
    await open_for_alice(bridge)
    bridge.accept_inbound({"consumerId": "alice", "type": "typing", "chatState": "PAUSE"})
    await settle(bridge)
    assert lp.calls[-1] == ("state", "conv-1", "PAUSE")


async def test_overtaken_messages_are_put_back_in_order(bridge: Bridge, lp: FakeLp, channel: FakeChannel) -> None:
    await open_for_alice(bridge)  # the consumer's text took sequence 0 (known from the SEND answer)
    bridge.accept_change(MS, agent_event("conv-1", text("third"), 3))
    bridge.accept_change(MS, agent_event("conv-1", text("second"), 2))
    bridge.accept_change(
        MS, agent_event("conv-1", {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0]}, 1)
    )
    await settle(bridge)
    assert [e["type"] for e in channel.events] == ["sent", "receipt", "text", "text"]
    assert [e["text"] for e in channel.of("text")] == ["second", "third"]
    assert bridge.reorder.given_up == 0


async def test_a_lost_notification_delays_but_does_not_stop(bridge: Bridge, channel: FakeChannel) -> None:
    await open_for_alice(bridge)
    bridge.accept_change(MS, agent_event("conv-1", text("after a lost one"), 2))  # sequence 1 never comes
    await settle(bridge)
    assert [e["text"] for e in channel.of("text")] == ["after a lost one"]
    assert bridge.reorder.given_up == 1
    bridge.accept_change(MS, agent_event("conv-1", text("next"), 3))
    bridge.accept_change(MS, agent_event("conv-1", text("late"), 1))  # too late to be ordered: still shown
    await settle(bridge)
    assert [e["text"] for e in channel.of("text")] == ["after a lost one", "next", "late"]


async def test_our_own_send_answer_releases_a_held_agent_message(lp: FakeLp, channel: FakeChannel) -> None:
    bridge = Bridge(lp, channel, reorder_hold=30)  # type: ignore[arg-type]  # only the SEND answer can release it
    await open_for_alice(bridge)  # sequence 0
    bridge.accept_change(MS, agent_event("conv-1", text("answer to the second"), 2))  # overtook our text (1)
    await bridge.events.wait_idle(1)
    bridge.accept_inbound({"consumerId": "alice", "type": "text", "text": "second", "messageId": "m1"})
    await settle(bridge)
    assert [e["text"] for e in channel.of("text")] == ["answer to the second"]
    assert bridge.reorder.given_up == 0  # released by the SEND answer, not by the timer


def created(conv: str, ts: int, *, agent: bool = True) -> dict[str, Any]:
    """A conversation's first change: created at ``ts`` (a resumed one has its agent already)."""
    doc = change(conv, ts, agent=agent)
    doc["result"]["conversationDetails"]["dialogs"][0]["creationTs"] = ts
    return doc


async def test_a_resumed_conversation_reaches_the_consumer_even_when_its_message_comes_first(
    bridge: Bridge, lp: FakeLp, channel: FakeChannel
) -> None:
    await open_for_alice(bridge)
    bridge.accept_change(EX, change("conv-1", 5, agent=True, state="CLOSE", stage="CLOSE", close_reason="AGENT"))
    bridge.accept_change(MS, agent_event("conv-9", text("we found it"), 0))  # overtook its conversation's change
    bridge.accept_change(EX, created("conv-9", 9))
    await settle(bridge)
    kinds = [(e["type"], e["conversationId"]) for e in channel.events]
    assert kinds[-4:] == [("closed", "conv-1"), ("resumed", "conv-9"), ("agent_joined", "conv-9"), ("text", "conv-9")]
    bridge.accept_inbound({"consumerId": "alice", "type": "text", "text": "thanks", "messageId": "m1"})
    await settle(bridge)
    assert lp.calls[-1] == ("text", "conv-9", "conv-9", "thanks")
    assert [c for c in lp.calls if c[0] == "open"] == [lp.calls[0]]  # LivePerson opened it, not the connector
    assert ("receipt", "conv-9", "ACCEPT", [0]) in lp.calls


async def test_a_text_racing_a_resume_waits_for_the_webhook_naming_the_new_conversation(
    bridge: Bridge, lp: FakeLp, channel: FakeChannel
) -> None:
    await open_for_alice(bridge)
    bridge.accept_change(EX, change("conv-1", 5, agent=True, state="CLOSE", stage="CLOSE", close_reason="AGENT"))
    await settle(bridge)
    lp.fail_open = [OpenConversationExists("CONVERSATION", 400, {})]  # the resumed one is open already
    bridge.accept_inbound({"consumerId": "alice", "type": "text", "text": "hello?", "messageId": "m1"})
    await asyncio.sleep(0.05)
    bridge.accept_change(EX, created("conv-9", 9))  # ...and its webhook arrives while the text waits
    await settle(bridge)
    assert ("text", "conv-9", "conv-9", "hello?") in lp.calls
    assert channel.of("error") == []


async def test_managers_readers_and_the_controller_are_not_agents(
    bridge: Bridge, lp: FakeLp, channel: FakeChannel
) -> None:
    await open_for_alice(bridge)
    others = change("conv-1", 3)
    others["result"]["conversationDetails"]["participants"] += [
        {"id": "m-1", "role": "MANAGER"},
        {"id": "r-1", "role": "READER"},
        {"id": "c-1", "role": "CONTROLLER"},
    ]
    bridge.accept_change(EX, others)
    auto = agent_event("conv-1", text("An agent will be with you shortly"), 1)
    auto["originatorMetadata"] = {"id": "c-1", "role": "CONTROLLER"}
    bridge.accept_change(MS, auto)
    await settle(bridge)
    assert channel.of("agent_joined") == []
    assert [(t["text"], t["role"]) for t in channel.of("text")] == [("An agent will be with you shortly", "CONTROLLER")]
