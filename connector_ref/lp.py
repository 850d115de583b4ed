"""LivePerson's side: CSDS, Sentinel, IdP and the Send API (CONVERSATION and SEND).

Every host comes from CSDS. Every call goes through the retry policy, and every Send API call
carries the cached AppJWT and the consumer's ConsumerJWS; a 401 renews the refused token once and
repeats the call once (a second 401 is a real failure, not something more retries would fix).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from connector_ref.retry import LpError, RetryPolicy
from connector_ref.settings import Settings
from connector_ref.tokens import AppJwtCache, Clock, ConsumerTokens

log = logging.getLogger("connector_ref.lp")

JSON = dict[str, Any]
SEND_API = "asyncMessagingEnt"
#: LivePerson refuses Send API request objects over 5000 characters (protocol notes §6.2).
MAX_REQUEST_CHARS = 5000
_CONSUMER_TOKEN_ERRORS = (40103, 40104)


class OpenConversationExists(LpError):
    """CONVERSATION refused: this consumer already has an open conversation (LivePerson's HTTP 400)."""


class ConversationClosed(LpError):
    """SEND refused: the conversation is closed (``Bad Request, Conversation is close``)."""


def request_chars(payload: object) -> int:
    """Size as LivePerson counts it: characters (UTF-16 units) of the JSON we send."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-16-le")) // 2


def _req(kind: str, body: JSON) -> JSON:
    return {"kind": "req", "id": str(uuid.uuid4()), "type": kind, "body": body}


def publish(dialog_id: str, conversation_id: str, event: JSON) -> JSON:
    """An ``ms.PublishEvent`` request (dialogId and conversationId, as LivePerson's own demo sends)."""
    return _req("ms.PublishEvent", {"dialogId": dialog_id, "conversationId": conversation_id, "event": event})


class LpClient:
    """All LivePerson calls of the connector, with hosts, tokens and retries handled."""

    def __init__(
        self, settings: Settings, http: httpx.AsyncClient, policy: RetryPolicy, *, clock: Clock = time.monotonic
    ) -> None:
        self.settings = settings
        self._http = http
        self._policy = policy
        self._hosts: dict[str, str] = {}
        self._hosts_lock = asyncio.Lock()
        self.app_jwt = AppJwtCache(self._fetch_app_jwt, margin=settings.token_renew_margin, clock=clock)
        self.consumer_jws = ConsumerTokens(self._fetch_consumer_jws)
        features = ["AUTO_MESSAGES"] if settings.auto_messages else []
        self._client_properties = json.dumps({"type": ".ClientProperties", "features": features}) if features else None

    # -- discovery and tokens --------------------------------------------------------------------

    async def host(self, service: str) -> str:
        """The baseURI CSDS gives for ``service`` (discovered once, on first need)."""
        if not self._hosts:
            async with self._hosts_lock:
                if not self._hosts:
                    self._hosts = await self._discover()
        found = self._hosts.get(service)
        if found is None:
            raise LpError("CSDS", 0, detail=f"CSDS lists no {service} service for account {self.settings.account_id}")
        return found

    async def _discover(self) -> dict[str, str]:
        s = self.settings
        url = s.lp_url(s.csds_host, f"/api/account/{s.account_id}/service/baseURI.json?version=1.0")
        response = await self._policy.run("CSDS", lambda: self._http.get(url))
        if response.status_code != 200:
            raise LpError("CSDS", response.status_code, _json(response))
        doc = _json(response)
        uris = doc.get("baseURIs") if isinstance(doc, dict) else None
        hosts = {
            str(u["service"]): str(u["baseURI"])
            for u in uris or []
            if isinstance(u, dict) and u.get("service") and u.get("baseURI")
        }
        log.info("CSDS: %d services for account %s", len(hosts), s.account_id)
        return hosts

    async def _fetch_app_jwt(self) -> str:
        s = self.settings
        url = s.lp_url(
            await self.host("sentinel"),
            f"/sentinel/api/account/{s.account_id}/app/token?v=1.0&grant_type=client_credentials",
        )
        form = {"client_id": s.client_id, "client_secret": s.client_secret}
        response = await self._policy.run("Sentinel", lambda: self._http.post(url, data=form))
        doc = _json(response)
        if response.status_code != 200 or not isinstance(doc, dict) or not isinstance(doc.get("access_token"), str):
            raise LpError("Sentinel", response.status_code, doc)
        log.info("Sentinel: new AppJWT")
        return str(doc["access_token"])

    async def _fetch_consumer_jws(self, consumer_id: str) -> str:
        s = self.settings
        url = s.lp_url(await self.host("idp"), f"/api/account/{s.account_id}/consumer?v=1.0")
        body = json.dumps({"ext_consumer_id": consumer_id}, ensure_ascii=False).encode()

        def call(app_jwt: str) -> Awaitable[httpx.Response]:
            return self._http.post(
                url, content=body, headers={"Authorization": app_jwt, "Content-Type": "application/json"}
            )

        app_jwt = await self.app_jwt.get()
        response = await self._policy.run("IdP", lambda: call(app_jwt))
        if response.status_code == 401:
            app_jwt = await self.app_jwt.refused(app_jwt)
            response = await self._policy.run("IdP", lambda: call(app_jwt))
        doc = _json(response)
        if response.status_code not in (200, 201) or not isinstance(doc, dict) or not isinstance(doc.get("token"), str):
            raise LpError("IdP", response.status_code, doc)
        return str(doc["token"])

    async def lp_consumer_id(self, consumer_id: str) -> str | None:
        """The consumer's participant id in webhooks, read from its ConsumerJWS."""
        await self.consumer_jws.get(consumer_id)
        return self.consumer_jws.lp_consumer_id(consumer_id)

    # -- Send API ----------------------------------------------------------------------------------

    async def _send_api(self, what: str, consumer_id: str, path: str, payload: object) -> object:
        s = self.settings
        url = s.lp_url(await self.host(SEND_API), f"/api/account/{s.account_id}/messaging/consumer/{path}?v=3")
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

        def call(app_jwt: str, jws: str) -> Callable[[], Awaitable[httpx.Response]]:
            headers = {"Authorization": app_jwt, "X-LP-ON-BEHALF": jws, "Content-Type": "application/json"}
            if self._client_properties is not None:  # LivePerson wants it on CONVERSATION and every SEND
                headers["Client-Properties"] = self._client_properties
            return lambda: self._http.post(url, content=body, headers=headers)

        app_jwt, jws = await self.app_jwt.get(), await self.consumer_jws.get(consumer_id)
        response = await self._policy.run(what, call(app_jwt, jws))
        if response.status_code == 401:
            error = LpError(what, 401, _json(response))
            if error.error_code in _CONSUMER_TOKEN_ERRORS:
                self.consumer_jws.refused(consumer_id, jws)
                jws = await self.consumer_jws.get(consumer_id)
            else:
                app_jwt = await self.app_jwt.refused(app_jwt)
            log.info("%s: 401 (errorCode %s); token renewed, trying once more", what, error.error_code)
            response = await self._policy.run(what, call(app_jwt, jws))
        doc = _json(response)
        if response.status_code == 200:
            return doc
        error = LpError(what, response.status_code, doc)
        if "already has open conversation" in error.message:
            raise OpenConversationExists(what, response.status_code, doc)
        if "Conversation is close" in error.message:
            raise ConversationClosed(what, response.status_code, doc)
        raise error

    async def open_conversation(self, consumer_id: str, profile: JSON) -> str:
        """CONVERSATION: SetUserProfile then ConsumerRequestConversation; the new conversation id."""
        request = {"brandId": self.settings.account_id, "channelType": "MESSAGING", "skillId": "-1"}
        batch = [_req("userprofile.SetUserProfile", profile), _req("cm.ConsumerRequestConversation", request)]
        doc = await self._send_api("CONVERSATION", consumer_id, "conversation", batch)
        try:
            return str(doc[1]["body"]["conversationId"])  # type: ignore[index]
        except (IndexError, KeyError, TypeError):
            raise LpError("CONVERSATION", 200, doc, "no conversationId in the answer") from None

    async def send(self, consumer_id: str, request: JSON, what: str = "SEND") -> JSON:
        """SEND one request object; LivePerson's response object (``body.sequence`` for events)."""
        if (size := request_chars(request)) > MAX_REQUEST_CHARS:
            raise LpError(what, 0, detail=f"request of {size} characters exceeds LivePerson's {MAX_REQUEST_CHARS}")
        doc = await self._send_api(what, consumer_id, "conversation/send", request)
        return doc if isinstance(doc, dict) else {}

    def text_budget(self, dialog_id: str, conversation_id: str) -> int:
        """Characters left for message text in one SEND request to this dialog."""
        event = {"type": "ContentEvent", "contentType": "text/plain", "message": ""}
        empty = publish(dialog_id, conversation_id, event)
        return MAX_REQUEST_CHARS - request_chars(empty)

    async def send_text(self, consumer_id: str, dialog_id: str, conversation_id: str, text: str) -> int | None:
        event = {"type": "ContentEvent", "contentType": "text/plain", "message": text}
        return _sequence(await self.send(consumer_id, publish(dialog_id, conversation_id, event), "SEND text"))

    async def send_chat_state(self, consumer_id: str, dialog_id: str, conversation_id: str, state: str) -> None:
        event = {"type": "ChatStateEvent", "chatState": state}
        await self.send(consumer_id, publish(dialog_id, conversation_id, event), "SEND chat state")

    async def send_receipt(
        self, consumer_id: str, dialog_id: str, conversation_id: str, status: str, sequences: list[int]
    ) -> int | None:
        event = {"type": "AcceptStatusEvent", "status": status, "sequenceList": sequences}
        return _sequence(await self.send(consumer_id, publish(dialog_id, conversation_id, event), f"SEND {status}"))

    async def close(self, consumer_id: str, conversation_id: str) -> None:
        field = {"field": "ConversationStateField", "conversationState": "CLOSE"}
        request = _req("cm.UpdateConversationField", {"conversationId": conversation_id, "conversationField": field})
        await self.send(consumer_id, request, "SEND close")


def _sequence(doc: JSON) -> int | None:
    """``body.sequence`` of a PublishEvent answer: the event's number in its dialog."""
    body = doc.get("body")
    sequence = body.get("sequence") if isinstance(body, dict) else None
    return sequence if isinstance(sequence, int) else None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def json_chars(text: str) -> int:
    """Characters ``text`` takes inside a JSON request (escapes included), as LivePerson counts them."""
    return request_chars(text) - 2


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` JSON characters each, at a space when one is near."""
    pieces: list[str] = []
    while text:
        if json_chars(text) <= limit:
            pieces.append(text)
            break
        low, high = 1, len(text)  # the longest prefix that fits: binary search
        while low < high:
            mid = (low + high + 1) // 2
            low, high = (mid, high) if json_chars(text[:mid]) <= limit else (low, mid - 1)
        space = text.rfind(" ", low // 2, low)
        cut = space + 1 if space > 0 else low
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces
