"""SEND: one request object per call: publish an event, update a conversation field, set the
profile, or ask for a file-sharing URL. The rules are the consumer side's (``mockcc/consumer``), shared
with the Messaging Window API socket; every refusal happens before any state changes.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.consumer.requests import Asker, check, sequence_answer
from mockcc.errors import BadRequest
from mockcc.http import Ctx, JsonAnswer, route
from mockcc.services.sendapi.auth import Caller, authenticate
from mockcc.services.sendapi.common import client_features
from mockcc.services.sendapi.entitlement import require_async_messaging
from mockcc.types import JSON


def echoable_id(request: object) -> object:
    """The request's ``id`` if it can be echoed as ``reqId`` (a string or an integer), else None."""
    req_id = request.get("id") if isinstance(request, dict) else None
    return req_id if isinstance(req_id, str | int) and not isinstance(req_id, bool) else None


def _ok(req_id: object, body: JSON) -> JSONResponse:
    return JsonAnswer({"code": "OK", "body": body, "reqId": req_id})


def _asker(ctx: Ctx, caller: Caller) -> Asker:
    return Asker(caller.account, caller.consumer, caller.installation.client_id, tuple(client_features(ctx)))


def publish_event(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    sequence = ctx.mock.consumers.publish(_asker(ctx, caller), request["body"], request.get("metadata"))
    return _ok(request.get("id"), sequence_answer(sequence))


def update_field(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    msg = ctx.mock.consumers.update_field(_asker(ctx, caller), request["body"])
    return _ok(request.get("id"), {"msg": msg})


def set_profile(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    return _ok(request.get("id"), ctx.mock.consumers.set_profile(_asker(ctx, caller), request["body"]))


def generate_url(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    answer = ctx.mock.consumers.generate_url(_asker(ctx, caller), str(request["type"]), request["body"])
    return _ok(request.get("id"), answer)


HANDLERS = {
    "ms.PublishEvent": publish_event,
    "cm.UpdateConversationField": update_field,
    "userprofile.SetUserProfile": set_profile,
    "ms.GenerateURLForUploadFile": generate_url,
    "ms.GenerateURLForDownloadFile": generate_url,
}


async def send(ctx: Ctx) -> Response:
    ctx.require_version("v", "3")
    account = ctx.account()
    caller = authenticate(ctx, account)
    require_async_messaging(account)
    client_features(ctx)
    request = ctx.json()
    ctx.req_id = echoable_id(request)
    text = ctx.body.decode("utf-8", errors="replace")
    if len(text) > ctx.mock.settings.send_limit:
        raise BadRequest(
            f"the request is {len(text)} characters; LivePerson refuses requests over {ctx.mock.settings.send_limit}",
            rule="maxLength",
            expected=ctx.mock.settings.send_limit,
        )
    check(request, "sendapi/send-request")
    assert isinstance(request, dict)  # noqa: S101 - the schema guarantees an object
    ctx.req_id = request["id"]  # the schema admits it (a string or an integral number): echoed verbatim
    return HANDLERS[str(request["type"])](ctx, caller, request)


ROUTES = [
    route("/api/account/{accountId}/messaging/consumer/conversation/send", send, service="send", methods=["POST"]),
]
