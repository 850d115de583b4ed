"""The connector's own life: LP-CONV-008, a restart keeps each consumer's conversation."""

from __future__ import annotations

from mockcc_contracts.contract import Failed, NotApplicable, contract
from mockcc_contracts.evidence import describe_call
from mockcc_contracts.harness import Harness


@contract(
    "LP-CONV-008",
    "MUST",
    "A restart keeps each consumer's conversation",
    operations=("SEND", "webhook ContentEvent"),
    faults=("connector restart",),
    requires=("LP-CONV-001", "LP-AGENT-001"),
)
def survives_restart(h: Harness) -> None:
    """A connector is redeployed while conversations are open. LivePerson allows a consumer one open
    conversation and offers no way to look it up, so the connector must keep the consumer-to-conversation
    mapping across the restart (stored somewhere durable; the suite offers MOCKCC_STATE_DIR): after it,
    the consumer's next message goes to the same open conversation, and the agent's reply reaches the
    consumer. Forgetting it loses the message (LivePerson refuses a second conversation)."""
    if h.restart is None:
        raise NotApplicable("the suite did not start the connector (--connector-cmd), so it cannot restart it")
    consumer = h.consumer("restart")
    conversation, agent = h.joined(consumer)
    h.wait(lambda: h.received(consumer, "agent_joined"), "the agent's join to reach the consumer")
    h.faults_armed.add("connector restart")
    h.restart()
    since = h.mark()
    words = h.text("after the restart")
    h.say(consumer, words)
    errors = len(h.received(consumer, "error"))
    try:
        h.wait(
            lambda: words in h.published_texts(since) or len(h.received(consumer, "error")) > errors,
            f"{words!r} to reach LivePerson after the restart",
        )
    except Failed as failed:
        raise Failed(
            "after a restart the consumer's message went nowhere", [describe_call(c) for c in h.calls(since)][:10]
        ) from failed
    if words not in h.published_texts(since):
        raise Failed(
            "after a restart the consumer's message was lost (the connector reported an error)",
            [describe_call(c) for c in h.calls(since)][:10],
        )
    if words not in h.published_texts(since, conversation):
        raise Failed(f"after the restart the message went to another conversation than {conversation}")
    reply = h.text("welcome back")
    agent.say(reply)
    h.wait(lambda: reply in h.texts(consumer), f"the agent's {reply!r} to reach the consumer after the restart")
