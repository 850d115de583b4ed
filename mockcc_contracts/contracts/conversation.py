"""Conversations: LP-CONV-* (open, reuse, never write to a closed one, consumer close, typing, receipts)."""

from __future__ import annotations

from mockcc_contracts.contract import Failed, contract
from mockcc_contracts.evidence import describe_call
from mockcc_contracts.harness import Harness, event_of, items


def _requests(h: Harness, since: int, kind: str) -> list[dict[str, object]]:
    return [c for c in h.calls(since, "conversation") if any(i.get("type") == kind for i in items(c))]


@contract("LP-CONV-001", "MUST", "A consumer's first message opens a conversation", operations=("CONVERSATION",))
def opens(h: Harness) -> None:
    """The first message of a consumer without an open conversation makes a CONVERSATION request LivePerson
    accepts (cm.ConsumerRequestConversation for the brand), then the text is published to that
    conversation with ms.PublishEvent."""
    since = h.mark()
    conversation = h.start(h.consumer("open"))
    accepted = [c for c in _requests(h, since, "cm.ConsumerRequestConversation") if c["status"] == 200]
    if not accepted:
        raise Failed("no accepted cm.ConsumerRequestConversation", [describe_call(c) for c in h.calls(since)][:10])
    if not h.sends(since, event_type="ContentEvent", dialog_id=conversation):
        raise Failed(f"the text was not published to conversation {conversation}")


@contract(
    "LP-CONV-002",
    "MUST",
    "One open conversation per consumer",
    operations=("CONVERSATION", "SEND"),
    requires=("LP-CONV-001",),
)
def one_open(h: Harness) -> None:
    """LivePerson allows a consumer one open conversation. While it is open, the consumer's later
    messages go to it: the connector does not ask for another one."""
    consumer = h.consumer("reuse")
    since = h.mark()
    conversation = h.start(consumer)
    for _ in range(2):
        words = h.text("next")
        h.say(consumer, words)
        h.wait_published(words, since)
    requests = _requests(h, since, "cm.ConsumerRequestConversation")
    if len(requests) != 1:
        raise Failed(f"{len(requests)} conversation requests for one consumer", [describe_call(c) for c in requests])
    elsewhere = [
        c for c in h.sends(since, event_type="ContentEvent") if c not in h.sends(since, dialog_id=conversation)
    ]
    if elsewhere:
        raise Failed("texts went to more than one conversation", [describe_call(c) for c in elsewhere])


@contract(
    "LP-CONV-003",
    "MUST",
    "A closed conversation is never written to",
    operations=("agent close", "CONVERSATION"),
    requires=("LP-CONV-001", "LP-AGENT-003"),
)
def closed_never_written(h: Harness) -> None:
    """After the agent closes a conversation, the consumer's next message opens a new conversation; the
    connector does not publish to the closed one (LivePerson would refuse it)."""
    consumer = h.consumer("reopen")
    conversation, agent = h.joined(consumer)
    agent.close()
    h.control.settle()
    with h.needs("LP-AGENT-003"):
        h.wait(lambda: h.received(consumer, "closed"), "the close to reach the consumer", timeout=min(h.patience, 5.0))
    since = h.mark()
    words = h.text("after the close")
    h.say(consumer, words)
    h.wait(
        lambda: (
            (new := h.open_conversation(consumer)) and new != conversation and words in h.published_texts(since, new)
        ),
        f"{words!r} to reach a new conversation",
    )
    wrong = h.sends(since, dialog_id=conversation)
    if wrong:
        raise Failed(f"the connector wrote to closed conversation {conversation}", [describe_call(c) for c in wrong])


@contract(
    "LP-CONV-004",
    "MUST",
    "The consumer can close the conversation",
    operations=("cm.UpdateConversationField CLOSE",),
    requires=("LP-CONV-001",),
)
def consumer_closes(h: Harness) -> None:
    """When the consumer ends the conversation on the channel, the connector closes it in LivePerson
    (cm.UpdateConversationField with ConversationStateField CLOSE)."""
    consumer = h.consumer("bye")
    conversation = h.start(consumer)
    closed = h.driver.close(consumer)
    if not closed.accepted:
        raise Failed("the connector refused the consumer's close", [f"channel answer: {closed.detail}"])
    h.wait(
        lambda: any(
            c["convId"] == conversation and c["conversationDetails"]["state"] == "CLOSE"
            for c in h.conversations_of(consumer)
        ),
        f"conversation {conversation} to be closed",
    )


@contract(
    "LP-CONV-005",
    "SHOULD",
    "The consumer's typing reaches the agent",
    operations=("SEND ChatStateEvent",),
    requires=("LP-CONV-001",),
)
def typing(h: Harness) -> None:
    """When the consumer types, the connector publishes a ChatStateEvent (COMPOSING) so the agent sees it."""
    consumer = h.consumer("typing")
    conversation = h.start(consumer)
    since = h.mark()
    h.driver.send_typing(consumer, True)
    h.wait(
        lambda: [
            c
            for c in h.sends(since, event_type="ChatStateEvent", dialog_id=conversation)
            if c["status"] == 200 and any(event_of(i).get("chatState") == "COMPOSING" for i in items(c))
        ],
        "a ChatStateEvent COMPOSING",
    )


@contract(
    "LP-CONV-006",
    "SHOULD",
    "Agent messages are acknowledged",
    operations=("SEND AcceptStatusEvent",),
    requires=("LP-AGENT-001",),
)
def receipts(h: Harness) -> None:
    """When an agent message reached the consumer, the connector tells LivePerson with an AcceptStatusEvent
    (ACCEPT or READ) naming that message's sequence."""
    consumer = h.consumer("receipts")
    conversation, agent = h.joined(consumer)
    since = h.mark()
    words = h.text("please confirm")
    sequence = agent.say(words)
    with h.needs("LP-AGENT-001"):
        h.wait(lambda: words in h.texts(consumer), f"{words!r} to reach the consumer")
    h.wait(
        lambda: [
            c
            for c in h.sends(since, event_type="AcceptStatusEvent", dialog_id=conversation)
            if c["status"] == 200 and any(sequence in (event_of(i).get("sequenceList") or []) for i in items(c))
        ],
        f"an AcceptStatusEvent for sequence {sequence}",
    )
