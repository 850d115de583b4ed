"""The channel's side: a generic HTTP messaging channel, like an SMS gateway.

Inbound, the channel POSTs one JSON object per consumer action to ``/channel/messages``::

    {"consumerId": "+15550100", "text": "hello"}                     # type defaults to "text"
    {"consumerId": "+15550100", "type": "text", "text": "hi", "messageId": "m-1",
     "profile": {"firstName": "Ada", "lastName": "L", "email": "...", "phone": "...",
                 "customerId": "...", "ctype": "vip", "gender": "FEMALE", "language": "en-US"}}
    {"consumerId": "+15550100", "type": "typing", "chatState": "COMPOSING"}   # or "PAUSE"
    {"consumerId": "+15550100", "type": "close"}
    {"consumerId": "+15550100", "type": "read", "sequences": [2, 3], "conversationId": "..."}  # optional id

(``read``: the consumer read those agent messages, by the ``sequence`` of their ``text`` events; the
conversation defaults to the consumer's current one) and gets ``202 {"accepted": true, "messageId": ...}``
at once (400 for a malformed object, 503 when the connector is overloaded: try again later). Per
consumer, actions are handled in order.

Outbound, the connector POSTs to the channel URL one JSON object per event, each with
``consumerId``, ``type`` and (when there is one) ``conversationId``:

    ``sent``          {"messageId", "sequence"}       the consumer's text reached LivePerson
    ``error``         {"messageId", "text"}           it did not, and will not: tell the consumer
    ``agent_joined``  {"agentId"}                     an agent accepted the conversation
    ``agent_left``    {}                              the agent transferred it (back to a queue)
    ``resumed``       {}                              an agent resumed a closed conversation: this new
                                                      ``conversationId`` is the consumer's from now on
    ``typing``        {"typing": true|false}          the agent started/stopped typing
    ``text``          {"text", "sequence", "role", "fallback", "content"?}   an agent message (``role``
                      CONTROLLER: LivePerson's automatic message, with AUTO_MESSAGES on); rich
                      content, files and quick replies arrive as a text fallback (``fallback`` true,
                      ``content`` the original structured content)
    ``receipt``       {"status": "ACCEPT"|"READ", "messageIds": [...], "sequences": [...]}  the agent
                      got/read those consumer messages
    ``closed``        {"by": "CONSUMER"|"AGENT"|"SYSTEM"}   the conversation is over

Any 2xx from the channel means delivered; other answers are retried a few times, then logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from connector_ref.retry import LpError, RetryPolicy

log = logging.getLogger("connector_ref.channel")

JSON = dict[str, Any]
INBOUND_TYPES = ("text", "typing", "close", "read")
MAX_READ_SEQUENCES = 1_000
MAX_CONSUMER_ID = 200
MAX_TEXT = 20_000


class BadMessage(ValueError):
    """An inbound channel object the connector cannot act on; the text says why."""


def parse_inbound(doc: object) -> JSON:
    """Check an inbound object and return it normalised (``type`` filled in)."""
    if not isinstance(doc, dict):
        raise BadMessage("expected a JSON object")
    consumer = doc.get("consumerId")
    if not isinstance(consumer, str) or not consumer.strip() or len(consumer) > MAX_CONSUMER_ID:
        raise BadMessage(f"consumerId must be a non-empty string of at most {MAX_CONSUMER_ID} characters")
    kind = doc.get("type", "text")
    if kind not in INBOUND_TYPES:
        raise BadMessage(f"type must be one of {', '.join(INBOUND_TYPES)}")
    if kind == "text":
        text = doc.get("text")
        if not isinstance(text, str) or not text.strip():
            raise BadMessage("text must be a non-empty string")
        if len(text) > MAX_TEXT:
            raise BadMessage(f"text is longer than {MAX_TEXT} characters")
    if kind == "typing" and doc.get("chatState", "COMPOSING") not in ("COMPOSING", "PAUSE"):
        raise BadMessage("chatState must be COMPOSING or PAUSE")
    if kind == "read":
        sequences = doc.get("sequences")
        if (
            not isinstance(sequences, list)
            or not 0 < len(sequences) <= MAX_READ_SEQUENCES
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sequences)
        ):
            raise BadMessage(f"sequences must be a list of 1 to {MAX_READ_SEQUENCES} non-negative integers")
        if "conversationId" in doc and not isinstance(doc["conversationId"], str):
            raise BadMessage("conversationId must be a string")
    if "profile" in doc and not isinstance(doc["profile"], dict):
        raise BadMessage("profile must be an object")
    if "messageId" in doc and not isinstance(doc["messageId"], str):
        raise BadMessage("messageId must be a string")
    return {**doc, "type": kind}


def user_profile(profile: JSON) -> JSON:
    """The channel's flat profile as a SetUserProfile body with ``ctmrinfo`` and ``personal`` SDEs."""

    def text(name: str) -> str | None:
        value = profile.get(name)
        return str(value) if isinstance(value, str | int) and str(value) else None

    body: JSON = {k: v for k in ("firstName", "lastName") if (v := text(k))}
    private = {k: v for k, v in (("mobileNum", text("phone")), ("mail", text("email"))) if v}
    if private:
        body["privateData"] = private
    info = {k: v for k in ("customerId", "socialId", "ctype", "userName", "imei", "cstatus") if (v := text(k))}
    personal: JSON = {
        k: v
        for k, v in (
            ("firstname", text("firstName")),
            ("lastname", text("lastName")),
            ("language", text("language")),
            ("company", text("company")),
        )
        if v
    }
    if profile.get("gender") in ("MALE", "FEMALE", "OTHER"):
        personal["gender"] = profile["gender"]
    contacts = {k: v for k, v in (("email", text("email")), ("phone", text("phone"))) if v}
    if contacts:
        personal["contacts"] = [contacts]
    sdes: list[JSON] = []
    if info:
        sdes.append({"type": "ctmrinfo", "info": info})
    if personal:
        sdes.append({"type": "personal", "personal": personal})
    if sdes:
        body["authenticatedData"] = {"lp_sdes": sdes}
    return body


class ChannelClient:
    """POSTs events to the channel's outbound URL, with the same bounded retries as LivePerson calls."""

    def __init__(self, url: str, http: httpx.AsyncClient, policy: RetryPolicy) -> None:
        self.url = url
        self._http = http
        self._policy = policy
        self.delivered = 0
        self.failed = 0

    async def post(self, event: JSON) -> bool:
        """Deliver ``event``; False (and logged) if the channel did not take it."""
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        try:
            response = await self._policy.run(
                "channel", lambda: self._http.post(self.url, content=body, headers=headers)
            )
            error = "" if response.is_success else f"HTTP {response.status_code}"
        except LpError as exc:
            error = str(exc)
        if error:
            self.failed += 1
            log.error("channel refused %s event for consumer %s: %s", event.get("type"), event.get("consumerId"), error)
            return False
        self.delivered += 1
        return True
