"""Webhooks: LP-HOOK-* (answering in time, signatures, duplicates, order, unknown conversations, notes)."""

from __future__ import annotations

import uuid
from typing import Any

from mockcc.webhooks.signing import sign
from mockcc_contracts.contract import Failed, contract
from mockcc_contracts.contracts.forgery import WATCH_ACCEPTED, WATCH_REFUSED, delivered_copy, forge, post, signed
from mockcc_contracts.evidence import describe_delivery
from mockcc_contracts.harness import Harness

BURST = 20


#: LivePerson: "endpoints should answer within 2.5 s"; slower for 2 minutes and the app may be disabled
#: without warning (Webhooks docs, protocol notes §5.5). Its 5 s read timeout is the last resort, not the goal.
ANSWER_WITHIN = 2.5


@contract(
    "LP-HOOK-001",
    "MUST",
    "Webhooks answered 200 within 2.5 s, even in a burst",
    operations=("webhook ContentEvent",),
    faults=("burst of 20 agent messages",),
    requires=("LP-AGENT-001",),
)
def answered_in_time(h: Harness) -> None:
    """LivePerson expects a webhook's answer within 2.5 seconds (slower for two minutes and it may disable
    the app; it gives up after 5 s) and treats anything but 200/201 as a failure. Every notification,
    also in a burst of 20 agent messages, is answered 200 within 2.5 s (or --webhook-timeout, if
    shorter): the connector acknowledges first and works after. Every message reaches the consumer."""
    consumer = h.consumer("burst")
    conversation, agent = h.joined(consumer)
    mark = h.delivery_mark()
    words = [h.text(f"burst {i}") for i in range(BURST)]
    for text in words:
        agent.say(text)
    h.faults_armed.add(f"burst of {BURST} agent messages")
    h.control.settle()
    limit = min(ANSWER_WITHIN, h.webhook_timeout)

    def late() -> list[dict[str, Any]]:
        return [
            d
            for d in _attempts(h, mark, conversation)
            if d["status"] != 200 or d["error"] or (d["latency_ms"] or 0) > limit * 1000
        ]

    h.wait(
        lambda: late() or len(_attempts(h, mark, conversation)) >= BURST,
        f"the mock to deliver all {BURST} messages",
    )
    if slow := late():
        raise Failed(
            f"{len(slow)} of {len(_attempts(h, mark, conversation))} deliveries not answered 200 within {limit:g}s",
            [describe_delivery(d) for d in slow[:10]],
        )
    h.wait(lambda: all(w in h.texts(consumer) for w in words), f"all {BURST} messages to reach the consumer")


def _attempts(h: Harness, mark: int, conversation: str) -> list[dict[str, Any]]:
    return [d for d in h.deliveries(mark, conversation) if d["outcome"] in ("delivered", "failed")]


@contract(
    "LP-HOOK-002",
    "MUST",
    "A forged signature is refused",
    operations=("webhook signature",),
    faults=("forged signature",),
    requires=("LP-AGENT-001",),
)
def forged_refused(h: Harness) -> None:
    """A notification whose X-Liveperson-Signature does not match the body (signed with another secret) is
    refused with a 4xx and never reaches the consumer: anyone can POST to a webhook URL."""
    _refuses(h, "forged", lambda body: sign(body, "not-the-client-secret", *h.signing))  # type: ignore[arg-type]


@contract(
    "LP-HOOK-003",
    "MUST",
    "A missing signature is refused",
    operations=("webhook signature",),
    faults=("unsigned notification",),
    requires=("LP-AGENT-001",),
)
def unsigned_refused(h: Harness) -> None:
    """A notification without an X-Liveperson-Signature header is refused with a 4xx and never reaches the
    consumer."""
    _refuses(h, "unsigned", lambda body: None)


def _refuses(h: Harness, label: str, signature: object) -> None:
    consumer = h.consumer(label)
    conversation, agent = h.joined(consumer)
    genuine = h.text("genuine")
    agent.say(genuine)
    with h.needs("LP-AGENT-001"):
        h.wait(lambda: genuine in h.texts(consumer), f"{genuine!r} to reach the consumer")
    doc, sequence = delivered_copy(h, conversation, genuine)
    fake = h.text(f"{label} by an attacker")
    body = forge(doc, text=fake, sequence=sequence + 1)
    h.faults_armed.add(f"{label} notification")
    answer = post(h, body, signature(body))  # type: ignore[operator]
    watch = WATCH_REFUSED if 400 <= answer.status_code < 500 else WATCH_ACCEPTED
    got_it = not h.holds(lambda: fake not in h.texts(consumer), watch)
    evidence = [f"POST {h.webhook_url} ({label}) answered {answer.status_code} {answer.text[:100]!r}"]
    if got_it:
        raise Failed(f"the {label} notification's text reached the consumer", evidence)
    if not 400 <= answer.status_code < 500:
        raise Failed(f"the {label} notification was answered {answer.status_code}, not a 4xx", evidence)


@contract(
    "LP-HOOK-004",
    "MUST",
    "Duplicates are shown once",
    operations=("webhook ContentEvent",),
    faults=("webhook duplicate",),
    requires=("LP-AGENT-001",),
)
def duplicates_once(h: Harness) -> None:
    """LivePerson may deliver the same notification twice; the consumer sees each agent message once
    (de-duplicate on dialog and sequence)."""
    consumer = h.consumer("dup")
    _, agent = h.joined(consumer)
    h.arm_webhook("duplicate", count=1)
    words = h.text("said once")
    agent.say(words)
    h.control.settle()
    h.wait(lambda: words in h.texts(consumer), f"{words!r} to reach the consumer")
    # settle: both copies were delivered and answered; a moment shows a second forward (as LP-HOOK-007)
    if not h.holds(lambda: h.texts(consumer).count(words) == 1, 0.5):
        raise Failed(f"the consumer got {words!r} {h.texts(consumer).count(words)} times")


@contract(
    "LP-HOOK-005",
    "MUST",
    "Overtaken messages are put back in order",
    operations=("webhook ContentEvent",),
    faults=("webhook reorder",),
    requires=("LP-AGENT-001",),
)
def reordered(h: Harness) -> None:
    """Notifications may overtake each other; the consumer sees the agent's messages in the order the agent
    sent them (their sequence), not in the order they arrived."""
    consumer = h.consumer("order")
    _, agent = h.joined(consumer)
    h.arm_webhook("reorder", count=1)
    first, second = h.text("first"), h.text("second")
    agent.say(first)
    agent.say(second)
    h.control.settle()
    h.wait(lambda: {first, second} <= set(h.texts(consumer)), "both messages to reach the consumer")
    got = [t for t in h.texts(consumer) if t in (first, second)]
    if got != [first, second]:
        raise Failed(f"the consumer got them in this order: {got}")


@contract(
    "LP-HOOK-006",
    "MUST",
    "Unknown conversations are acknowledged and ignored",
    operations=("webhook ContentEvent",),
    faults=("notification for an unknown conversation",),
    requires=("LP-AGENT-001",),
)
def unknown_ignored(h: Harness) -> None:
    """A correctly signed notification about a conversation the connector does not know (another
    connector's, or one from before a restart) is answered 200, so LivePerson does not retry it, and
    nothing reaches any consumer."""
    consumer = h.consumer("known")
    conversation, agent = h.joined(consumer)
    genuine = h.text("genuine")
    agent.say(genuine)
    with h.needs("LP-AGENT-001"):
        h.wait(lambda: genuine in h.texts(consumer), f"{genuine!r} to reach the consumer")
    doc, _ = delivered_copy(h, conversation, genuine)
    stranger = h.text("for nobody here")
    invented = str(uuid.uuid4())
    h.invented.add(invented)
    body = forge(doc, text=stranger, sequence=1, conversation=invented)
    h.faults_armed.add("notification for an unknown conversation")
    answer = post(h, body, signed(h, body))
    evidence = [f"POST {h.webhook_url} (unknown conversation) answered {answer.status_code} {answer.text[:100]!r}"]
    if answer.status_code != 200:
        raise Failed(f"answered {answer.status_code}, not 200 (LivePerson would retry it)", evidence)
    if not h.holds(lambda: stranger not in h.texts(consumer), WATCH_ACCEPTED):
        raise Failed("the unknown conversation's message reached a consumer", evidence)


@contract(
    "LP-HOOK-007",
    "MUST",
    "Private notes never reach the consumer",
    operations=("webhook ContentEvent (private)",),
    requires=("LP-AGENT-001",),
)
def notes_private(h: Harness) -> None:
    """An agent's private note (messageAudience AGENTS_AND_MANAGERS) is for agents and managers only: it
    never reaches the consumer, while the agent's next public message does."""
    consumer = h.consumer("notes")
    _, agent = h.joined(consumer)
    secret, public = h.text("internal note: VIP, refund approved"), h.text("public")
    agent.note(secret)
    agent.say(public)
    h.control.settle()
    h.wait(lambda: public in h.texts(consumer), f"{public!r} to reach the consumer")
    if not h.holds(lambda: secret not in h.texts(consumer), 0.5):
        raise Failed("the private note reached the consumer")
