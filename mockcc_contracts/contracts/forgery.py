"""Notifications the suite writes itself: copies of genuine ones (forged, replayed, of unknown types).

LivePerson's webhooks reach a public URL, so a connector meets notifications the mock would never
send on its own: forged, replayed late, or of a type invented after the connector was written. The
suite builds them from a notification the mock really delivered, and signs them (or not) itself.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from mockcc.webhooks.signing import sign
from mockcc_contracts.contract import Failed
from mockcc_contracts.harness import Harness

JSON = dict[str, Any]

#: How long the suite watches the consumer after POSTing a notification of its own. Refused at the door, it
#: is work the connector never took: a moment shows a forward already under way. Accepted (answered 2xx),
#: it may be forwarded later, from a queue: watched longer.
WATCH_REFUSED, WATCH_ACCEPTED = 0.5, 1.0


def delivered_copy(h: Harness, conversation: str, words: str) -> tuple[JSON, int]:
    """A notification the mock really delivered for ``conversation`` (the agent's ``words``) and its sequence.

    Waited for: a connector that acknowledges first and forwards after can show the text to the consumer
    before the mock has logged its answer (the delivery worker reports it a moment later)."""

    def found() -> tuple[JSON, int] | None:
        for d in reversed(h.deliveries(conversation_id=conversation)):
            if d.get("body") and words in d["body"] and d["event_key"].endswith("ContentEvent"):
                return json.loads(d["body"]), int(d["sequence"])
        return None

    copy = h.wait(found, f"the mock's delivery log to show the delivery of {words!r}", timeout=5.0)
    assert copy is not None  # wait returns only a truthy value
    return copy


def forge(doc: JSON, *, text: str, sequence: int, conversation: str | None = None) -> bytes:
    """The same notification with another text and sequence (and conversation), serialised as LivePerson does."""
    body = json.loads(json.dumps(doc))
    for change in body["body"]["changes"]:
        change["sequence"] = sequence
        change["event"]["message"] = text
        if conversation is not None:
            change["conversationId"] = change["dialogId"] = conversation
    return encode(body)


def encode(doc: JSON) -> bytes:
    """Compact, ASCII with escapes: the bytes LivePerson sends (and signs)."""
    return json.dumps(doc, separators=(",", ":")).encode("ascii")


def signed(h: Harness, body: bytes) -> str:
    """The signature LivePerson would send: the installation's secret, algorithm and encoding."""
    algorithm, encoding = h.signing
    return sign(body, h.credentials.client_secret, algorithm, encoding)  # type: ignore[arg-type]


def post(h: Harness, body: bytes, signature: str | None) -> httpx.Response:
    """POST ``body`` to the connector's webhook URL with LivePerson's headers (and ``signature``)."""
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
