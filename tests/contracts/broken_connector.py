"""``python -m tests.contracts.broken_connector FLAW``: the reference connector with one deliberate flaw.

Test-only: each flaw is switched on here, by replacing one piece of ``connector_ref`` in this process,
so the reference connector itself stays clean. The suite drives it like any brand's connector: a
separate process, configured by environment variables, known only through the channel protocol.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import sys
from collections.abc import Callable
from typing import Any

import connector_ref.__main__
import connector_ref.app
import connector_ref.bridge
import connector_ref.channel
import connector_ref.lp
import connector_ref.receipts
import connector_ref.webhooks
from connector_ref.retry import RetryPolicy
from connector_ref.tokens import AppJwtCache


def _no_signature_check() -> None:
    connector_ref.webhooks.signature_ok = lambda body, secret, header: True


def _new_app_jwt_every_time() -> None:
    AppJwtCache._fresh = lambda self: None  # type: ignore[method-assign]


def _no_backoff_on_429() -> None:
    RetryPolicy.rate_limit_delay = lambda self, attempt, retry_after=None: 0.0  # type: ignore[method-assign]


def _private_notes_forwarded() -> None:
    connector_ref.bridge.PRIVATE_AUDIENCE = "NOBODY"  # the note's audience no longer matches: it is forwarded


def _duplicates_shown() -> None:
    connector_ref.webhooks.Seen.first_time = lambda self, dialog_id, sequence: True  # type: ignore[method-assign]


def _slow_webhooks() -> None:
    """Answer every webhook only after doing the work (here: SLOW_WEBHOOK_SECONDS of it)."""
    pause = float(os.environ.get("SLOW_WEBHOOK_SECONDS", "1.5"))
    inner = connector_ref.app.receiver

    def receiver(secret: str, accept: Callable[[str, Any], None]) -> Callable[..., Any]:
        handler = inner(secret, accept)

        async def slow(request: Any) -> Any:
            await asyncio.sleep(pause)
            return await handler(request)

        return slow

    connector_ref.app.receiver = receiver


def _never_renews_app_jwt() -> None:
    """Keep the first AppJWT for ever: neither its expiry nor a 401 makes it fetch another."""
    AppJwtCache._fresh = lambda self: self._cached  # type: ignore[method-assign]

    async def refused(self: AppJwtCache, token: str) -> str:
        return await self.get()

    AppJwtCache.refused = refused  # type: ignore[method-assign]


def _closed_not_forwarded() -> None:
    """Never tell the consumer that the conversation was closed (the channel's ``closed``)."""

    async def tell_closed(self: Any, conversation: Any, by: str) -> None:
        self.stats["conversations_closed"] += 1

    connector_ref.bridge.Bridge._tell_closed = tell_closed  # type: ignore[method-assign]


def _no_typing_no_receipts() -> None:
    """Misses two SHOULDs: the consumer's typing never reaches LivePerson, agent messages are never acknowledged."""

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


#: A connector written from prose guesses the channel's field names (issue 18): each event renamed so.
GUESSED_NAMES = {"closed": {"by": "closedBy"}, "agent_joined": {"agentId": "agent"}, "text": {"text": "message"}}


def _channel_field_names_guessed() -> None:
    post = connector_ref.channel.ChannelClient.post

    async def guessed(self: connector_ref.channel.ChannelClient, event: dict[str, Any]) -> bool:
        renames = GUESSED_NAMES.get(str(event.get("type")), {})
        return await post(self, {renames.get(k, k): v for k, v in event.items()})

    connector_ref.channel.ChannelClient.post = guessed  # type: ignore[method-assign]


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


FLAWS: dict[str, Callable[[], None]] = {
    "none": lambda: None,
    "never-renews-app-jwt": _never_renews_app_jwt,
    "closed-not-forwarded": _closed_not_forwarded,
    "no-typing-no-receipts": _no_typing_no_receipts,
    "conversation-for-another-brand": _conversation_for_another_brand,
    "no-signature-check": _no_signature_check,
    "new-app-jwt-every-request": _new_app_jwt_every_time,
    "no-backoff-on-429": _no_backoff_on_429,
    "private-notes-forwarded": _private_notes_forwarded,
    "duplicates-shown": _duplicates_shown,
    "slow-webhooks": _slow_webhooks,
    "channel-field-names-guessed": _channel_field_names_guessed,
    "send-api-host-hard-coded": _send_api_host_hard_coded,
    "signature-compared-as-hex": _signature_compared_as_hex,
}

if __name__ == "__main__":
    _record_pid()
    FLAWS[sys.argv[1]]()
    sys.exit(connector_ref.__main__.main(sys.argv[2:]))
