"""CONVERSATION: a batch of SetUserProfile, ConsumerRequestConversation and an optional first message.

The batch is SetUserProfile (mandatory), ConsumerRequestConversation, an optional PublishEvent.
Items are handled in order and answered in order, ``reqId`` echoing each ``id`` verbatim. A schema
violation anywhere refuses the whole batch before anything is applied; a consumer who already has
an open conversation gets LivePerson's HTTP 400 with the per-item array (the profile still set).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.consumer.requests import Asker, check_brand, sequence_answer
from mockcc.errors import BadRequest, MockccError, as_api_error
from mockcc.http import Ctx, route
from mockcc.schemas import validate
from mockcc.services.sendapi.auth import authenticate
from mockcc.services.sendapi.common import client_features
from mockcc.services.sendapi.entitlement import require_async_messaging
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
            check_brand(account, item["body"], f"$[{i}].body.brandId")

    asker = Asker(account, caller.consumer, caller.installation.client_id, tuple(features))
    consumers = ctx.mock.consumers
    results: list[JSON] = []
    failed = False
    conversation = None
    account.remember(caller.consumer)  # every check passed: from here the batch changes state
    for i, item in enumerate(items):
        kind, req_id = item["type"], item.get("id")
        try:
            if kind == "userprofile.SetUserProfile":
                results.append({"code": "OK", "body": consumers.set_profile(asker, item["body"]), "reqId": req_id})
            elif kind == "cm.ConsumerRequestConversation":
                conversation = consumers.request_conversation(asker, item["body"], f"$[{i}]")
                opened = {"conversationId": conversation.conversation_id}
                results.append({"code": "OK", "body": opened, "reqId": req_id})
            elif conversation is None:  # the legacy first message, after a refused request
                raise BadRequest(
                    "the first message was not published: the conversation request before it was refused",
                    path=f"$[{i}]",
                    rule="conversation-refused",
                )
            else:
                body = {"dialogId": conversation.conversation_id, **item["body"]}
                sequence = consumers.publish(asker, body, item.get("metadata"))
                results.append({"code": "OK", "body": sequence_answer(sequence), "reqId": req_id})
        except MockccError as refusal:  # LivePerson's per-item refusal, with the mockcc explanation beside it
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
