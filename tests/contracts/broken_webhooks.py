"""Webhook- and agent-side flaws of the broken-connector catalogue (see ``broken_connector``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import json
import os
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import connector_ref.app
import connector_ref.bridge
import connector_ref.render
import connector_ref.state
import connector_ref.webhooks

JSON = dict[str, Any]
Handler = Callable[[Request], Any]
MESSAGING = "ms.MessagingEventNotification"


def _wrap_receiver(wrap: Callable[[Handler], Handler]) -> None:
    """Put ``wrap`` around the connector's webhook endpoint (signature check and all)."""
    inner = connector_ref.app.receiver

    def receiver(secret: str, accept: Callable[[str, Any], None]) -> Handler:
        return wrap(inner(secret, accept))

    connector_ref.app.receiver = receiver


def _no_signature_check() -> None:
    """Signatures: X-Liveperson-Signature is never checked; anyone can post to the webhook URL."""
    connector_ref.webhooks.signature_ok = lambda body, secret, header: True


def _sha1_base64_only() -> None:
    """Signatures: only ``sha1=`` + Base64 is known (the first example in the docs)."""

    def sha1_only(body: bytes, secret: str, header: str | None) -> bool:
        expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()
        return bool(header) and hmac.compare_digest(str(header), f"sha1={expected}")

    connector_ref.webhooks.signature_ok = sha1_only


def _500_on_unknown_types() -> None:
    """Webhooks: notifications are dispatched by type from a table; a type not in it raises (500)."""
    original = connector_ref.webhooks.notification_changes
    events = {"ContentEvent", "RichContentEvent", "AcceptStatusEvent", "ChatStateEvent"}
    contents = {"text/plain", "hosted/file"}

    def strict(doc: object) -> list[tuple[str, JSON]]:
        assert isinstance(doc, dict)
        handler = {MESSAGING: "messaging", "cqm.ExConversationChangeNotification": "conversation"}[doc["type"]]
        for change in doc["body"]["changes"]:
            if handler == "messaging":
                event = change["event"]
                if event["type"] not in events or event.get("contentType", "text/plain") not in contents:
                    raise ValueError(f"unhandled event {event['type']} {event.get('contentType')}")
            elif change["type"] not in ("UPSERT", "DELETE"):
                raise ValueError(f"unhandled change type {change['type']}")
        return original(doc)

    connector_ref.webhooks.notification_changes = strict


def _404_for_unknown_conversations() -> None:
    """Webhooks: a notification about a conversation the connector does not know is answered 404."""

    def wrap(handler: Handler) -> Handler:
        async def strict(request: Request) -> Any:
            body = await request.body()
            secret = os.environ.get("CONNECTOR_CLIENT_SECRET", "")
            if connector_ref.webhooks.signature_ok(body, secret, request.headers.get("X-Liveperson-Signature")):
                known = request.app.state.bridge.conversations
                for kind, change in connector_ref.webhooks.notification_changes(json.loads(body)):
                    if kind == MESSAGING and connector_ref.webhooks.conversation_key(kind, change) not in known:
                        return JSONResponse({"error": "unknown conversation"}, status_code=404)
            return await handler(request)

        return strict

    _wrap_receiver(wrap)


def _dedupe_before_signature_check() -> None:
    """Duplicates: (dialogId, sequence) remembered at the door, before the signature is checked."""

    def wrap(handler: Handler) -> Handler:
        recent: set[tuple[str, int]] = set()

        async def edge(request: Request) -> Any:
            try:
                doc = json.loads(await request.body())
            except ValueError:
                doc = None
            keys = [
                (str(c.get("dialogId")), int(c["sequence"]))
                for _, c in connector_ref.webhooks.notification_changes(doc)
                if isinstance(c.get("sequence"), int)
            ]
            if keys and all(k in recent for k in keys):
                return Response(status_code=200)  # "a duplicate"
            recent.update(keys)
            return await handler(request)

        return edge

    _wrap_receiver(wrap)


def _slow_webhooks() -> None:
    """Webhooks: the work (here SLOW_WEBHOOK_SECONDS of it, default 4) is done before the answer."""
    pause = float(os.environ.get("SLOW_WEBHOOK_SECONDS", "4"))

    def wrap(handler: Handler) -> Handler:
        async def slow(request: Request) -> Any:
            await asyncio.sleep(pause)
            return await handler(request)

        return slow

    _wrap_receiver(wrap)


def _duplicates_shown() -> None:
    """Duplicates: a notification delivered twice is shown twice."""
    connector_ref.webhooks.Seen.first_time = lambda self, dialog_id, sequence: True  # type: ignore[method-assign]


def _no_reordering() -> None:
    """Ordering: agent messages go to the channel in the order they arrived."""
    os.environ["CONNECTOR_REORDER_HOLD"] = "0"


def _private_notes_forwarded() -> None:
    """Audience: private notes (AGENTS_AND_MANAGERS) are forwarded like any agent text."""
    connector_ref.bridge.PRIVATE_AUDIENCE = "NOBODY"  # the note's audience no longer matches: it is forwarded


def _stale_changes_applied() -> None:
    """Conversation changes: applied as they come, whatever their metaDataLastUpdateTs."""
    details_of = connector_ref.bridge.Bridge._conversation_details

    async def latest_wins(self: Any, conversation: Any, details: JSON, adopted: bool) -> None:
        fresh = {k: v for k, v in details.items() if k != "metaDataLastUpdateTs"}
        await details_of(self, conversation, fresh, adopted)

    connector_ref.bridge.Bridge._conversation_details = latest_wins  # type: ignore[method-assign]


def _managers_shown_as_agents() -> None:
    """Participants: the agent is whoever joined last, MANAGER and READER included."""
    details_of = connector_ref.bridge.Bridge._conversation_details
    staff = ("ASSIGNED_AGENT", "MANAGER", "READER")

    async def last_joined(self: Any, conversation: Any, details: JSON, adopted: bool) -> None:
        people = [
            {**p, "role": "ASSIGNED_AGENT" if p.get("role") in staff else p.get("role")}
            for p in reversed(details.get("participants") or [])
        ]
        await details_of(self, conversation, {**details, "participants": people}, adopted)

    connector_ref.bridge.Bridge._conversation_details = last_joined  # type: ignore[method-assign]


def _html_escaped_agent_text() -> None:
    """Content: agent texts HTML-escaped for a channel that shows plain text (``&amp;`` on the phone)."""
    render = connector_ref.render.agent_message

    def escaped(event: JSON, sequence: object, role: object) -> JSON:
        out = render(event, sequence, role)
        return {**out, "text": html.escape(str(out["text"]))}

    connector_ref.render.agent_message = escaped


def _text_only() -> None:
    """Content: only text/plain ContentEvents are forwarded; rich content and files are logged and dropped."""
    deliver = connector_ref.bridge.Bridge._deliver

    async def text_only(self: Any, conversation: Any, change: JSON) -> None:
        event = change.get("event") or {}
        if event.get("type") == "RichContentEvent" or event.get("contentType", "text/plain") != "text/plain":
            return
        await deliver(self, conversation, change)

    connector_ref.bridge.Bridge._deliver = text_only  # type: ignore[method-assign]


def _quick_replies_lost() -> None:
    """Content: a text's quickReplies are not rendered; the consumer gets the question without its choices."""
    content_event = connector_ref.render.content_event

    def without(event: JSON) -> tuple[str, bool]:
        return content_event({k: v for k, v in event.items() if k != "quickReplies"})

    connector_ref.render.content_event = without


def _close_not_forwarded() -> None:
    """Lifecycle: the conversation's close is handled inside, and the consumer never told."""

    async def nothing(self: Any, conversation: Any, by: str) -> None:
        return None

    connector_ref.bridge.Bridge._tell_closed = nothing  # type: ignore[method-assign]


def _transfer_shown_as_close() -> None:
    """Lifecycle: the agent leaving (a transfer) is taken for the end of the conversation."""
    tell = connector_ref.bridge.Bridge._tell

    async def ended(self: Any, conversation: Any, event: JSON) -> bool:
        if event.get("type") == "agent_left":
            event = {"type": "closed", "by": "AGENT"}
        return await tell(self, conversation, event)

    connector_ref.bridge.Bridge._tell = ended  # type: ignore[method-assign]


def _resumed_conversation_unknown() -> None:
    """Lifecycle: only conversations the connector opened are its own; one an agent resumes is ignored."""
    connector_ref.state.Memory.owner = lambda self, conversation_id, details: self.conversations.get(conversation_id)  # type: ignore[method-assign]


FLAWS: dict[str, Callable[[], None]] = {
    "no-signature-check": _no_signature_check,
    "sha1-base64-only": _sha1_base64_only,
    "500-on-unknown-types": _500_on_unknown_types,
    "404-for-unknown-conversations": _404_for_unknown_conversations,
    "dedupe-before-signature-check": _dedupe_before_signature_check,
    "slow-webhooks": _slow_webhooks,
    "duplicates-shown": _duplicates_shown,
    "no-reordering": _no_reordering,
    "private-notes-forwarded": _private_notes_forwarded,
    "stale-changes-applied": _stale_changes_applied,
    "managers-shown-as-agents": _managers_shown_as_agents,
    "html-escaped-agent-text": _html_escaped_agent_text,
    "text-only": _text_only,
    "quick-replies-lost": _quick_replies_lost,
    "closed-not-forwarded": _close_not_forwarded,
    "transfer-shown-as-close": _transfer_shown_as_close,
    "resumed-conversation-unknown": _resumed_conversation_unknown,
}
