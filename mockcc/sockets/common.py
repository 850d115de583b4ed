"""What both sockets answer alike: GetClock, KeepAlive, and the shared subscriptions.

Each side builds its table from ``COMMON`` plus its own handlers; the subscription handlers take the
side's say where the sides differ: which conversations a filter may see (``Scope``) and which
dialogs a socket may read (``may_read``).
"""

from __future__ import annotations

from collections.abc import Callable

from mockcc.errors import BadRequest, UnknownDialog
from mockcc.sockets.conn import Conn
from mockcc.sockets.dispatch import Handler, Reply
from mockcc.sockets.envelope import STRING_RESP, Request, as_list
from mockcc.state.models import Conversation
from mockcc.streams.subscriptions import ConversationFilter
from mockcc.types import JSON

GENERIC_SUBSCRIBE = ".ams.GenericSubscribe$Response"
CONV_STATES = ("OPEN", "CLOSE")
STAGES = ("OPEN", "CLOSE", "LOCKED")


def fields(request: Request) -> JSON:
    """The body as an object (absent is ``{}``); anything else is a 400 naming the rule."""
    if request.body is None:
        return {}
    if not isinstance(request.body, dict):
        raise BadRequest(f"{request.type} takes an object body", path="$.body", rule="type", expected="object")
    return request.body


def text_field(body: JSON, name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 64:
        raise BadRequest(
            f"body.{name} is required: a string of 1-64 characters", path=f"$.body.{name}", rule="required"
        )
    return value


def int_field(body: JSON, name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"body.{name} must be an integer >= 0", path=f"$.body.{name}", rule="type", expected="integer")
    return value


def choices(body: JSON, name: str, allowed: tuple[str, ...]) -> frozenset[str] | None:
    """An enum list (or one bare value), None when absent."""
    if body.get(name) is None:
        return None
    values = as_list(body[name])
    bad = [v for v in values if v not in allowed]
    if bad:
        raise BadRequest(
            f"body.{name} has {bad!r}; allowed: {', '.join(allowed)}",
            path=f"$.body.{name}",
            rule="enum",
            expected=list(allowed),
        )
    return frozenset(str(v) for v in values)


def get_clock(conn: Conn, request: Request) -> Reply:
    return Reply(200, ".GetClock$Response", {"currentTime": conn.mock.clock.now_ms()})


def keep_alive(conn: Conn, request: Request) -> Reply:
    return Reply(200, STRING_RESP, "OK")


#: ``scope(conn, body, filter)``: the side narrows a filter to what the socket may see.
Scope = Callable[[Conn, JSON, ConversationFilter], ConversationFilter]


def conversation_filter(body: JSON) -> ConversationFilter:
    minimum = body.get("minLastUpdatedTime")
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int)):
        raise BadRequest("body.minLastUpdatedTime must be epoch ms", path="$.body.minLastUpdatedTime", rule="type")
    return ConversationFilter(
        states=choices(body, "convState", CONV_STATES), stages=choices(body, "stage", STAGES), min_last_updated=minimum
    )


def subscribe_conversations(scope: Scope) -> Handler:
    def handler(conn: Conn, request: Request) -> Reply:
        body = fields(request)
        wanted = scope(conn, body, conversation_filter(body))
        sub_id, snapshot = conn.mock.streams.subscribe_conversations(conn.peer, conn.account, wanted)
        return Reply(200, "cqm.SubscribeExConversationsResponse", {"subscriptionId": sub_id}, [snapshot])

    return handler


def update_conversations(scope: Scope) -> Handler:
    def handler(conn: Conn, request: Request) -> Reply:
        body = fields(request)
        sub_id = _subscription(conn, body, conversations=True)
        conn.mock.streams.update_conversations(conn.peer, sub_id, scope(conn, body, conversation_filter(body)))
        return Reply(200, STRING_RESP, "OK Subscription updated")

    return handler


def _subscription(conn: Conn, body: JSON, *, conversations: bool) -> str:
    sub_id = text_field(body, "subscriptionId")
    assert sub_id is not None  # noqa: S101 - required
    known = conn.peer.conversations if conversations else {**conn.peer.conversations, **conn.peer.events}
    if sub_id not in known:
        raise BadRequest(
            f"no subscription {sub_id!r} on this socket", path="$.body.subscriptionId", rule="known-subscription"
        )
    return sub_id


def unsubscribe(conn: Conn, request: Request) -> Reply:
    sub_id = _subscription(conn, fields(request), conversations=False)
    conn.mock.streams.unsubscribe(conn.peer, sub_id)
    return Reply(200, STRING_RESP, "OK Unsubscribed")


#: ``may_read(conn, conversation)``: raise a refusal when this socket may not read the conversation.
MayRead = Callable[[Conn, Conversation], None]


def dialog_of(conn: Conn, body: JSON) -> tuple[Conversation, str]:
    dialog_id = text_field(body, "dialogId")
    assert dialog_id is not None  # noqa: S101 - required
    conversation = conn.account.dialog_owner(dialog_id)
    if conversation is None or conversation.dialog(dialog_id) is None:
        raise UnknownDialog(f"no dialog {dialog_id!r} in account {conn.account.account_id}", path="$.body.dialogId")
    return conversation, dialog_id


def subscribe_events(
    may_read: MayRead,
    *,
    from_fields: tuple[str, ...] = ("fromSeq",),
    reply_type: str = GENERIC_SUBSCRIBE,
    replay_in_body: bool = False,
) -> Handler:
    """SubscribeMessagingEvents (and the SDK's QueryMessages, ``newerThanSequence``): replay, then live.

    ``replay_in_body``: the replayed changes are the answer's (array) body, as QueryMessages answers and
    LivePerson's Agent SDK reads it (§7.2), instead of a notification after it."""

    def handler(conn: Conn, request: Request) -> Reply:
        body = fields(request)
        conversation, dialog_id = dialog_of(conn, body)
        may_read(conn, conversation)
        given = next((name for name in from_fields if name in body), from_fields[0])
        from_seq = int_field(body, given, 0)
        dialog = conversation.dialog(dialog_id)
        assert dialog is not None  # noqa: S101 - dialog_of checked it
        _, replay = conn.mock.streams.subscribe_events(conn.peer, conn.account, conversation, dialog, from_seq)
        if replay_in_body:
            return Reply(200, reply_type, [c for frame in replay for c in frame["body"]["changes"]])
        return Reply(200, reply_type, {}, replay)

    return handler


COMMON: dict[str, Handler] = {
    "GetClock": get_clock,
    "KeepAlive": keep_alive,
    "cqm.UnsubscribeExConversations": unsubscribe,
}
