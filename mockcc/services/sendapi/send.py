"""SEND: one request object per call: publish an event, update a conversation field, set the
profile, or ask for a file-sharing URL. Every refusal happens before any state changes.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.errors import AuthError, BadRequest, ConversationClosed, UnknownConversation, UnknownDialog
from mockcc.http import Ctx, JsonAnswer, route
from mockcc.schemas import validate
from mockcc.services.sendapi.auth import Caller, authenticate
from mockcc.services.sendapi.common import PROFILE_OK, client_features, sequence_answer
from mockcc.services.sendapi.entitlement import require_async_messaging
from mockcc.state.files import MAX_FILE_BYTES
from mockcc.state.models import Conversation
from mockcc.types import JSON

CLOSED_MSG = "OK Conversation resolved successfully"
FIELD_MSG = "OK Conversation field updated successfully"


def echoable_id(request: object) -> object:
    """The request's ``id`` if it can be echoed as ``reqId`` (a string or an integer), else None."""
    req_id = request.get("id") if isinstance(request, dict) else None
    return req_id if isinstance(req_id, str | int) and not isinstance(req_id, bool) else None


def _ok(req_id: object, body: JSON) -> JSONResponse:
    return JsonAnswer({"code": "OK", "body": body, "reqId": req_id})


def _own_conversation(caller: Caller, conversation_id: str, path: str) -> Conversation:
    """The caller's own conversation; someone else's is LivePerson's 40103."""
    conversation = caller.account.conversations.get(conversation_id)
    if conversation is None:
        raise UnknownConversation(
            f"conversation {conversation_id!r} does not exist in account {caller.account.account_id}", path=path
        )
    if conversation.consumer_id != caller.consumer.lp_consumer_id:
        raise AuthError(40103, f"conversation {conversation_id} belongs to another consumer than this ConsumerJWS")
    return conversation


def publish_event(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    req_id, body = request.get("id"), request["body"]
    conversation = caller.account.dialog_owner(str(body["dialogId"]))
    if conversation is None:
        raise UnknownDialog(
            f"dialog {body['dialogId']!r} does not exist in account {caller.account.account_id}",
            path="$.body.dialogId",
        )
    conversation = _own_conversation(caller, conversation.conversation_id, "$.body.dialogId")
    if "conversationId" in body and str(body["conversationId"]) != conversation.conversation_id:
        raise BadRequest(
            f"dialog {body['dialogId']} belongs to conversation {conversation.conversation_id}, "
            f"not {body['conversationId']}",
            path="$.body.conversationId",
            rule="const",
            expected=conversation.conversation_id,
        )
    dialog = conversation.dialog(str(body["dialogId"]))
    assert dialog is not None  # noqa: S101 - found above
    event = body["event"]
    if event.get("contentType") == "hosted/file" and not ctx.mock.files.exists(str(event["message"]["relativePath"])):
        raise BadRequest(
            "hosted/file relativePath was never uploaded: ask ms.GenerateURLForUploadFile and PUT the file first",
            path="$.body.event.message.relativePath",
            rule="uploaded-file",
        )
    consumer = next(p for p in conversation.participants if p.role == "CONSUMER")
    published = ctx.mock.messaging.publish(
        caller.account,
        conversation,
        dialog,
        consumer,
        event,
        metadata=request.get("metadata"),
        features=client_features(ctx),
    )
    return _ok(req_id, sequence_answer(published.sequence))


def update_field(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    req_id, body = request.get("id"), request["body"]
    conversation = _own_conversation(caller, str(body["conversationId"]), "$.body.conversationId")
    fields = body["conversationField"]
    fields = fields if isinstance(fields, list) else [fields]
    messaging, account = ctx.mock.messaging, caller.account
    closing = [f for f in fields if f["field"] != "CSATRate"]
    if closing and not conversation.is_open:
        raise ConversationClosed(f"conversation {conversation.conversation_id} is closed")
    msg = FIELD_MSG
    for field in fields:
        kind = field["field"]
        if kind == "ConversationStateField":
            messaging.close(account, conversation, "CONSUMER")
            msg = CLOSED_MSG
        elif kind == "Stage":
            messaging.close_stage(account, conversation, "CONSUMER")
            msg = CLOSED_MSG
        elif kind == "DialogChange":
            dialog = conversation.dialog(str(field["dialog"]["dialogId"]))
            if dialog is None:
                raise UnknownDialog(
                    f"dialog {field['dialog']['dialogId']!r} is not part of conversation "
                    f"{conversation.conversation_id}",
                    path="$.body.conversationField.dialog.dialogId",
                )
            messaging.close_dialog(
                account,
                conversation,
                dialog,
                "CONSUMER",
                str(field["dialog"].get("closedCause", "Closed by consumer")),
            )
            msg = CLOSED_MSG
        elif kind == "TTRField":
            messaging.set_ttr(account, conversation, str(field["ttrType"]), int(field["value"]))
        else:  # CSATRate; the schema admits no other field
            csat = {k: field[k] for k in ("csatRate", "csatResolutionConfirmation", "status")}
            messaging.set_csat(account, conversation, csat)
    return _ok(req_id, {"msg": msg})


def set_profile(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    caller.account.remember(caller.consumer).profile = request["body"]
    return _ok(request.get("id"), dict(PROFILE_OK))


def generate_url(ctx: Ctx, caller: Caller, request: JSON) -> Response:
    req_id, body = request.get("id"), request["body"]
    files = ctx.mock.files
    if request["type"] == "ms.GenerateURLForUploadFile":
        size = int(body["fileSize"])
        if size > MAX_FILE_BYTES:
            raise BadRequest(
                f"fileSize {size} exceeds LivePerson's {MAX_FILE_BYTES}-byte limit",
                path="$.body.fileSize",
                rule="maximum",
                expected=MAX_FILE_BYTES,
            )
        path = files.new_path(caller.account.account_id, str(body["fileType"]))
        return _ok(req_id, {"relativePath": path, "queryParams": files.temp_url("PUT", path)})
    path = str(body["relativePath"])
    if not files.exists(path):
        raise BadRequest(f"no file was uploaded at {path}", path="$.body.relativePath", rule="uploaded-file")
    return _ok(req_id, {"relativePath": path, "queryParams": files.temp_url("GET", path)})


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
    if (violation := validate("sendapi/send-request", request)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(request, dict)  # noqa: S101 - the schema guarantees an object
    ctx.req_id = request["id"]  # the schema admits it (a string or an integral number): echoed verbatim
    return HANDLERS[str(request["type"])](ctx, caller, request)


ROUTES = [
    route("/api/account/{accountId}/messaging/consumer/conversation/send", send, service="send", methods=["POST"]),
]
