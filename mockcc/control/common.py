"""Helpers shared by the control-plane endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockcc.errors import BadRequest, NotFound
from mockcc.http import Ctx
from mockcc.state.models import Account, Conversation
from mockcc.types import JSON
from mockcc.webhooks.notifications import conversation_details, messaging_change

if TYPE_CHECKING:
    from mockcc.mock import Mock


def body_object(ctx: Ctx, *, optional: bool = False) -> JSON:
    """The JSON object body of a control call ({} when optional and empty). Only a body of no bytes at
    all counts as absent: whitespace alone is not a JSON document, and is refused like any other."""
    if optional and not ctx.body:
        return {}
    doc = ctx.json()
    if not isinstance(doc, dict):
        raise BadRequest("the body must be a JSON object", rule="type", expected="object")
    return doc


def no_fields(ctx: Ctx) -> None:
    """A control call that takes no input: its body, if any, is ``{}`` (the body carries the JSON type)."""
    if body_object(ctx, optional=True):
        raise BadRequest("this call takes no fields; send {}", rule="additionalProperties", expected={})


def query_number(ctx: Ctx, name: str) -> int | None:
    """A query parameter that is a non-negative integer, if given."""
    raw = ctx.query(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise BadRequest(f"{name} must be a non-negative integer", path=f"$query.{name}", rule="type")
    digits = raw.lstrip("0")
    return int(digits or "0") if len(digits) <= 18 else 10**18  # past any page or cap; int() refuses 4300+ digits


def query_choice(ctx: Ctx, name: str, choices: tuple[str, ...]) -> str | None:
    """A query parameter that is one of ``choices``, if given."""
    value = ctx.query(name)
    if value is not None and value not in choices:
        raise BadRequest(f"{name} must be one of {list(choices)}", path=f"$query.{name}", rule="enum", expected=choices)
    return value


def known_account(ctx: Ctx) -> Account:
    """The path's account. LivePerson's services answer an unknown one 401; on mockcc's own control plane,
    which takes no credentials, it is a resource that does not exist: 404."""
    found = ctx.mock.accounts.get(ctx.account_id)
    if found is None:
        raise NotFound(
            f"account {ctx.account_id!r} does not exist in this mock (known: {', '.join(ctx.mock.accounts)})",
            path="$path.accountId",
            rule="known-account",
        )
    return found


def conversation(ctx: Ctx) -> tuple[Account, Conversation]:
    account = known_account(ctx)
    conversation_id = str(ctx.request.path_params["conversationId"])
    found = account.conversations.get(conversation_id)
    if found is None:
        raise NotFound(
            f"conversation {conversation_id!r} does not exist in account {account.account_id}",
            path="$path.conversationId",
            rule="known-conversation",
        )
    return account, found


def last_activity(conv: Conversation) -> int:
    """Epoch ms of the latest change or sequenced event (what a console sorts and shows by)."""
    latest = [ts for d in conv.dialogs if (ts := d.events.newest_timestamp) is not None]
    return max([conv.meta_data_last_update_ts, conv.start_ts, *latest])


def conversation_view(mock: Mock, account: Account, conv: Conversation, *, events: bool = True) -> JSON:
    """A conversation as LivePerson would describe it, plus its events as notification changes.

    Beside LivePerson's keys: ``extConsumerId`` and ``lastActivityTs``; with ``events``, also the
    consumer's ``profile`` (SDEs) and the ``request`` that opened the conversation (its metadata).
    """
    consumer = account.consumers.get(conv.consumer_id)
    view: JSON = {
        "convId": conv.conversation_id,
        "consumerId": conv.consumer_id,
        "extConsumerId": consumer.ext_consumer_id if consumer else None,
        "clientId": conv.client_id,
        "effectiveTTR": mock.messaging.effective_ttr(conv),
        "lastActivityTs": last_activity(conv),
        "conversationDetails": conversation_details(conv),
    }
    if conv.resumed_from is not None:
        view["resumedFrom"] = conv.resumed_from
    if events:
        view["profile"] = consumer.profile if consumer else None
        view["request"] = conv.request
        view["events"] = [messaging_change(conv, e) for d in conv.dialogs for e in d.events]
    return view
