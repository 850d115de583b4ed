"""Builders shared by the webhook tests: subscriptions, notifications, log filters."""

from __future__ import annotations

from typing import Any, Literal

from mockcc.webhooks import Notification, Subscription, WebhookDispatcher

T0 = 1_700_000_000.0
ACCOUNT = "42257269"
CLIENT_ID = "81fad476-88af-4d08-bc0e-20bc69439ed4"
SECRET = "rl9hacst6kqilbofup64n11ga3"

CONTENT = "ms.MessagingEventNotification.ContentEvent"
RICH = "ms.MessagingEventNotification.RichContentEvent"
ACCEPT = "ms.MessagingEventNotification.AcceptStatusEvent"
CHAT = "ms.MessagingEventNotification.ChatStateEvent"
CONVERSATION = "cqm.ExConversationChangeNotification"


def hook(url: str, max_retries: int | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One ``capabilities.webhooks`` entry."""
    entry: dict[str, Any] = {"endpoint": url}
    if max_retries is not None:
        entry["max_retries"] = max_retries
    if headers:
        entry["headers"] = [{"header_name": k, "header_value": v} for k, v in headers.items()]
    return entry


def subscription(
    webhooks: dict[str, Any],
    *,
    retention: float | None = None,
    algorithm: Literal["sha1", "sha256"] = "sha1",
    enabled: bool = True,
    client_id: str = CLIENT_ID,
) -> Subscription:
    """An installation snapshot; ``retention`` switches on the TTL mechanism."""
    config = dict(webhooks)
    if retention is not None:
        config["retry"] = {"retention_time": retention}
    return Subscription(ACCOUNT, client_id, SECRET, config, algorithm, enabled)


def content(conversation: str, sequence: int, text: str = "hi") -> Notification:
    """A consumer text message, as LivePerson would notify it."""
    change = {
        "sequence": sequence,
        "originatorId": "c0ffee",
        "originatorMetadata": {"id": "c0ffee", "role": "CONSUMER"},
        "serverTimestamp": 1_700_000_000_000 + sequence,
        "event": {"type": "ContentEvent", "message": text, "contentType": "text/plain"},
        "conversationId": conversation,
        "dialogId": conversation,
    }
    body = {"kind": "notification", "body": {"changes": [change]}, "type": "ms.MessagingEventNotification"}
    return Notification(CONTENT, conversation, body)


def chat_state(conversation: str, state: str = "COMPOSING") -> Notification:
    """An agent typing indicator (no sequence)."""
    change = {
        "originatorId": "agent-1",
        "originatorMetadata": {"id": "agent-1", "role": "ASSIGNED_AGENT"},
        "event": {"type": "ChatStateEvent", "chatState": state},
        "conversationId": conversation,
        "dialogId": conversation,
    }
    body = {"kind": "notification", "body": {"changes": [change]}, "type": "ms.MessagingEventNotification"}
    return Notification(CHAT, conversation, body)


def accept(conversation: str, sequence: int) -> Notification:
    """An agent read receipt."""
    change = {
        "sequence": sequence,
        "originatorId": "agent-1",
        "originatorMetadata": {"id": "agent-1", "role": "ASSIGNED_AGENT"},
        "serverTimestamp": 1_700_000_000_000,
        "event": {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0]},
        "conversationId": conversation,
        "dialogId": conversation,
    }
    body = {"kind": "notification", "body": {"changes": [change]}, "type": "ms.MessagingEventNotification"}
    return Notification(ACCEPT, conversation, body)


def conversation_change(conversation: str, state: str = "OPEN") -> Notification:
    """A lean ExConversationChangeNotification UPSERT."""
    result = {"convId": conversation, "effectiveTTR": -1, "conversationDetails": {"state": state, "stage": state}}
    body = {
        "kind": "notification",
        "body": {"changes": [{"type": "UPSERT", "result": result}]},
        "type": CONVERSATION,
    }
    return Notification(CONVERSATION, conversation, body)


def attempts(dispatcher: WebhookDispatcher, **filters: Any) -> list[dict[str, Any]]:
    """Log entries that are HTTP attempts (they carry a status or an error)."""
    return [
        entry
        for entry in dispatcher.deliveries()
        if (entry["status"] is not None or entry["error"] is not None)
        and all(entry[key] == value for key, value in filters.items())
    ]


def outcomes(dispatcher: WebhookDispatcher, outcome: str) -> list[dict[str, Any]]:
    """Log entries with this outcome."""
    return [entry for entry in dispatcher.deliveries() if entry["outcome"] == outcome]


def conversation_sequences(requests: list[Any]) -> dict[str, list[int]]:
    """conversationId -> the sequences received, in arrival order (JSON bodies of a Receiver)."""
    seen: dict[str, list[int]] = {}
    for request in requests:
        change = request.json()["body"]["changes"][0]
        seen.setdefault(change["conversationId"], []).append(change["sequence"])
    return seen
