"""The consumer socket (Messaging Window API): ``/ws_api/account/{acc}/messaging/consumer?v=3``.

Authentication (§1.2 of the notes): the IdP's consumer JWT as ``Authorization: jwt <token>`` on the
upgrade, or, with no header, in ``InitConnection``'s top-level ``headers[]`` (``ConsumerAuthentication``)
within ``admission_seconds`` of mock time; a missing, bad or expired token closes 4401, an expired
unauthenticated (signup) one 4407, at connect and mid-session. Client properties come from the
``Client-Properties`` header, the URL's query or InitConnection's ``ClientProperties``.

The consumer's requests are the Send API's (its REST form): each is checked by the same schema and
applied by the same rules (``mockcc/consumer/requests.py``), so a request is accepted, refused and
explained alike on both. Subscriptions are pinned to the socket's own consumer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.websockets import WebSocket

from mockcc import strictjson
from mockcc.auth_errors import AuthError
from mockcc.consumer.requests import PROFILE_OK, Asker, check, sequence_answer
from mockcc.errors import Unauthorized
from mockcc.sockets.common import COMMON, subscribe_conversations, subscribe_events
from mockcc.sockets.conn import Admission, Conn
from mockcc.sockets.dispatch import Handler, Reply
from mockcc.sockets.endpoint import Denied, Side, admitted_account, socket_route
from mockcc.sockets.envelope import STRING_RESP, Request
from mockcc.state.models import Account, Consumer, Conversation
from mockcc.streams.outbox import CLOSE_UNAUTHORIZED
from mockcc.streams.subscriptions import ConversationFilter
from mockcc.tokens import TokenExpired, TokenInvalid
from mockcc.types import JSON

VERSIONS = ("3",)
PATH = "/ws_api/account/{accountId}/messaging/consumer"
#: LivePerson's close code for an unauthenticated identity that must be extended at the IdP (§1.6).
CLOSE_EXTEND = 4407
AUTH_HEADER = ".ams.headers.ConsumerAuthentication"
PROPS_HEADER = ".ams.headers.ClientProperties"


@dataclass(frozen=True, slots=True)
class SocketConsumer:
    """Who the socket speaks for: the JWT's consumer, whether it is authenticated, the announced features."""

    consumer_id: str
    authenticated: bool
    features: tuple[str, ...]


class Refusal(Exception):
    """The token does not admit the socket: close with ``code``."""

    def __init__(self, code: int, explanation: str) -> None:
        super().__init__(explanation)
        self.code = code
        self.explanation = explanation


def _features(props: object) -> tuple[str, ...]:
    features = props.get("features") if isinstance(props, dict) else None
    return tuple(str(f) for f in features) if isinstance(features, list) else ()


def _header_features(websocket: WebSocket) -> tuple[str, ...]:
    """``Client-Properties`` (a JSON header), else the URL's ``features`` query parameter (comma-separated)."""
    raw = websocket.headers.get("client-properties")
    if raw:
        try:
            return _features(strictjson.loads(raw))
        except strictjson.JsonRefused:
            return ()
    listed = websocket.query_params.get("features")
    return tuple(f for f in listed.split(",") if f) if listed else ()


def _admission(conn: Conn, account: Account, token: str, features: tuple[str, ...]) -> Admission:
    """The socket's admission from a consumer JWT, or a ``Refusal`` naming the close code."""
    try:
        claims = conn.mock.tokens.read_consumer_jwt(token)
    except TokenExpired as late:
        code = CLOSE_UNAUTHORIZED if late.authenticated else CLOSE_EXTEND
        raise Refusal(code, f"{late}: get a fresh token from the IdP") from None
    except TokenInvalid as bad:
        raise Refusal(CLOSE_UNAUTHORIZED, f"not a consumer JWT this mock issued: {bad}") from None
    if claims.account_id != account.account_id:
        raise Refusal(CLOSE_UNAUTHORIZED, f"the JWT is for account {claims.account_id}, not {account.account_id}")
    me = SocketConsumer(claims.consumer_id, claims.authenticated, features)
    expired = (CLOSE_UNAUTHORIZED if claims.authenticated else CLOSE_EXTEND, "token expired: get a fresh one")

    def valid(now: float) -> bool:
        return now < claims.exp

    return Admission(account, me.consumer_id, me.consumer_id, valid, identity=me, expired=expired)


def admit(conn: Conn, websocket: WebSocket) -> Admission | None:
    account = admitted_account(conn, websocket, VERSIONS, "Messaging Window API")
    header = websocket.headers.get("authorization")
    if header is None:
        return None  # a browser: InitConnection must follow
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "jwt" or not token.strip():
        raise Denied(CLOSE_UNAUTHORIZED, "Authorization must be 'jwt <token>' with the IdP's consumer JWT")
    try:
        return _admission(conn, account, token.strip(), _header_features(websocket))
    except Refusal as refused:
        raise Denied(refused.code, refused.explanation) from None


def _close_after_answer(conn: Conn, code: int, reason: str) -> None:
    """Close once the refusal's answer is queued (the dispatcher queues it right after the handler)."""
    asyncio.get_running_loop().call_soon(conn.outbox.close, code, reason)


def init_connection(conn: Conn, request: Request) -> Reply:
    """InitConnection: top-level ``headers[]`` with ConsumerAuthentication (the JWT) and ClientProperties."""
    headers = request.headers if isinstance(request.headers, list) else [request.headers]
    found = {h.get("type"): h for h in headers if isinstance(h, dict)}
    if conn.admitted:
        return Reply(200, STRING_RESP, "OK")
    auth = found.get(AUTH_HEADER) or found.get("ConsumerAuthentication")
    jwt = auth.get("jwt") if auth is not None else None
    if not isinstance(jwt, str) or not jwt:
        _close_after_answer(conn, CLOSE_UNAUTHORIZED, "InitConnection carried no ConsumerAuthentication jwt")
        raise Unauthorized(
            f"InitConnection needs a top-level headers[] item {{'type': '{AUTH_HEADER}', 'jwt': <consumer JWT>}}",
            path="$.headers",
            rule="consumer-authentication",
        )
    props = found.get(PROPS_HEADER) or found.get(".ClientProperties") or found.get("ClientProperties")
    account = conn.mock.accounts.get(conn.account_id or "")
    assert account is not None  # noqa: S101 - admit() refused an unknown account
    try:
        admission = _admission(conn, account, jwt, _features(props))
    except Refusal as refused:
        _close_after_answer(conn, refused.code, refused.explanation)
        raise Unauthorized(refused.explanation, path="$.headers", rule="consumer-authentication") from None
    conn.admit(admission)
    return Reply(200, STRING_RESP, "OK")


def consumer_of(conn: Conn) -> SocketConsumer:
    me = conn.admission.identity
    assert isinstance(me, SocketConsumer)  # noqa: S101 - _admission() puts one there
    return me


def asker(conn: Conn) -> Asker:
    """The socket's consumer as the shared rules see it. Its conversations are heard by the webhooks of the
    installation that last issued it a ConsumerJWS (none for a consumer no connector knows) [INFERRED]."""
    me, account = consumer_of(conn), conn.account
    consumer = account.consumers.get(me.consumer_id) or Consumer(lp_consumer_id=me.consumer_id, ext_consumer_id="")
    return Asker(account, consumer, consumer.client_id, me.features)


def envelope(request: Request, kind: str) -> JSON:
    """The request as the Send API's schemas see it (the socket's id is already a string)."""
    frame: JSON = {"kind": "req", "id": request.id, "type": kind, "body": request.body}
    if request.metadata is not None:
        frame["metadata"] = request.metadata
    return frame


def _checked(request: Request, kind: str) -> JSON:
    frame = envelope(request, kind)
    check(frame)
    body: JSON = frame["body"]
    return body


def request_conversation(conn: Conn, request: Request) -> Reply:
    frame = envelope(request, "cm.ConsumerRequestConversation")
    frame["body"] = {} if request.body is None else request.body  # the docs send it without a body
    check(frame)
    conversation = conn.mock.consumers.request_conversation(asker(conn), frame["body"])
    return Reply(200, "cm.RequestConversationResponse", {"conversationId": conversation.conversation_id})


def publish_event(conn: Conn, request: Request) -> Reply:
    body = _checked(request, "ms.PublishEvent")
    sequence = conn.mock.consumers.publish(asker(conn), body, request.metadata)
    return Reply(200, "ms.PublishEventResponse", sequence_answer(sequence))


def update_field(conn: Conn, request: Request) -> Reply:
    body = _checked(request, "cm.UpdateConversationField")
    return Reply(200, STRING_RESP, conn.mock.consumers.update_field(asker(conn), body))


def set_profile(conn: Conn, request: Request) -> Reply:
    """[INFERRED] not in the socket's docs (the Send API has it): answered as a StringResp."""
    body = _checked(request, "userprofile.SetUserProfile")
    conn.mock.consumers.set_profile(asker(conn), body)
    return Reply(200, STRING_RESP, PROFILE_OK["msg"])


def generate_url(kind: str) -> Handler:
    def handler(conn: Conn, request: Request) -> Reply:
        body = _checked(request, kind)
        return Reply(200, "ms.GenerateURLResponse", conn.mock.consumers.generate_url(asker(conn), kind, body))

    return handler


def scope(conn: Conn, body: JSON, wanted: ConversationFilter) -> ConversationFilter:
    """A consumer sees only its own conversations."""
    me = consumer_of(conn).consumer_id
    return ConversationFilter(wanted.states, wanted.stages, None, me, wanted.min_last_updated)


def may_read(conn: Conn, conversation: Conversation) -> None:
    if conversation.consumer_id != consumer_of(conn).consumer_id:
        raise AuthError(40103, f"conversation {conversation.conversation_id} belongs to another consumer")


HANDLERS: dict[str, Handler] = {
    **COMMON,
    "InitConnection": init_connection,
    "cm.ConsumerRequestConversation": request_conversation,
    "cqm.SubscribeExConversations": subscribe_conversations(scope),
    "ms.SubscribeMessagingEvents": subscribe_events(may_read),
    "ms.PublishEvent": publish_event,
    "cm.UpdateConversationField": update_field,
    "up.SetUserProfile": set_profile,
    "ms.GenerateURLForUploadFile": generate_url("ms.GenerateURLForUploadFile"),
    "ms.GenerateURLForDownloadFile": generate_url("ms.GenerateURLForDownloadFile"),
}

SIDE = Side(
    "consumer",
    "consumersocket",
    HANDLERS,
    admit,
    before_admission={"InitConnection": init_connection, "GetClock": COMMON["GetClock"]},
)
ROUTES = [socket_route(PATH, SIDE)]
__all__ = ["ROUTES", "SIDE"]
