"""Every notification LivePerson documents, and the ones it has not invented yet.

LP-AGENT-007..010: files, quick replies, the agent typing, the agent's read receipts reach the consumer.
LP-HOOK-008: notifications of unknown types are acknowledged (200), not refused.
LP-HOOK-009: deliveries signed with the installation's algorithm and encoding are accepted.
LP-HOOK-010: a stale conversation change (older ``metaDataLastUpdateTs``) is discarded.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from mockcc_contracts.contract import Failed, NotApplicable, contract
from mockcc_contracts.contracts.forgery import WATCH_ACCEPTED, delivered_copy, encode, post, signed
from mockcc_contracts.evidence import describe_delivery
from mockcc_contracts.harness import Harness

JSON = dict[str, Any]
FILE_PATH = "/v1/AUTH_async-images/70000001/mockcc-contract-receipt.png"


def _mentions(h: Harness, consumer: str, words: str) -> bool:
    """True when something the consumer received shows ``words`` (its text, or the raw item)."""
    return any(words in (r.text or "") or words in json.dumps(r.raw, ensure_ascii=False) for r in h.received(consumer))


@contract(
    "LP-AGENT-007",
    "MUST",
    "Agent files reach the consumer",
    operations=("webhook ContentEvent hosted/file",),
    requires=("LP-AGENT-001",),
)
def agent_file(h: Harness) -> None:
    """A file the agent shares (a ContentEvent with contentType ``hosted/file``: caption, relativePath,
    fileType) reaches the consumer as the channel can show it (at least its caption): dropping it loses
    the agent's message."""
    consumer = h.consumer("file")
    conversation, _ = h.joined(consumer)
    caption = h.text("your receipt")
    h.control.agent(conversation, "file", {"caption": caption, "relativePath": FILE_PATH, "fileType": "PNG"})
    h.faults_armed.add("agent file (hosted/file)")
    h.wait(lambda: _mentions(h, consumer, caption), f"the file {caption!r} to reach the consumer")


QUICK_REPLIES = ("Yes", "Not now")


@contract(
    "LP-AGENT-008",
    "MUST",
    "Quick replies reach the consumer with their choices",
    operations=("webhook ContentEvent quickReplies",),
    requires=("LP-AGENT-001",),
)
def quick_replies(h: Harness) -> None:
    """An agent's (or bot's) question with quick replies (a text ContentEvent carrying ``quickReplies``)
    reaches the consumer with its text and every choice's title: without them the consumer cannot
    answer a survey or a bot."""
    consumer = h.consumer("quick")
    conversation, _ = h.joined(consumer)
    question = h.text("Did that solve it?")
    replies = {
        "type": "quickReplies",
        "itemsPerRow": 8,
        "replies": [
            {"type": "button", "title": title, "click": {"actions": [{"type": "publishText", "text": title}]}}
            for title in QUICK_REPLIES
        ],
    }
    h.control.agent(conversation, "text", {"text": question, "quickReplies": replies})
    h.wait(lambda: any(question in t for t in h.texts(consumer)), f"the question {question!r} to reach the consumer")
    shown = [r for r in h.received(consumer, "text") if question in (r.text or "")]
    missing = [t for t in QUICK_REPLIES if not any(t in json.dumps(r.raw, ensure_ascii=False) for r in shown)]
    if missing:
        raise Failed(f"the question arrived without the choices {missing}", [json.dumps(r.raw)[:200] for r in shown])


@contract(
    "LP-AGENT-009",
    "SHOULD",
    "The agent's typing reaches the consumer",
    operations=("webhook ChatStateEvent",),
    requires=("LP-AGENT-001",),
)
def agent_typing(h: Harness) -> None:
    """When the agent types (a ChatStateEvent COMPOSING, which carries no sequence), the consumer is told
    (the channel's ``typing``)."""
    consumer = h.consumer("agenttyping")
    _, agent = h.joined(consumer)
    agent.typing(True)
    h.wait(lambda: h.received(consumer, "typing"), "the agent's typing to reach the consumer")


@contract(
    "LP-AGENT-010",
    "SHOULD",
    "The agent's read receipts reach the consumer",
    operations=("webhook AcceptStatusEvent",),
    requires=("LP-CONV-001", "LP-AGENT-001"),
)
def agent_read(h: Harness) -> None:
    """When the agent reads the consumer's message (an AcceptStatusEvent READ naming its sequence), the
    consumer is told (the channel's ``receipt``)."""
    consumer = h.consumer("agentread")
    conversation, agent = h.joined(consumer)
    words = h.text("did you read this?")
    h.say(consumer, words)
    h.wait_published(words)
    sequence = next(
        int(e["sequence"])
        for e in h.control.conversation(conversation)["events"]
        if e["event"].get("type") == "ContentEvent" and e["event"].get("message") == words
    )
    agent.read([sequence])
    h.wait(
        lambda: any(r.raw.get("status") == "READ" for r in h.received(consumer, "receipt")),
        f"the agent's READ of sequence {sequence} to reach the consumer",
    )


def _future(conversation: str, genuine_doc: JSON) -> list[tuple[str, JSON]]:
    """Notifications LivePerson may send tomorrow: unknown event, content, change and notification types."""
    change = genuine_doc["body"]["changes"][0]
    other_dialog = str(uuid.uuid4())  # a second dialog, so no sequence of the MAIN one is taken

    def messaging(event: JSON, sequence: int) -> JSON:
        item = {**change, "dialogId": other_dialog, "conversationId": conversation, "sequence": sequence}
        return {"kind": "notification", "body": {"changes": [{**item, "event": event}]}, "type": genuine_doc["type"]}

    return [
        ("an unknown event type", messaging({"type": "FutureEvent", "payload": {"level": 3}}, 0)),
        (
            "an unknown content type",
            messaging({"type": "ContentEvent", "contentType": "application/x-future", "message": {"v": 2}}, 1),
        ),
        (
            "an unknown conversation change type",
            {
                "kind": "notification",
                "body": {"changes": [{"type": "FUTURE_CHANGE", "result": {"convId": conversation}}]},
                "type": "cqm.ExConversationChangeNotification",
            },
        ),
        (
            "an unknown notification type",
            {
                "kind": "notification",
                "body": {"changes": [{"conversationId": conversation}]},
                "type": "ms.FutureNotification",
            },
        ),
    ]


@contract(
    "LP-HOOK-008",
    "MUST",
    "Notifications of unknown types are acknowledged",
    operations=("webhook (unknown types)",),
    faults=("notifications of unknown types",),
    requires=("LP-AGENT-001",),
)
def unknown_types(h: Harness) -> None:
    """LivePerson adds event, content and change types over time. A correctly signed notification the
    connector does not understand (an unknown event type, content type, change type or notification
    type) is answered 200 and ignored: anything else counts as a failed delivery, which LivePerson
    retries and, in retention mode, holds every later notification of the installation behind. The
    conversation goes on: the agent's next message still reaches the consumer."""
    consumer = h.consumer("future")
    conversation, agent = h.joined(consumer)
    words = h.text("before the future")
    agent.say(words)
    h.wait(lambda: words in h.texts(consumer), f"{words!r} to reach the consumer")
    doc, _ = delivered_copy(h, conversation, words)
    h.faults_armed.add("notifications of unknown types")
    refused = []
    future = _future(conversation, doc)
    h.invented.add(str(future[0][1]["body"]["changes"][0]["dialogId"]))
    for label, notification in future:
        body = encode(notification)
        answer = post(h, body, signed(h, body))
        if answer.status_code not in (200, 201):
            refused.append(f"{label}: answered {answer.status_code} {answer.text[:100]!r} to {body[:160]!r}")
    if refused:
        raise Failed(f"{len(refused)} notification(s) of unknown types refused (LivePerson would retry them)", refused)
    after = h.text("after the future")
    agent.say(after)
    h.wait(lambda: after in h.texts(consumer), f"the agent's next message {after!r} to reach the consumer")
    if h.received(consumer, "closed") or h.received(consumer, "agent_left"):
        raise Failed("an unknown notification was taken for a close or a transfer")


#: The installation's signature settings LivePerson offers besides the default (sha1, base64).
SIGNINGS = (("sha256", "base64"), ("sha1", "hex"), ("sha256", "hex"))


@contract(
    "LP-HOOK-009",
    "MUST",
    "Deliveries signed as the installation is configured are accepted",
    operations=("webhook signature",),
    faults=("sha256 signatures", "hex signatures"),
    requires=("LP-AGENT-001",),
)
def configured_signing(h: Harness) -> None:
    """An installation can be switched to HMAC-SHA256, and the digest written in hexadecimal instead of
    Base64 (``X-Liveperson-Signature: sha256=<hex>``). Signed that way, notifications are accepted and
    reach the consumer: a connector that only knows ``sha1=`` + Base64 refuses (and so loses) every one."""
    if not h.owns_registration:
        raise NotApplicable("the connector registers its own webhooks: the suite cannot change the signing")
    for algorithm, encoding in SIGNINGS:
        h.seed(signing=(algorithm, encoding))
        h.faults_armed.add(f"{algorithm} signatures" if encoding == "base64" else "hex signatures")
        consumer = h.consumer(f"{algorithm}{encoding}")
        conversation, agent = h.joined(consumer)
        mark = h.delivery_mark()
        words = h.text(f"signed {algorithm} {encoding}")
        agent.say(words)
        try:
            _arrives(h, consumer, words)
        except Failed as failed:
            raise Failed(
                f"a notification signed {algorithm}=<{encoding}> did not reach the consumer",
                [describe_delivery(d) for d in h.deliveries(mark, conversation)][-6:],
            ) from failed


def _arrives(h: Harness, consumer: str, words: str) -> None:
    h.wait(lambda: words in h.texts(consumer), f"{words!r} to reach the consumer")


@contract(
    "LP-HOOK-010",
    "SHOULD",
    "Stale conversation changes are discarded",
    operations=("webhook ExConversationChangeNotification",),
    faults=("stale conversation change",),
    requires=("LP-AGENT-001",),
)
def stale_change(h: Harness) -> None:
    """Conversation changes may arrive late (a retry, a replay). Each carries ``metaDataLastUpdateTs``; a
    change older than one already applied is discarded (LivePerson's schema says so). Here the agent
    joins, then transfers the conversation; the join's change arrives again afterwards, and the consumer
    must not be told the agent joined a second time."""
    consumer = h.consumer("stale")
    conversation, agent = h.joined(consumer)
    h.wait(lambda: h.received(consumer, "agent_joined"), "the agent's join to reach the consumer")
    joined = next(
        (
            d
            for d in reversed(h.deliveries(conversation_id=conversation))
            if d["event_key"] == "cqm.ExConversationChangeNotification"
            and d.get("body")
            and "ASSIGNED_AGENT" in d["body"]
            and d["status"] == 200
        ),
        None,
    )
    if joined is None:
        raise Failed("the mock has no delivered join change to replay")
    agent.transfer()
    h.wait(lambda: h.received(consumer, "agent_left"), "the agent's leaving to reach the consumer")
    h.faults_armed.add("stale conversation change")
    body = str(joined["body"]).encode("ascii")
    answer = post(h, body, signed(h, body))
    evidence = [f"replayed {describe_delivery(joined)}; answered {answer.status_code}"]
    if answer.status_code not in (200, 201):
        raise Failed(f"the stale change was answered {answer.status_code}, not 200", evidence)
    if not h.holds(lambda: len(h.received(consumer, "agent_joined")) == 1, WATCH_ACCEPTED):
        raise Failed("the stale change was applied: the consumer was told the agent joined again", evidence)
