"""Every agent-side row of LivePerson's Connector API overview, end to end over real sockets.

The mock (a ``mockcc serve`` subprocess), ``connector_ref`` and the channel simulator, each on its
own loopback port: resume a conversation, transfer to a skill, send a text, send structured
content, see the consumer's receipts (sent, accepted, read) and typing, close. Plus the other
participants a connector meets: managers and readers, and LivePerson's automatic messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.connector_ref.stack import MockProcess, Stack, wait_until

pytestmark = pytest.mark.live

CARD = {
    "type": "vertical",
    "elements": [
        {"type": "text", "text": "Our plans"},
        {"type": "button", "title": "Pro", "click": {"actions": [{"type": "publishText", "text": "Pro"}]}},
    ],
}


def started(s: Stack, mock: MockProcess, consumer: str) -> str:
    """The consumer writes, an agent joins; the conversation id once the channel heard the agent."""
    sent, joined = len(s.events(consumer, "sent")), len(s.events(consumer, "agent_joined"))
    s.say(consumer, "hi")
    conversation = str(s.wait_for(consumer, "sent", sent + 1)[-1]["conversationId"])
    mock.agent(conversation, "join")
    s.wait_for(consumer, "agent_joined", joined + 1)
    return conversation


def view_when(mock: MockProcess, conversation: str, check: Callable[[dict[str, Any]], Any], what: str) -> Any:
    return wait_until(lambda: check(v := mock.agent_view(conversation)) and v, what=what)


def test_resume_reaches_the_same_consumer_and_later_texts_go_to_the_new_conversation(
    stack: Callable[..., Stack], live_mock: MockProcess
) -> None:
    s = stack(agent="none")
    old = started(s, live_mock, "rex")
    live_mock.agent(old, "close")
    assert s.wait_for("rex", "closed")[0]["conversationId"] == old
    new = live_mock.agent(old, "resume", {"text": "Your refund went through"})["conversation"]["convId"]
    [resumed] = s.wait_for("rex", "resumed")
    assert resumed["conversationId"] == new
    wait_until(lambda: s.agent_texts("rex") == ["Your refund went through"], what="the agent's message")
    text = s.events("rex", "text")[0]
    assert (text["conversationId"], text["role"]) == (new, "ASSIGNED_AGENT")
    assert s.events("rex", "agent_joined")[-1]["conversationId"] == new
    s.say("rex", "great, thanks")
    sent = s.wait_for("rex", "sent", 2)[-1]
    assert sent["conversationId"] == new
    events = live_mock.conversation(new)["events"]
    assert [e["event"].get("message") for e in events if e["event"]["type"] == "ContentEvent"] == [
        "Your refund went through",
        "great, thanks",
    ]
    assert len(live_mock.journal("conversation")) == 1  # the connector opened nothing: LivePerson did
    assert [e for e in s.transcript("rex") if e["from"] == "simulator"] == []
    assert s.status()["stats"]["conversations_resumed"] == 1


def test_resume_refused_changes_nothing_for_the_consumer(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="none")
    conversation = started(s, live_mock, "ray")
    refused = live_mock.post(
        f"/_mockcc/accounts/{live_mock.fields['account_id']}/conversations/{conversation}/agent/resume",
        {"text": "hello again"},
        status=409,  # a conflict with the conversation's state, on the agent's chair
    )
    assert "not closed" in refused["mockcc"]["explanation"]
    live_mock.post("/_mockcc/settle")
    assert s.events("ray", "resumed") == []
    assert s.agent_texts("ray") == []


def test_transfer_reaches_the_consumer_and_another_agent_takes_over(
    stack: Callable[..., Stack], live_mock: MockProcess
) -> None:
    s = stack(agent="none")
    conversation = started(s, live_mock, "tia")
    live_mock.agent(conversation, "transfer", {"skillId": "1234"})
    s.wait_for("tia", "agent_left")
    assert live_mock.agent_view(conversation)["skillId"] == "1234"
    second = live_mock.agent(conversation, "join")["agentId"]
    joined = s.wait_for("tia", "agent_joined", 2)
    assert joined[-1]["agentId"] == second
    live_mock.agent(conversation, "text", {"text": "I'm from billing"})
    wait_until(lambda: s.agent_texts("tia") == ["I'm from billing"], what="the new agent's text")


def test_text_and_structured_content_and_the_receipts_the_agent_sees(frozen_mock: MockProcess) -> None:
    with Stack(frozen_mock, agent="none") as s:
        conversation = started(s, frozen_mock, "uma")
        text_seq = frozen_mock.agent(conversation, "text", {"text": "Which plan?"})["sequence"]
        card_seq = frozen_mock.agent(conversation, "rich-content", {"content": CARD})["sequence"]
        wait_until(lambda: len(s.agent_texts("uma")) == 2, what="both messages")
        assert s.agent_texts("uma") == ["Which plan?", "Our plans\n[Pro]"]
        assert s.events("uma", "text")[1]["content"] == CARD
        # The channel took both: the connector said ACCEPT, and that is what the agent sees.
        seen = view_when(
            frozen_mock,
            conversation,
            lambda v: [m["status"] for m in v["messages"]] == ["ACCEPT", "ACCEPT"],
            "both messages accepted",
        )
        accepted = seen["messages"][0]["accepted"]
        assert [m["sequence"] for m in seen["messages"]] == [text_seq, card_seq]
        assert all(m["read"] is None and m["sent"] <= m["accepted"] for m in seen["messages"])
        frozen_mock.advance(5)
        s.read("uma", [text_seq])  # the consumer read the text only
        seen = view_when(frozen_mock, conversation, lambda v: v["messages"][0]["status"] == "READ", "the READ")
        assert seen["messages"][0]["read"] == accepted + 5000
        assert seen["messages"][1]["status"] == "ACCEPT"


def test_the_agent_sees_the_consumer_typing(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="none")
    conversation = started(s, live_mock, "val")
    assert live_mock.agent_view(conversation)["consumer"]["typing"] is False
    s.typing("val", "COMPOSING")
    typing = view_when(live_mock, conversation, lambda v: v["consumer"]["typing"], "the consumer typing")["consumer"]
    assert typing["chatState"] == "COMPOSING"
    assert isinstance(typing["since"], int)
    s.typing("val", "PAUSE")
    view_when(live_mock, conversation, lambda v: v["consumer"]["chatState"] == "PAUSE", "the pause")
    s.typing("val", "COMPOSING")
    view_when(live_mock, conversation, lambda v: v["consumer"]["typing"], "typing again")
    s.say("val", "here it is")  # a message ends the indicator
    view_when(live_mock, conversation, lambda v: not v["consumer"]["typing"], "typing ended by the message")


def test_close_by_the_agent_and_by_the_consumer(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="none")
    conversation = started(s, live_mock, "wes")
    live_mock.agent(conversation, "close")
    assert s.wait_for("wes", "closed")[0]["by"] == "AGENT"
    assert live_mock.agent_view(conversation)["stage"] == "CLOSE"
    second = started(s, live_mock, "wes")
    assert second != conversation
    s.close_conversation("wes")
    assert s.wait_for("wes", "closed", 2)[-1]["by"] == "CONSUMER"
    assert live_mock.agent_view(second)["stage"] == "CLOSE"


def test_managers_and_readers_are_not_shown_as_agents(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="none")
    conversation = started(s, live_mock, "xia")
    live_mock.agent(conversation, "join", {"role": "MANAGER"})
    live_mock.agent(conversation, "join", {"role": "READER"})
    live_mock.agent(conversation, "text", {"text": "still me"})
    wait_until(lambda: s.agent_texts("xia") == ["still me"], what="the agent's text")
    live_mock.post("/_mockcc/settle")
    assert len(s.events("xia", "agent_joined")) == 1
    assert s.events("xia", "agent_left") == []
    roles = [p["role"] for p in live_mock.agent_view(conversation)["participants"]]
    assert roles == ["CONSUMER", "ASSIGNED_AGENT", "MANAGER", "READER"]


def test_automatic_messages_reach_the_consumer_when_announced(
    stack: Callable[..., Stack], live_mock: MockProcess
) -> None:
    s = stack(agent="none", auto_messages=True)
    s.say("yan", "hello?")
    [auto] = s.wait_for("yan", "text")
    assert auto["role"] == "CONTROLLER"
    assert "agent will be with you" in auto["text"]
    conversation = s.conversation_id("yan")
    live_mock.agent(conversation, "auto-message", {"text": "You are number 2 in the queue"})
    wait_until(lambda: len(s.agent_texts("yan")) == 2, what="the second automatic message")
    assert s.events("yan", "agent_joined") == []  # the controller is no agent
    calls = live_mock.journal("conversation") + live_mock.journal("send")
    assert all("AUTO_MESSAGES" in c["request_headers"].get("client-properties", "") for c in calls)
    plain = stack(agent="none")
    plain.say("zed", "hello?")
    plain.conversation_id("zed")
    live_mock.post("/_mockcc/settle")
    assert plain.agent_texts("zed") == []
