"""CONVERSATION: a batch of SetUserProfile, ConsumerRequestConversation and an optional first message.

The batch is SetUserProfile (mandatory), ConsumerRequestConversation, an optional PublishEvent.
Items are handled in order and answered in order, ``reqId`` echoing each ``id`` verbatim. A schema
violation anywhere refuses the whole batch before anything is applied; a consumer who already has
an open conversation gets LivePerson's HTTP 400 with the per-item array (the profile still set).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.errors import AlreadyOpen, BadRequest, MockccError, Refused, as_api_error
from mockcc.http import Ctx, route
from mockcc.schemas import validate
from mockcc.services.sendapi.auth import Caller, authenticate
from mockcc.services.sendapi.common import PROFILE_OK, client_features, sequence_answer
from mockcc.services.sendapi.entitlement import require_async_messaging
from mockcc.state.models import Account
from mockcc.types import JSON

ORDER = ["userprofile.SetUserProfile", "cm.ConsumerRequestConversation", "ms.PublishEvent"]


def check_order(items: object) -> None:
    """SetUserProfile first (LivePerson marks it mandatory), ConsumerRequestConversation second, an
    optional PublishEvent last. Checked before the schema so the refusal names the rule plainly."""
    if not isinstance(items, list) or not items:
        return  # the schema explains what is wrong with the shape
    types = [item.get("type") if isinstance(item, dict) else None for item in items]
    for i, kind in enumerate(types[: len(ORDER)]):
        if kind != ORDER[i] and kind in ORDER:
            raise BadRequest(
                f"{kind} at $[{i}] is out of order: a CONVERSATION batch is userprofile.SetUserProfile "
                "(mandatory, first), then cm.ConsumerRequestConversation, then an optional ms.PublishEvent",
                path=f"$[{i}].type",
                rule="conversation-order",
                expected=ORDER[i],
            )


def _check_brand(caller: Caller, body: JSON, index: int) -> None:
    brand = body.get("brandId")
    if brand is not None and str(brand) != caller.account.account_id:
        raise BadRequest(
            f"brandId {brand!r} is not this account ({caller.account.account_id})",
            path=f"$[{index}].body.brandId",
            rule="const",
            expected=caller.account.account_id,
        )


def _request_refusal(ctx: Ctx, account: Account, caller: Caller, index: int) -> MockccError | None:
    """Why this consumer may not open a conversation now (LivePerson's per-item 400), or None."""
    conflict = ctx.mock.messaging.open_conflict(account, caller.consumer.lp_consumer_id)
    if conflict:
        return AlreadyOpen(
            "this consumer already has an open conversation; close it first or keep using it",
            msg=conflict,
            path=f"$[{index}]",
        )
    if ctx.mock.messaging.at_limit(account):
        limit = ctx.mock.messaging.conversations_limit
        return BadRequest(
            f"account {account.account_id} holds {limit} conversations, all open "
            "(mockcc serve --conversations-limit); close some or raise the limit",
            msg="Consumer request conversation failed",
            path=f"$[{index}]",
            rule="conversations-limit",
            expected=limit,
        )
    return None


async def create_conversation(ctx: Ctx) -> Response:
    ctx.require_version("v", "3")
    account = ctx.account()
    caller = authenticate(ctx, account)
    require_async_messaging(account)
    features = client_features(ctx)
    items = ctx.json()
    check_order(items)
    if (violation := validate("sendapi/conversation-request", items)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(items, list)  # noqa: S101 - the schema guarantees an array
    for i, item in enumerate(items):
        if item["type"] == "cm.ConsumerRequestConversation":
            _check_brand(caller, item["body"], i)

    results: list[JSON] = []
    failed = False
    conversation = None
    account.remember(caller.consumer)  # every check passed: from here the batch changes state
    for i, item in enumerate(items):
        kind, req_id = item["type"], item.get("id")
        refusal: MockccError | None = None
        if kind == "userprofile.SetUserProfile":
            caller.consumer.profile = item["body"]
            results.append({"code": "OK", "body": PROFILE_OK, "reqId": req_id})
        elif kind == "cm.ConsumerRequestConversation":
            refusal = _request_refusal(ctx, account, caller, i)
            if refusal is None:
                conversation = ctx.mock.messaging.request_conversation(
                    account, caller.consumer.lp_consumer_id, caller.installation.client_id, item["body"], features
                )
                body = {"conversationId": conversation.conversation_id}
                results.append({"code": "OK", "body": body, "reqId": req_id})
        elif conversation is None:  # the legacy first message, after a refused request
            refusal = BadRequest(
                "the first message was not published: the conversation request before it was refused",
                path=f"$[{i}]",
                rule="conversation-refused",
            )
        else:
            consumer = next(p for p in conversation.participants if p.role == "CONSUMER")
            try:
                event = ctx.mock.messaging.publish(
                    account,
                    conversation,
                    conversation.main,
                    consumer,
                    item["body"]["event"],
                    metadata=item.get("metadata"),
                    features=features,
                )
            except Refused as refused:
                refusal = refused
            else:
                results.append({"code": "OK", "body": sequence_answer(event.sequence), "reqId": req_id})
        if refusal is not None:  # LivePerson's per-item refusal, with the mockcc explanation beside it
            failed = True
            error = as_api_error(refusal, req_id=req_id)
            ctx.call.explanation = ctx.call.explanation or error.mockcc()
            results.append(error.body())
    if failed:
        ctx.call.outcome = "rejected"
    return JSONResponse(results, status_code=400 if failed else 200)


ROUTES = [
    route(
        "/api/account/{accountId}/messaging/consumer/conversation",
        create_conversation,
        service="conversation",
        methods=["POST"],
    ),
]
