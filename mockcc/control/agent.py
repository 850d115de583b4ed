"""Agent endpoints: ``POST /_mockcc/accounts/{accountId}/conversations/{conversationId}/agent/<action>``.

Each answers with the conversation as it now is, and the published event's sequence if any, so a
console or a test can drive a whole conversation from the agent's chair. ``resume`` answers with
the *new* conversation. ``GET .../agent-view`` answers what the agent's workspace shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from mockcc.agent.desk import AGENT_CHAT_STATES, RECEIPTS
from mockcc.agent.view import agent_view
from mockcc.control.common import body_object, conversation, conversation_view
from mockcc.errors import AlreadyOpen, BadRequest, Conflict, ConversationClosed, NotFound
from mockcc.http import Ctx, route
from mockcc.state.models import Account, Conversation, Event
from mockcc.types import JSON


def _field(
    body: JSON, name: str, kind: type | tuple[type, ...], *, default: object = ..., choices: object = None
) -> Any:
    value = body.get(name, default)
    if value is ...:
        raise BadRequest(f"{name} is required", path=f"$.{name}", rule="required", expected=name)
    if value is not default and (not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise BadRequest(f"{name} must be a {names}", path=f"$.{name}", rule="type", expected=names)
    if choices is not None and value not in choices:  # type: ignore[operator]
        raise BadRequest(f"{name} must be one of {choices}", path=f"$.{name}", rule="enum", expected=choices)
    return value


def _metadata(body: JSON) -> list[JSON] | None:
    value = _field(body, "metadata", list, default=None)
    return None if value is None else list(value)


@dataclass(frozen=True, slots=True)
class Resumed:
    """What ``resume`` did: the new conversation LivePerson opened, and the agent's message in it."""

    conversation: Conversation
    event: Event


Result = Event | str | Resumed | None
Action = Callable[[Ctx, Account, Conversation, JSON], Result]


def _join(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> str:
    role = _field(body, "role", str, default="ASSIGNED_AGENT", choices=("ASSIGNED_AGENT", "MANAGER", "READER"))
    return ctx.mock.agents.join(account, conv, _field(body, "agentId", str, default=None), role)


def _chat_state(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Event:
    return ctx.mock.agents.chat_state(account, conv, _field(body, "chatState", str, choices=AGENT_CHAT_STATES))


def _receipt(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Event:
    sequences = _field(body, "sequenceList", list)
    if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sequences):
        raise BadRequest("sequenceList must hold non-negative integers", path="$.sequenceList", rule="items")
    return ctx.mock.agents.receipt(
        account,
        conv,
        _field(body, "status", str, choices=RECEIPTS),
        sequences,
        _field(body, "dialogId", str, default=None),
    )


def _text(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Event:
    return ctx.mock.agents.text(
        account,
        conv,
        _field(body, "text", str),
        dialog_id=_field(body, "dialogId", str, default=None),
        metadata=_metadata(body),
        quick_replies=_field(body, "quickReplies", dict, default=None),
    )


def _note(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Event:
    return ctx.mock.agents.text(account, conv, _field(body, "text", str), private=True)


def _rich(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Event:
    return ctx.mock.agents.rich_content(account, conv, _field(body, "content", dict), metadata=_metadata(body))


def _file(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Event:
    message = {
        "caption": _field(body, "caption", str, default=""),
        "relativePath": _field(body, "relativePath", str),
        "fileType": _field(body, "fileType", str, choices=("JPG", "JPEG", "PNG", "GIF")),
        **({"preview": body["preview"]} if isinstance(body.get("preview"), str) else {}),
    }
    return ctx.mock.agents.file(account, conv, message)


def _transfer(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> None:
    skill = _field(body, "skillId", (str, int), default="-1")
    ctx.mock.agents.transfer(account, conv, str(skill))


def _close(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> None:
    ctx.mock.agents.close(account, conv, survey=_field(body, "survey", bool, default=False))


def _system_close(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> None:
    ctx.mock.agents.system_close(account, conv)


def _nonempty_text(body: JSON) -> str:
    text: str = _field(body, "text", str)
    if not text.strip():
        raise BadRequest("text must not be empty", path="$.text", rule="minLength", expected=1)
    return text


def _resume(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Resumed:
    text = _nonempty_text(body)
    return Resumed(*ctx.mock.agents.resume(account, conv, text, _field(body, "agentId", str, default=None)))


def _auto_message(ctx: Ctx, account: Account, conv: Conversation, body: JSON) -> Event:
    text = _nonempty_text(body) if "text" in body else ctx.mock.controller.welcome
    return ctx.mock.controller.say(account, conv, text)


ACTIONS: dict[str, Action] = {
    "join": _join,
    "chat-state": _chat_state,
    "receipt": _receipt,
    "text": _text,
    "note": _note,
    "rich-content": _rich,
    "file": _file,
    "transfer": _transfer,
    "close": _close,
    "system-close": _system_close,
    "resume": _resume,
    "auto-message": _auto_message,
}


async def act(ctx: Ctx) -> Response:
    name = str(ctx.request.path_params["action"])
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(
            f"unknown agent action {name!r}",
            path="$path.action",
            rule="enum",
            expected=sorted(ACTIONS),
        )
    account, conv = conversation(ctx)
    body = body_object(ctx, optional=True)
    try:
        result = action(ctx, account, conv, body)
    except (ConversationClosed, AlreadyOpen) as exc:
        # LivePerson's 400s are what the consumer is told (a closed conversation; one open at a time); for the
        # agent's chair (mockcc's own API) they are conflicts with the state, 409 like its other state rules.
        rule = "conversation-state" if isinstance(exc, ConversationClosed) else "one-open-conversation"
        raise Conflict(exc.explanation, msg=exc.msg, path=exc.path or "$path.conversationId", rule=rule) from None
    if isinstance(result, Resumed):
        conv, result = result.conversation, result.event
    out: JSON = {"conversation": conversation_view(ctx.mock, account, conv, events=False)}
    if isinstance(result, Event) and result.sequence is not None:  # a chat state takes none
        out["sequence"] = result.sequence
    elif isinstance(result, str):
        out["agentId"] = result
    return JSONResponse(out)


async def view(ctx: Ctx) -> Response:
    _, conv = conversation(ctx)
    return JSONResponse(agent_view(conv))


ROUTES = [
    route(
        "/_mockcc/accounts/{accountId}/conversations/{conversationId}/agent-view",
        view,
        service="control",
        methods=["GET"],
    ),
    route(
        "/_mockcc/accounts/{accountId}/conversations/{conversationId}/agent/{action}",
        act,
        service="control",
        methods=["POST"],
    ),
]
