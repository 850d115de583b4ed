"""The brand socket's conversation requests: publish, change a conversation, open one, profiles, files.

Each acts through the same domain calls as the control plane and the Send API (``Messaging``,
``Routing``), so what a socket agent does reaches the connector's webhooks exactly as a control-plane
agent's action does. An agent acts only in conversations it takes part in (ASSIGNED_AGENT or MANAGER
publish; any participant may change one), except joining as MANAGER or READER [INFERRED: the mock grants
every agent the permission to join]; refused as ``NotParticipant`` (400, rule ``participant``).
"""

from __future__ import annotations

from mockcc.consumer.requests import require_uploaded
from mockcc.errors import BadRequest, NotFound, NotParticipant, UnknownConversation, UnknownSequence
from mockcc.schemas import validate
from mockcc.sockets.agent_routing import agent_of
from mockcc.sockets.common import dialog_of, fields, text_field
from mockcc.sockets.conn import Conn
from mockcc.sockets.dispatch import Reply
from mockcc.sockets.envelope import STRING_RESP, Request, as_list
from mockcc.state.agents import AgentUser
from mockcc.state.files import MAX_FILE_BYTES
from mockcc.state.models import Conversation, Participant
from mockcc.types import JSON

SPEAKING_ROLES = ("ASSIGNED_AGENT", "MANAGER")
ROLES = ("ASSIGNED_AGENT", "MANAGER", "READER")
RESOLVED = "OK Conversation resolved successfully"


def _participant(conn: Conn, conversation: Conversation, roles: tuple[str, ...] = ROLES) -> Participant:
    me = agent_of(conn)
    found = next((p for p in conversation.participants if p.id == me.pid and p.role in roles), None)
    if found is None:
        raise NotParticipant(
            f"agent {me.full_id} is not {' or '.join(roles)} of conversation {conversation.conversation_id}; "
            "accept its ring (or join it) first",
            path="$.body",
        )
    return found


def publish_event(conn: Conn, request: Request) -> Reply:
    body = fields(request)
    envelope: JSON = {"kind": "req", "id": request.id, "type": "ms.PublishEvent", "body": body}
    if (violation := validate("sendapi/publish-event", envelope)) is not None:
        raise BadRequest.from_violation(violation)
    conversation, dialog_id = dialog_of(conn, body)
    if "conversationId" in body and body["conversationId"] != conversation.conversation_id:
        raise BadRequest(
            f"dialog {dialog_id} belongs to conversation {conversation.conversation_id}",
            path="$.body.conversationId",
            rule="const",
            expected=conversation.conversation_id,
        )
    speaker = _participant(conn, conversation, SPEAKING_ROLES)
    dialog = conversation.dialog(dialog_id)
    assert dialog is not None  # noqa: S101 - dialog_of found it
    event: JSON = body["event"]
    if event.get("type") == "AcceptStatusEvent":
        unknown = [s for s in event.get("sequenceList", []) if s >= dialog.next_sequence]
        if unknown:
            raise UnknownSequence(
                f"sequences {unknown} do not exist yet in dialog {dialog_id}", expected=f"< {dialog.next_sequence}"
            )
    require_uploaded(conn.mock.files, event)
    published = conn.mock.messaging.publish(
        conn.account, conversation, dialog, speaker, event, metadata=request.metadata
    )
    # a ChatStateEvent takes no sequence and reports none (as on the Send API)
    answer = {} if published.sequence is None else {"sequence": published.sequence}
    return Reply(200, "ms.PublishEventResponse", answer)


def _conversation(conn: Conn, body: JSON) -> Conversation:
    conversation_id = text_field(body, "conversationId")
    conversation = conn.account.conversations.get(str(conversation_id))
    if conversation is None:
        raise UnknownConversation(
            f"no conversation {conversation_id!r} in account {conn.account.account_id}", path="$.body.conversationId"
        )
    return conversation


def _user(conn: Conn, field: JSON, path: str) -> AgentUser:
    given = field.get("userId")
    if given is None:
        return agent_of(conn)
    user = conn.account.agent_user(str(given))
    if user is None:
        raise BadRequest(f"no agent user {given!r} in account {conn.account.account_id}", path=path, rule="known-agent")
    return user


def _check_field(conn: Conn, field: object, path: str) -> JSON:
    if not isinstance(field, dict) or not isinstance(field.get("field"), str):
        raise BadRequest("each conversationField is an object with a field name", path=path, rule="type")
    kind = field["field"]
    if kind == "ParticipantsChange":
        if field.get("type") not in ("ADD", "REMOVE", "UPDATE", "SUGGEST") or field.get("role") not in ROLES:
            raise BadRequest(
                "ParticipantsChange needs type ADD|REMOVE|UPDATE|SUGGEST and role ASSIGNED_AGENT|MANAGER|READER",
                path=path,
                rule="enum",
            )
        if field["type"] == "SUGGEST" and conn.version != "2.1":
            raise BadRequest(
                "a transfer to an agent (SUGGEST) needs a v=2.1 socket", path=f"{path}.type", rule="version"
            )
    elif kind == "Skill":
        if not isinstance(field.get("skill"), str | int) or isinstance(field.get("skill"), bool):
            raise BadRequest("Skill needs skill: the skill id", path=f"{path}.skill", rule="required")
    elif kind == "ConversationStateField":
        if field.get("conversationState") != "CLOSE":
            raise BadRequest("ConversationStateField takes conversationState CLOSE", path=path, rule="const")
    elif kind == "DialogChange":
        dialog = field.get("dialog")
        if (
            not isinstance(dialog, dict)
            or dialog.get("state") != "CLOSE"
            or not isinstance(dialog.get("dialogId"), str)
        ):
            raise BadRequest(
                "DialogChange takes dialog {dialogId, state: CLOSE}", path=f"{path}.dialog", rule="required"
            )
    elif kind == "TTRField":
        if field.get("ttrType") not in ("CUSTOM", "NORMAL", "PRIORITIZED", "URGENT") or not isinstance(
            field.get("value"), int
        ):
            raise BadRequest("TTRField takes ttrType and value (seconds)", path=path, rule="required")
    else:
        raise BadRequest(
            f"conversationField {kind!r} is not one an agent can change here",
            path=f"{path}.field",
            rule="enum",
            expected=["ParticipantsChange", "Skill", "ConversationStateField", "DialogChange", "TTRField"],
        )
    return field


def update_conversation_field(conn: Conn, request: Request) -> Reply:
    """Everything is checked before anything changes; then the changes apply in the order sent."""
    body = fields(request)
    conversation = _conversation(conn, body)
    items = [
        _check_field(conn, f, f"$.body.conversationField[{i}]")
        for i, f in enumerate(as_list(body.get("conversationField")))
    ]
    joining_only = all(
        f["field"] == "ParticipantsChange" and f["type"] == "ADD" and f["role"] != "ASSIGNED_AGENT" for f in items
    )
    if not joining_only:
        _participant(conn, conversation)
    removes_agent = any(
        f["field"] == "ParticipantsChange" and f["type"] == "REMOVE" and f["role"] == "ASSIGNED_AGENT" for f in items
    )
    if removes_agent and conversation.agent() is None:
        raise BadRequest(
            "the conversation has no assigned agent to remove", path="$.body.conversationField", rule="assigned-agent"
        )
    skill = next((str(f["skill"]) for f in items if f["field"] == "Skill"), None)
    suggested = next(
        (_user(conn, f, "$.body.conversationField.userId") for f in items if f.get("type") == "SUGGEST"), None
    )
    account, messaging, routing = conn.account, conn.mock.messaging, conn.mock.routing
    answer = "OK"
    if suggested is not None:
        messaging.suggest(account, conversation, suggested.pid, skill or conversation.skill_id)
        routing.suggest(account, conversation, suggested)
        answer = "OK Agent suggested successfully"
    elif removes_agent or skill is not None:
        messaging.transfer(account, conversation, skill or conversation.skill_id)
        answer = "OK Agent removed successfully"
    for f in items:
        kind = f["field"]
        if kind == "ParticipantsChange" and f["type"] in ("ADD", "UPDATE"):
            user = _user(conn, f, "$.body.conversationField.userId")
            if f["type"] == "UPDATE":
                for old in [
                    p
                    for p in conversation.participants
                    if p.id == user.pid and p.role != f["role"] and p.role != "ASSIGNED_AGENT"
                ]:
                    messaging.leave(account, conversation, old.id, old.role)
            messaging.join(account, conversation, user.pid, str(f["role"]))
            answer = "OK Agent added successfully"
        elif kind == "ParticipantsChange" and f["type"] == "REMOVE" and f["role"] != "ASSIGNED_AGENT":
            messaging.leave(
                account, conversation, _user(conn, f, "$.body.conversationField.userId").pid, str(f["role"])
            )
            answer = "OK Agent removed successfully"
        elif kind == "ConversationStateField":
            messaging.close_stage(account, conversation, "AGENT")
            answer = RESOLVED
        elif kind == "DialogChange":
            cause = str(f["dialog"].get("closedCause", "Closed by agent"))
            # closing MAIN this way lets the post-conversation survey run
            messaging.close_dialog_named(
                account, conversation, str(f["dialog"]["dialogId"]), "AGENT", cause, survey=True
            )
            answer = RESOLVED
        elif kind == "TTRField":
            messaging.set_ttr(account, conversation, str(f["ttrType"]), int(f["value"]))
    return Reply(200, STRING_RESP, answer)


def agent_request_conversation(conn: Conn, request: Request) -> Reply:
    body = fields(request)
    consumer_id = str(text_field(body, "consumerId"))
    account = conn.account
    if consumer_id not in account.consumers:
        raise BadRequest(
            f"no consumer {consumer_id!r} in account {account.account_id}",
            path="$.body.consumerId",
            rule="known-consumer",
        )
    installation = next(iter(account.installations), None)
    if installation is None:
        raise BadRequest(
            "the account has no app installation to route the conversation's notifications to", rule="installation"
        )
    conversation = conn.mock.messaging.agent_request(account, consumer_id, installation, agent_of(conn).pid)
    return Reply(200, "cm.RequestConversationResponse", {"conversationId": conversation.conversation_id})


def get_user_profile(conn: Conn, request: Request) -> Reply:
    """No body, ``{}``: the agent's own profile; a consumer id (bare string, or ``{"userId"}``): its SDEs."""
    body = request.body
    consumer_id = body if isinstance(body, str) else body.get("userId") if isinstance(body, dict) else None
    kind = ".ams.userprofile.GetUserProfile$Response"
    if not consumer_id:
        me = agent_of(conn)
        return Reply(200, kind, {"userId": me.full_id, "pid": me.pid, "loginName": me.login_name})
    consumer = conn.account.consumers.get(str(consumer_id))
    if consumer is None:
        raise BadRequest(
            f"no consumer {consumer_id!r} in account {conn.account.account_id}", path="$.body", rule="known-consumer"
        )
    data = consumer.profile.get("authenticatedData")
    sdes = data.get("lp_sdes", []) if isinstance(data, dict) else []
    return Reply(200, kind, {"authenticatedData": {"lp_sdes": sdes}})


def generate_url(conn: Conn, request: Request) -> Reply:
    body = fields(request)
    files = conn.mock.files
    if request.name == "ms.GenerateURLForUploadFile":
        size = body.get("fileSize")
        size = int(size) if isinstance(size, int | str) and str(size).isdigit() else -1
        if not 0 <= size <= MAX_FILE_BYTES:
            raise BadRequest(
                f"fileSize must be 0-{MAX_FILE_BYTES} bytes",
                path="$.body.fileSize",
                rule="maximum",
                expected=MAX_FILE_BYTES,
            )
        file_type = body.get("fileType")
        if file_type not in ("JPG", "JPEG", "PNG", "GIF"):
            raise BadRequest("fileType must be JPG, JPEG, PNG or GIF", path="$.body.fileType", rule="enum")
        path = files.new_path(conn.account.account_id, str(file_type))
        return Reply(200, "ms.GenerateURLResponse", {"relativePath": path, "queryParams": files.temp_url("PUT", path)})
    path = str(
        text_field(body, "relativePath") if len(str(body.get("relativePath", ""))) <= 64 else body["relativePath"]
    )
    if not files.exists(path):
        raise NotFound(f"no file was uploaded at {path}", path="$.body.relativePath", rule="uploaded-file")
    return Reply(200, "ms.GenerateURLResponse", {"relativePath": path, "queryParams": files.temp_url("GET", path)})


HANDLERS = {
    "ms.PublishEvent": publish_event,
    "cm.UpdateConversationField": update_conversation_field,
    "cm.AgentRequestConversation": agent_request_conversation,
    "up.GetUserProfile": get_user_profile,
    "ms.GenerateURLForUploadFile": generate_url,
    "ms.GenerateURLForDownloadFile": generate_url,
}
