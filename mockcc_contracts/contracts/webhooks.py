"""Webhooks: LP-HOOK-* (answering in time, signatures, duplicates, order, unknown conversations, notes)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from mockcc.webhooks.signing import sign
from mockcc_contracts.contract import Failed, contract
from mockcc_contracts.evidence import describe_delivery
from mockcc_contracts.harness import Harness

BURST = 20


def _genuine(h: Harness, conversation: str, words: str) -> tuple[dict[str, object], int]:
    """A notification the mock really delivered for ``conversation`` (the agent's ``words``) and its sequence."""
    for d in reversed(h.deliveries(conversation_id=conversation)):
        if d.get("body") and words in d["body"] and d["event_key"].endswith("ContentEvent"):
            return json.loads(d["body"]), int(d["sequence"])
    raise Failed(f"the mock has no delivery of {words!r} to copy")


def _forge(doc: dict[str, object], *, text: str, sequence: int, conversation: str | None = None) -> bytes:
    """The same notification with another text and sequence (and conversation), serialised as LivePerson does."""
    body = json.loads(json.dumps(doc))
    for change in body["body"]["changes"]:
        change["sequence"] = sequence
        change["event"]["message"] = text
        if conversation is not None:
            change["conversationId"] = change["dialogId"] = conversation
    return json.dumps(body, separators=(",", ":")).encode("ascii")


def _post(h: Harness, body: bytes, signature: str | None) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Liveperson-Account-Id": h.credentials.account_id,
        "X-Liveperson-Client-Id": h.credentials.client_id,
    }
    if signature is not None:
        headers["X-Liveperson-Signature"] = signature
    try:
        return httpx.post(h.webhook_url, content=body, headers=headers, timeout=h.webhook_timeout + 5)
    except httpx.HTTPError as exc:
        raise Failed(f"the webhook endpoint could not be reached: {type(exc).__name__}: {exc}") from exc


@contract(
    "LP-HOOK-001",
    "MUST",
    "Webhooks answered 200 in time, even in a burst",
    operations=("webhook ContentEvent",),
    faults=("burst of 20 agent messages",),
    requires=("LP-AGENT-001",),
)
def answered_in_time(h: Harness) -> None:
    """LivePerson waits 5 seconds for a webhook's answer (the suite's --webhook-timeout) and treats
    anything else as a failure. Every notification, also in a burst of 20 agent messages, is answered
    200 within it: the connector acknowledges first and works after. Every message reaches the consumer."""
    consumer = h.consumer("burst")
    conversation, agent = h.joined(consumer)
    mark = h.delivery_mark()
    words = [h.text(f"burst {i}") for i in range(BURST)]
    for text in words:
        agent.say(text)
    h.faults_armed.add(f"burst of {BURST} agent messages")
    h.control.settle()
    h.wait(lambda: len(_attempts(h, mark, conversation)) >= BURST, f"the mock to deliver all {BURST} messages")
    attempts = _attempts(h, mark, conversation)
    limit_ms = h.webhook_timeout * 1000
    late = [d for d in attempts if d["status"] != 200 or d["error"] or (d["latency_ms"] or 0) > limit_ms]
    if late:
        raise Failed(
            f"{len(late)} of {len(attempts)} deliveries not answered 200 within {h.webhook_timeout:g}s",
            [describe_delivery(d) for d in late[:10]],
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
    _refuses(h, "forged", lambda body: sign(body, "not-the-client-secret"))


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
    doc, sequence = _genuine(h, conversation, genuine)
    fake = h.text(f"{label} by an attacker")
    body = _forge(doc, text=fake, sequence=sequence + 1)
    h.faults_armed.add(f"{label} notification")
    answer = _post(h, body, signature(body))  # type: ignore[operator]
    got_it = not h.holds(lambda: fake not in h.texts(consumer), 1.5)
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
    if not h.holds(lambda: h.texts(consumer).count(words) == 1, 1.0):
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
    doc, _ = _genuine(h, conversation, genuine)
    stranger = h.text("for nobody here")
    body = _forge(doc, text=stranger, sequence=1, conversation=str(uuid.uuid4()))
    h.faults_armed.add("notification for an unknown conversation")
    answer = _post(h, body, sign(body, h.credentials.client_secret))
    evidence = [f"POST {h.webhook_url} (unknown conversation) answered {answer.status_code} {answer.text[:100]!r}"]
    if answer.status_code != 200:
        raise Failed(f"answered {answer.status_code}, not 200 (LivePerson would retry it)", evidence)
    if not h.holds(lambda: stranger not in h.texts(consumer), 1.0):
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
