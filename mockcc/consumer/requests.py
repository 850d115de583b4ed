"""A consumer's requests, whatever carries them: the Send API (REST) and the Messaging Window API socket.

LivePerson's Send API is the REST form of the socket's ``cm.``/``ms.``/``userprofile.`` requests, so
both transports check a request with the same schema (``check``) and act through the same rules here:
a request is accepted, refused and explained alike on both. Everything that can refuse runs before
the first state change. No transport concerns: the caller says who asks (``Asker``) and renders the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockcc.auth_errors import AuthError
from mockcc.clock import Clock
from mockcc.errors import AlreadyOpen, BadRequest, ConversationClosed, NotFound, UnknownConversation, UnknownDialog
from mockcc.messaging import Messaging
from mockcc.schemas import validate
from mockcc.state.files import MAX_FILE_BYTES, FileStore
from mockcc.state.models import Account, Consumer, Conversation
from mockcc.types import JSON

PROFILE_OK = {"msg": "OK User Profile set successfully"}
CLOSED_MSG = "OK Conversation resolved successfully"
FIELD_MSG = "OK Conversation field updated successfully"
#: Request type -> the schema that checks it (the Send API's; the socket's requests are the same objects).
SCHEMAS = {
    "cm.ConsumerRequestConversation": "sendapi/consumer-request-conversation",
    "ms.PublishEvent": "sendapi/send-request",
    "cm.UpdateConversationField": "sendapi/send-request",
    "userprofile.SetUserProfile": "sendapi/send-request",
    "ms.GenerateURLForUploadFile": "sendapi/send-request",
    "ms.GenerateURLForDownloadFile": "sendapi/send-request",
}


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks: the consumer, in its account, for an installation (whose webhooks hear of what it opens),
    with the Client-Properties features its transport announced."""

    account: Account
    consumer: Consumer
    client_id: str
    features: tuple[str, ...] = ()


def check(request: object, schema: str | None = None) -> None:
    """The request envelope (``kind``, ``id``, ``type``, ``body``) against its type's schema (or ``schema``:
    SEND takes only its five types); a 400 naming the field."""
    kind = request.get("type") if isinstance(request, dict) else None
    schema = schema or SCHEMAS.get(str(kind), "sendapi/send-request")
    if (violation := validate(schema, request)) is not None:
        raise BadRequest.from_violation(violation)


def sequence_answer(sequence: int | None) -> JSON:
    """A PublishEvent's answer body: the event's sequence; none for a ChatStateEvent, which takes none
    (reporting the next number made the following message's answer repeat it)."""
    return {} if sequence is None else {"sequence": sequence}


def check_brand(account: Account, body: JSON, path: str) -> None:
    """A ``brandId`` that is not the account is refused rather than ignored (inferred)."""
    brand = body.get("brandId")
    if brand is not None and str(brand) != account.account_id:
        raise BadRequest(
            f"brandId {brand!r} is not this account ({account.account_id})",
            path=path,
            rule="const",
            expected=account.account_id,
        )


def own_conversation(asker: Asker, conversation_id: str, path: str) -> Conversation:
    """The asker's own conversation; someone else's is LivePerson's 40103."""
    conversation = asker.account.conversations.get(conversation_id)
    if conversation is None:
        raise UnknownConversation(
            f"conversation {conversation_id!r} does not exist in account {asker.account.account_id}", path=path
        )
    if conversation.consumer_id != asker.consumer.lp_consumer_id:
        raise AuthError(40103, f"conversation {conversation_id} belongs to another consumer than this one")
    return conversation


def require_uploaded(files: FileStore, event: JSON) -> None:
    """A ``hosted/file`` event (either side) names a file that was uploaded: a path the mock never issued
    names nothing, 404 like an unknown conversation."""
    if event.get("contentType") == "hosted/file" and not files.exists(str(event["message"]["relativePath"])):
        raise NotFound(
            "hosted/file relativePath was never uploaded: ask ms.GenerateURLForUploadFile and PUT the file first",
            path="$.body.event.message.relativePath",
            rule="uploaded-file",
        )


class ConsumerRequests:
    """The rules of a consumer's requests, acting through ``Messaging`` and the file store."""

    def __init__(self, messaging: Messaging, files: FileStore, clock: Clock) -> None:
        self._messaging = messaging
        self._files = files
        self._clock = clock

    def request_conversation(self, asker: Asker, body: JSON, where: str = "$") -> Conversation:
        """cm.ConsumerRequestConversation: one open conversation per consumer, within the account's cap
        (``where``: the request's path in what the transport received, for the refusal)."""
        account, consumer_id = asker.account, asker.consumer.lp_consumer_id
        check_brand(account, body, f"{where}.body.brandId")
        if (conflict := self._messaging.open_conflict(account, consumer_id)) is not None:
            raise AlreadyOpen(
                "this consumer already has an open conversation; close it first or keep using it",
                msg=conflict,
                path=where,
            )
        if self._messaging.at_limit(account):
            limit = self._messaging.conversations_limit
            raise BadRequest(
                f"account {account.account_id} holds {limit} conversations, all open "
                "(mockcc serve --conversations-limit); close some or raise the limit",
                msg="Consumer request conversation failed",
                path=where,
                rule="conversations-limit",
                expected=limit,
            )
        account.remember(asker.consumer)
        return self._messaging.request_conversation(account, consumer_id, asker.client_id, body, asker.features)

    def publish(self, asker: Asker, body: JSON, metadata: list[JSON] | None) -> int | None:
        """ms.PublishEvent into one of the asker's dialogs; its sequence (None: a ChatStateEvent takes none)."""
        owner = asker.account.dialog_owner(str(body["dialogId"]))
        if owner is None:
            raise UnknownDialog(
                f"dialog {body['dialogId']!r} does not exist in account {asker.account.account_id}",
                path="$.body.dialogId",
            )
        conversation = own_conversation(asker, owner.conversation_id, "$.body.dialogId")
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
        require_uploaded(self._files, event)
        consumer = next(p for p in conversation.participants if p.role == "CONSUMER")
        published = self._messaging.publish(
            asker.account, conversation, dialog, consumer, event, metadata=metadata, features=asker.features
        )
        return published.sequence

    def update_field(self, asker: Asker, body: JSON) -> str:
        """cm.UpdateConversationField: close, close a dialog (PCS), TTR, CSAT; answers LivePerson's text."""
        conversation = own_conversation(asker, str(body["conversationId"]), "$.body.conversationId")
        fields = body["conversationField"]
        fields = fields if isinstance(fields, list) else [fields]
        messaging, account = self._messaging, asker.account
        if any(f["field"] != "CSATRate" for f in fields) and not conversation.is_open:
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
                cause = str(field["dialog"].get("closedCause", "Closed by consumer"))
                messaging.close_dialog_named(account, conversation, str(field["dialog"]["dialogId"]), "CONSUMER", cause)
                msg = CLOSED_MSG
            elif kind == "TTRField":
                messaging.set_ttr(account, conversation, str(field["ttrType"]), int(field["value"]))
            else:  # CSATRate; the schema admits no other field
                csat = {k: field[k] for k in ("csatRate", "csatResolutionConfirmation", "status")}
                messaging.set_csat(account, conversation, csat)
        return msg

    def set_profile(self, asker: Asker, body: JSON) -> JSON:
        """userprofile.SetUserProfile: the consumer's profile and SDEs (what agents and history show)."""
        consumer = asker.account.remember(asker.consumer)
        consumer.profile, consumer.profile_ts = body, self._clock.now_ms()
        return dict(PROFILE_OK)

    def generate_url(self, asker: Asker, kind: str, body: JSON) -> JSON:
        """ms.GenerateURLForUploadFile / ...DownloadFile: a Swift temp URL (one minute)."""
        if kind == "ms.GenerateURLForUploadFile":
            size = int(body["fileSize"])
            if size > MAX_FILE_BYTES:
                raise BadRequest(
                    f"fileSize {size} exceeds LivePerson's {MAX_FILE_BYTES}-byte limit",
                    path="$.body.fileSize",
                    rule="maximum",
                    expected=MAX_FILE_BYTES,
                )
            path = self._files.new_path(asker.account.account_id, str(body["fileType"]))
            return {"relativePath": path, "queryParams": self._files.temp_url("PUT", path)}
        path = str(body["relativePath"])
        if not self._files.exists(path):
            raise NotFound(f"no file was uploaded at {path}", path="$.body.relativePath", rule="uploaded-file")
        return {"relativePath": path, "queryParams": self._files.temp_url("GET", path)}
