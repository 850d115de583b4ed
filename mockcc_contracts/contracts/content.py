"""Content: LP-CONT-* (over the size limit, non-ASCII and emoji)."""

from __future__ import annotations

from mockcc_contracts.contract import Failed, contract
from mockcc_contracts.harness import Harness

#: Must survive every hop unchanged: accents, other scripts, right-to-left, emoji with ZWJ and flags.
NON_ASCII = ("¡Hola! ¿Qué tal? 👋 naïve café", "日本語のメッセージ Привет مرحبا", "Family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 “quotes”")
LIMIT = 5000


@contract(
    "LP-CONT-001",
    "MUST",
    "A message over LivePerson's limit does not break the connector",
    operations=("SEND",),
    faults=("6000-character message",),
    requires=("LP-CONV-001",),
)
def over_limit(h: Harness) -> None:
    """LivePerson refuses a SEND over 5000 characters. A longer consumer message is split (or refused, and
    the consumer told with ``error``), never a crash: all of it reaches LivePerson or the consumer hears
    why, and the consumer's next message gets through."""
    consumer = h.consumer("long")
    conversation = h.start(consumer)
    since = h.mark()
    long = " ".join(f"word{i}-ü😀" for i in range(700))[: LIMIT + 1000]
    h.faults_armed.add("6000-character message")
    sent = h.driver.send_text(consumer, long)
    if not sent.accepted and not 400 <= int(sent.detail.get("status") or 0) < 500:
        raise Failed("the connector failed on a long message", [f"channel answer: {sent.detail}"])

    def squeezed(text: str) -> str:
        return "".join(text.split())

    h.wait(
        lambda: (
            squeezed(long) in squeezed("".join(h.consumer_texts(conversation)))
            or h.received(consumer, "error")
            or not sent.accepted
        ),
        "the long message to reach LivePerson whole, or an error for the consumer",
    )
    after = h.text("still there?")
    h.say(consumer, after)
    h.wait_published(after, since, "after the long message")


@contract(
    "LP-CONT-002",
    "MUST",
    "Non-ASCII and emoji arrive intact",
    operations=("SEND", "webhook ContentEvent"),
    requires=("LP-AGENT-001",),
)
def non_ascii(h: Harness) -> None:
    """Accents, other scripts and emoji (with ZWJ sequences and flags) arrive intact both ways, consumer to
    agent and agent to consumer: no mojibake, no escapes, nothing dropped."""
    consumer = h.consumer("intl")
    _, agent = h.joined(consumer)
    since = h.mark()
    for words in NON_ASCII:
        h.say(consumer, words)
        h.wait_published(words, since)
    for words in NON_ASCII:
        agent.say(words)
    h.wait(lambda: all(w in h.texts(consumer) for w in NON_ASCII), "the agent's non-ASCII messages, intact")
    if [t for t in h.texts(consumer) if t in NON_ASCII] != list(NON_ASCII):
        raise Failed(f"the consumer got {h.texts(consumer)}")
