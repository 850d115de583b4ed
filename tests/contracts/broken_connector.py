"""``python -m tests.contracts.broken_connector FLAW``: the reference connector with one bug a brand could ship.

Test-only: each flaw is switched on here, by replacing one piece of ``connector_ref`` in this process
(or setting one of its options), so the reference connector itself stays clean. The suite drives it
like any brand's connector: a separate process, configured by environment variables, known only
through the channel protocol. The catalogue, and which contracts catch each flaw, is
docs/contracts-matrix.md; this module holds the LivePerson-side flaws (tokens, retries, sending),
``broken_webhooks`` the webhook- and agent-side ones.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import random
import sys
from collections.abc import Callable
from typing import Any

import httpx

import connector_ref.__main__
import connector_ref.bridge
import connector_ref.channel
import connector_ref.lp
import connector_ref.receipts
from connector_ref.retry import LpError, RetryPolicy
from connector_ref.tokens import AppJwtCache, ConsumerTokens
from tests.contracts import broken_webhooks

Flaw = Callable[[], None]


def _new_app_jwt_every_time() -> None:
    """Tokens: no cache, a Sentinel call per request."""
    AppJwtCache._fresh = lambda self: None  # type: ignore[method-assign]


def _never_renews_app_jwt() -> None:
    """Tokens: the first AppJWT is kept forever, expired or refused."""
    AppJwtCache._fresh = lambda self: self._cached  # type: ignore[method-assign,assignment]

    async def refused(self: AppJwtCache, token: str) -> str:
        return token

    AppJwtCache.refused = refused  # type: ignore[method-assign]


def _renewal_per_request() -> None:
    """Tokens: a 401 makes every request in flight fetch its own AppJWT (no single flight)."""

    async def refused(self: AppJwtCache, token: str) -> str:
        return await self._renew()

    AppJwtCache.refused = refused  # type: ignore[method-assign]


def _consumer_jws_every_time() -> None:
    """Tokens: a new ConsumerJWS for every message of a consumer."""

    async def get(self: ConsumerTokens, consumer_id: str) -> str:
        return await self._fetch(consumer_id)

    ConsumerTokens.get = get  # type: ignore[method-assign]
    ConsumerTokens.lp_consumer_id = lambda self, consumer_id: None  # type: ignore[method-assign]


def _any_401_renews_app_jwt() -> None:
    """Tokens: every 401 is taken for an expired AppJWT; a refused ConsumerJWS is sent again."""
    connector_ref.lp._CONSUMER_TOKEN_ERRORS = ()  # type: ignore[assignment]


def _no_backoff_on_429() -> None:
    """Retries: a 429 is retried at once, in a storm."""
    RetryPolicy.rate_limit_delay = lambda self, attempt, retry_after=None: 0.0  # type: ignore[method-assign]


def _silent_drop_on_5xx() -> None:
    """Retries: the first 5xx ends it, and the consumer is never told (only a log line)."""
    os.environ["CONNECTOR_SERVER_ERROR_PAUSES"] = ""
    post = connector_ref.channel.ChannelClient.post

    async def quiet(self: connector_ref.channel.ChannelClient, event: dict[str, Any]) -> bool:
        return True if event.get("type") == "error" else await post(self, event)

    connector_ref.channel.ChannelClient.post = quiet  # type: ignore[method-assign]


def _gives_up_on_network_errors() -> None:
    """Retries: a 5xx is retried, but a dropped connection (the HTTP client's exception) ends the send."""
    run = RetryPolicy.run

    async def status_only(self: RetryPolicy, what: str, call: Callable[[], Any]) -> Any:
        async def once() -> Any:
            try:
                return await call()
            except httpx.TransportError as exc:  # "only HTTP statuses are retried": the message is lost
                raise LpError(what, 0, detail=f"{type(exc).__name__}: {exc}") from exc

        return await run(self, what, once)

    RetryPolicy.run = status_only  # type: ignore[method-assign]


def _retry_forever_on_5xx() -> None:
    """Retries: a 5xx is retried every 0.3 s, without end."""
    os.environ["CONNECTOR_SERVER_ERROR_PAUSES"] = ",".join(["0.3"] * 10_000)


def _tells_then_keeps_retrying() -> None:
    """Retries: after two 5xx retries the consumer is told, but a background task keeps resending every 0.3 s."""
    os.environ["CONNECTOR_SERVER_ERROR_PAUSES"] = "0.3,0.3"
    consumer_text = connector_ref.bridge.Bridge._consumer_text
    background: set[asyncio.Task[None]] = set()

    async def told_and_resent(self: Any, consumer: Any, text: str, message_id: str) -> None:
        try:
            await consumer_text(self, consumer, text, message_id)
        except LpError:

            async def until_it_goes() -> None:
                while True:
                    await asyncio.sleep(0.3)
                    try:
                        return await consumer_text(self, consumer, text, message_id)
                    except LpError:
                        continue

            task = asyncio.get_running_loop().create_task(until_it_goes())
            background.add(task)
            task.add_done_callback(background.discard)
            raise  # the consumer is told (the channel's error)

    connector_ref.bridge.Bridge._consumer_text = told_and_resent  # type: ignore[method-assign]


def _retries_4xx() -> None:
    """Retries: a 400 is retried twice more, like a 5xx."""
    run = RetryPolicy.run

    async def retrying(self: RetryPolicy, what: str, call: Callable[[], Any]) -> Any:
        for _ in range(2):
            response = await run(self, what, call)
            if response.status_code != 400:
                return response
            await self.sleep(0.3)
        return await run(self, what, call)

    RetryPolicy.run = retrying  # type: ignore[method-assign]


def _short_timeout_resends() -> None:
    """Retries: a 1 s HTTP timeout, and a timed-out SEND is sent again (it may have gone through)."""
    os.environ["CONNECTOR_HTTP_TIMEOUT"] = "1"
    os.environ["CONNECTOR_SERVER_ERROR_PAUSES"] = "0.2,0.2,0.2"


def _concurrent_sends() -> None:
    """Ordering: each inbound message is sent from its own task (and the network adds its jitter)."""
    submit = connector_ref.bridge.Lanes.submit

    def own_lane(self: connector_ref.bridge.Lanes, key: str, job: Any) -> None:
        submit(self, f"{key}/{random.random()}" if self.name == "consumer" else key, job)

    connector_ref.bridge.Lanes.submit = own_lane  # type: ignore[method-assign]
    send_text = connector_ref.lp.LpClient.send_text

    async def jittery(self: connector_ref.lp.LpClient, *args: Any) -> Any:
        await asyncio.sleep(random.uniform(0, 1.0))
        return await send_text(self, *args)

    connector_ref.lp.LpClient.send_text = jittery  # type: ignore[method-assign]


def _truncates_long_messages() -> None:
    """Content: a long message is cut to 2000 characters "to be safe", silently."""
    connector_ref.bridge.split_text = lambda text, limit: [text[:2000]]


def _strips_emoji() -> None:
    """Content: characters outside the BMP (emoji) vanish, as in a MySQL ``utf8`` (3-byte) column."""
    send_text = connector_ref.lp.LpClient.send_text

    async def bmp_only(self: connector_ref.lp.LpClient, consumer: str, dialog: str, conv: str, text: str) -> Any:
        return await send_text(self, consumer, dialog, conv, "".join(c for c in text if ord(c) <= 0xFFFF))

    connector_ref.lp.LpClient.send_text = bmp_only  # type: ignore[method-assign]


def _keeps_closed_conversation() -> None:
    """Conversations: a close is shown to the consumer, but the connector keeps writing to that conversation."""

    def forget(consumer: Any, conversation_id: str) -> None:
        return None

    connector_ref.bridge.Memory.forget = staticmethod(forget)  # type: ignore[method-assign]


def _conversation_per_message() -> None:
    """Conversations: stateless, it asks for a conversation with every message and uses the one it is refused for."""
    consumer_text = connector_ref.bridge.Bridge._consumer_text

    async def forgetful(self: Any, consumer: Any, text: str, message_id: str) -> None:
        await consumer_text(self, consumer, text, message_id)
        consumer.conversation_id = consumer.dialog_id = None

    connector_ref.bridge.Bridge._consumer_text = forgetful  # type: ignore[method-assign]


def _forgets_on_restart() -> None:
    """Lifecycle: consumers' conversations are kept in memory only; a redeploy forgets them."""
    os.environ.pop("CONNECTOR_STATE_DIR", None)


def _consumer_close_ignored() -> None:
    """Conversations: the consumer's "close" is acknowledged and never sent to LivePerson."""

    async def ignore(self: Any, consumer: Any) -> None:
        return None

    connector_ref.bridge.Bridge._consumer_close = ignore  # type: ignore[method-assign]


def _no_receipts() -> None:
    """Receipts: agent messages are never acknowledged (ACCEPT/READ)."""
    os.environ["CONNECTOR_READ_RECEIPTS"] = "false"


def _receipts_with_string_sequences() -> None:
    """Receipts: sequenceList written as strings (``["3"]``), which LivePerson refuses."""
    send_receipt = connector_ref.lp.LpClient.send_receipt

    async def stringly(self: Any, consumer: str, dialog: str, conv: str, status: str, sequences: list[int]) -> Any:
        return await send_receipt(self, consumer, dialog, conv, status, [str(s) for s in sequences])  # type: ignore[misc]

    connector_ref.lp.LpClient.send_receipt = stringly  # type: ignore[method-assign]


def _agent_receipts_dropped() -> None:
    """Receipts: the agent's ACCEPT/READ of the consumer's messages never reach the channel."""

    async def nothing(self: Any, *args: Any) -> None:
        return None

    connector_ref.receipts.Receipts.from_agent = nothing  # type: ignore[method-assign]


def _ignores_chat_states() -> None:
    """Typing: neither the consumer's nor the agent's typing is passed on."""

    async def nothing(self: Any, *args: Any) -> None:
        return None

    connector_ref.bridge.Bridge._consumer_typing = nothing  # type: ignore[method-assign]
    tell = connector_ref.bridge.Bridge._tell

    async def no_typing(self: Any, conversation: Any, event: dict[str, Any]) -> bool:
        return True if event.get("type") == "typing" else await tell(self, conversation, event)

    connector_ref.bridge.Bridge._tell = no_typing  # type: ignore[method-assign]


#: A connector written from prose guesses the channel's field names (issue 18): each event renamed so.
GUESSED_NAMES = {"closed": {"by": "closedBy"}, "agent_joined": {"agentId": "agent"}, "text": {"text": "message"}}


def _channel_field_names_guessed() -> None:
    """Channel: the events' field names guessed from prose (``closedBy``, ``agent``, ``message``)."""
    post = connector_ref.channel.ChannelClient.post

    async def guessed(self: connector_ref.channel.ChannelClient, event: dict[str, Any]) -> bool:
        renames = GUESSED_NAMES.get(str(event.get("type")), {})
        return await post(self, {renames.get(k, k): v for k, v in event.items()})

    connector_ref.channel.ChannelClient.post = guessed  # type: ignore[method-assign]


def _no_typing_no_receipts() -> None:
    """Typing and receipts: the consumer's typing never reaches LivePerson, agent messages are never acknowledged."""

    async def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    connector_ref.bridge.Bridge._consumer_typing = nothing  # type: ignore[method-assign]
    connector_ref.receipts.Receipts.delivered = nothing  # type: ignore[method-assign]


def _conversation_for_another_brand() -> None:
    """Ask for conversations with the developer's sandbox account as ``brandId``: none ever opens."""
    import connector_ref.lp

    def request(kind: str, body: Any) -> Any:
        if kind == "cm.ConsumerRequestConversation":
            body = {**body, "brandId": "12345678"}
        return original(kind, body)

    original = connector_ref.lp._req
    connector_ref.lp._req = request


def _record_pid() -> None:
    """Write this process's id and group to $CONNECTOR_PIDFILE (the lifecycle tests look for them)."""
    path = os.environ.get("CONNECTOR_PIDFILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {os.getpgid(0)}\n")


def _send_api_host_hard_coded() -> None:
    """Asks CSDS (so the old "called CSDS first" check passes), then sends the Send API to the CSDS host."""
    discovered = connector_ref.lp.LpClient.host

    async def host(self: connector_ref.lp.LpClient, service: str) -> str:
        found = await discovered(self, service)
        return self.settings.csds_host if service == connector_ref.lp.SEND_API else found

    connector_ref.lp.LpClient.host = host  # type: ignore[method-assign]


def _signature_compared_as_hex() -> None:
    """Compares the header with a hex digest: refuses every delivery LivePerson signs (base64)."""

    def hex_only(body: bytes, secret: str, header: str | None) -> bool:
        return header == "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()

    connector_ref.webhooks.signature_ok = hex_only


FLAWS: dict[str, Flaw] = {
    "none": lambda: None,  # the reference connector itself (the lifecycle tests record its pid)
    "conversation-for-another-brand": _conversation_for_another_brand,
    "new-app-jwt-every-request": _new_app_jwt_every_time,
    "never-renews-app-jwt": _never_renews_app_jwt,
    "renewal-per-request": _renewal_per_request,
    "consumer-jws-every-message": _consumer_jws_every_time,
    "any-401-renews-app-jwt": _any_401_renews_app_jwt,
    "no-backoff-on-429": _no_backoff_on_429,
    "silent-drop-on-5xx": _silent_drop_on_5xx,
    "retry-forever-on-5xx": _retry_forever_on_5xx,
    "gives-up-on-network-errors": _gives_up_on_network_errors,
    "tells-then-keeps-retrying": _tells_then_keeps_retrying,
    "retries-4xx": _retries_4xx,
    "short-timeout-resends": _short_timeout_resends,
    "concurrent-sends": _concurrent_sends,
    "truncates-long-messages": _truncates_long_messages,
    "strips-emoji": _strips_emoji,
    "keeps-closed-conversation": _keeps_closed_conversation,
    "conversation-per-message": _conversation_per_message,
    "forgets-on-restart": _forgets_on_restart,
    "consumer-close-ignored": _consumer_close_ignored,
    "no-receipts": _no_receipts,
    "receipts-with-string-sequences": _receipts_with_string_sequences,
    "agent-receipts-dropped": _agent_receipts_dropped,
    "ignores-chat-states": _ignores_chat_states,
    "no-typing-no-receipts": _no_typing_no_receipts,
    "channel-field-names-guessed": _channel_field_names_guessed,
    **broken_webhooks.FLAWS,
    "send-api-host-hard-coded": _send_api_host_hard_coded,
    "signature-compared-as-hex": _signature_compared_as_hex,
}

if __name__ == "__main__":
    _record_pid()
    FLAWS[sys.argv[1]]()
    sys.exit(connector_ref.__main__.main(sys.argv[2:]))
