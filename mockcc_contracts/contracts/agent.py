"""What the agent does reaches the consumer: LP-AGENT-*."""

from __future__ import annotations

from mockcc_contracts.contract import Failed, contract
from mockcc_contracts.harness import Harness


@contract(
    "LP-AGENT-001",
    "MUST",
    "Agent texts reach the consumer",
    operations=("webhook ContentEvent",),
    requires=("LP-CONV-001",),
)
def agent_text(h: Harness) -> None:
    """What the agent writes reaches the consumer, word for word (its &, <, > and quotes too: not HTML-escaped)."""
    consumer = h.consumer("hear")
    _, agent = h.joined(consumer)
    words = h.text('Order <#42> & "gift" wrap: how can I help?')
    agent.say(words)
    h.wait(lambda: words in h.texts(consumer), f"{words!r} to reach the consumer")


CARD_TITLE = "Would you like a callback?"


@contract(
    "LP-AGENT-002",
    "SHOULD",
    "Rich content reaches the consumer, with a fallback",
    operations=("webhook RichContentEvent",),
    requires=("LP-AGENT-001",),
)
def rich_content(h: Harness) -> None:
    """Structured content (a card with a button) reaches the consumer as the channel can show it: at least
    a text fallback carrying the card's words."""
    consumer = h.consumer("rich")
    _, agent = h.joined(consumer)
    title = h.text(CARD_TITLE)
    agent.rich(
        {
            "type": "vertical",
            "elements": [
                {"type": "text", "text": title},
                {
                    "type": "button",
                    "title": "Yes please",
                    "click": {"actions": [{"type": "publishText", "text": "yes"}]},
                },
            ],
        }
    )
    h.wait(lambda: any(title in t for t in h.texts(consumer)), f"a message with {title!r} to reach the consumer")


@contract(
    "LP-AGENT-003",
    "MUST",
    "The agent's close reaches the consumer",
    operations=("webhook ExConversationChangeNotification",),
    requires=("LP-CONV-001",),
)
def agent_close(h: Harness) -> None:
    """When the agent closes the conversation, the consumer is told (the channel's ``closed``)."""
    consumer = h.consumer("closed")
    _, agent = h.joined(consumer)
    agent.close()
    h.wait(lambda: h.received(consumer, "closed"), "the close to reach the consumer")


@contract(
    "LP-AGENT-004",
    "SHOULD",
    "A transfer reaches the consumer",
    operations=("webhook ExConversationChangeNotification",),
    requires=("LP-CONV-001",),
)
def transfer(h: Harness) -> None:
    """When the agent transfers the conversation back to a skill queue, the consumer is told the agent left
    (the channel's ``agent_left``), and the conversation stays open."""
    consumer = h.consumer("transfer")
    conversation, agent = h.joined(consumer)
    h.wait(
        lambda: h.received(consumer, "agent_joined"),
        "the agent's join to reach the consumer",
        timeout=min(h.patience, 5.0),
    )
    agent.transfer()
    h.wait(lambda: h.received(consumer, "agent_left"), "the agent's leaving to reach the consumer")
    if h.received(consumer, "closed") or h.open_conversation(consumer) != conversation:
        raise Failed("the transfer closed the conversation")


@contract(
    "LP-AGENT-005",
    "SHOULD",
    "A resumed conversation reaches the consumer, and later texts go there",
    operations=("agent resume", "webhook ExConversationChangeNotification", "webhook ContentEvent"),
    requires=("LP-AGENT-001", "LP-AGENT-003"),
)
def resume(h: Harness) -> None:
    """When an agent resumes a closed conversation, LivePerson opens a new one for the same consumer with
    the agent assigned, then the agent writes: the consumer hears it, and its next text goes to the new
    conversation (not to the closed one, and without opening a third)."""
    consumer = h.consumer("resume")
    conversation, agent = h.joined(consumer)
    agent.close()
    with h.needs("LP-AGENT-003"):
        h.wait(lambda: h.received(consumer, "closed"), "the close to reach the consumer")
    words = h.text("Following up: your refund went through")
    resumed = agent.resume(words)
    h.wait(lambda: words in h.texts(consumer), f"the resuming agent's {words!r} to reach the consumer")
    reply = h.text("thank you")
    h.say(consumer, reply)
    h.wait(lambda: reply in h.published_texts(dialog_id=resumed), f"{reply!r} to reach the resumed conversation")
    if reply in h.published_texts(dialog_id=conversation):
        raise Failed("the consumer's text went to the closed conversation as well")
    if len(h.conversations_of(consumer)) != 2:
        raise Failed(f"the consumer has {len(h.conversations_of(consumer))} conversations; expected the two")


@contract(
    "LP-AGENT-006",
    "SHOULD",
    "A manager joining is not shown to the consumer as an agent",
    operations=("webhook ExConversationChangeNotification",),
    requires=("LP-AGENT-001",),
)
def manager(h: Harness) -> None:
    """MANAGER and READER participants (a manager joining or reading along) are not the consumer's agent:
    the consumer hears no second ``agent_joined`` and no ``agent_left``, and the agent's next text arrives."""
    consumer = h.consumer("manager")
    _, agent = h.joined(consumer)
    h.wait(lambda: h.received(consumer, "agent_joined"), "the agent's join to reach the consumer")
    agent.manager_join("MANAGER")
    agent.manager_join("READER")
    words = h.text("My manager is reading along")
    agent.say(words)
    h.wait(lambda: words in h.texts(consumer), f"{words!r} to reach the consumer")
    if len(h.received(consumer, "agent_joined")) != 1 or h.received(consumer, "agent_left"):
        raise Failed("the manager or reader was shown to the consumer as an agent")
