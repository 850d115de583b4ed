"""The webhook receiver: check LivePerson's signature, answer at once, let the bridge work later.

LivePerson signs each body with the app's client secret (``X-Liveperson-Signature: sha1=<base64
HMAC-SHA1>``, or sha256 on some accounts) and counts an answer slower than 2.5 s as a failure, so
the receiver only verifies and queues: the work (and any slow channel) happens after the 200.
A bad signature is refused with 401 before anything is parsed: the body is not LivePerson's.
Notifications may come twice, late or out of order; ``Seen`` and ``Freshness`` filter them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector_ref.lanes import Overloaded

log = logging.getLogger("connector_ref.webhooks")

JSON = dict[str, Any]
SIGNATURE_HEADER = "X-Liveperson-Signature"
_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


def signature_ok(body: bytes, secret: str, header: str | None) -> bool:
    """Constant-time check of ``sha1=``/``sha256=`` + base64 (or hex) HMAC of the raw body."""
    if not header or "=" not in header or not header.isascii():
        return False
    algorithm, _, given = header.strip().partition("=")
    digest = _DIGESTS.get(algorithm.lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).digest()
    try:
        raw = bytes.fromhex(given) if len(given) == 2 * len(expected) else base64.b64decode(given, validate=True)
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(expected, raw)


class Seen:
    """Bounded memory of sequenced events already handled, keyed by (dialogId, sequence)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._keys: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._limit = limit

    def first_time(self, dialog_id: str, sequence: int) -> bool:
        """True the first time this event is offered; False for a duplicate."""
        key = (dialog_id, sequence)
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._limit:
            self._keys.popitem(last=False)
        return True


def notification_changes(doc: object) -> list[tuple[str, JSON]]:
    """``(notification type, change)`` pairs of a webhook body; [] for anything unrecognised."""
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), dict):
        return []
    kind = doc.get("type")
    changes = doc["body"].get("changes")
    if kind not in ("ms.MessagingEventNotification", "cqm.ExConversationChangeNotification"):
        return []
    return [(str(kind), c) for c in changes if isinstance(c, dict)] if isinstance(changes, list) else []


def conversation_key(kind: str, change: JSON) -> str | None:
    """The conversation a change belongs to (its lane), as far as the change itself tells."""
    if kind == "cqm.ExConversationChangeNotification":
        result = change.get("result")
        conv = result.get("convId") if isinstance(result, dict) else None
    else:
        conv = change.get("conversationId") or change.get("dialogId")
    return conv if isinstance(conv, str) and conv else None


def receiver(secret: str, accept: Callable[[str, JSON], None]) -> Callable[[Request], Any]:
    """The webhook endpoint: 401 on a bad signature, else 200 at once and ``accept`` each change."""

    async def webhook(request: Request) -> Response:
        body = await request.body()
        if not signature_ok(body, secret, request.headers.get(SIGNATURE_HEADER)):
            log.warning("webhook refused: bad or missing %s", SIGNATURE_HEADER)
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        try:
            doc = json.loads(body)
        except ValueError:
            log.warning("webhook body is not JSON; ignored")
            return Response(status_code=200)
        try:
            for kind, change in notification_changes(doc):
                accept(kind, change)
        except Overloaded:
            return JSONResponse({"error": "overloaded, retry later"}, status_code=503)
        return Response(status_code=200)

    return webhook
