"""The brand socket (Messaging Agent API): ``/ws_api/account/{acc}/messaging/brand/{bearer}?v=2|2.1``.

The login's bearer is the path's credential (§1.3): unknown, for another account, or expired closes
the socket with 4401, at connect and, once a second on the mock's clock, mid-session (``refresh``
extends it). The socket speaks for the agent user that logged in. Its request table is ``COMMON``
plus the agent's requests; each acts through the same domain calls as the control plane.
"""

from __future__ import annotations

from starlette.websockets import WebSocket

from mockcc.sockets import agent_conversations, agent_routing
from mockcc.sockets.common import (
    COMMON,
    conversation_filter,
    fields,
    subscribe_conversations,
    subscribe_events,
    update_conversations,
)
from mockcc.sockets.conn import Admission, Conn
from mockcc.sockets.dispatch import Handler
from mockcc.sockets.endpoint import Denied, Side, admitted_account, socket_route
from mockcc.sockets.envelope import as_list
from mockcc.state.models import Conversation
from mockcc.streams.outbox import CLOSE_UNAUTHORIZED
from mockcc.streams.subscriptions import ConversationFilter
from mockcc.types import JSON

VERSIONS = ("2", "2.1")
PATH = "/ws_api/account/{accountId}/messaging/brand/{bearer}"


def admit(conn: Conn, websocket: WebSocket) -> Admission:
    mock = conn.mock
    account = admitted_account(conn, websocket, VERSIONS, "Messaging Agent API")
    account_id = account.account_id
    bearer = str(websocket.path_params["bearer"])
    session = mock.bearers.session(account_id, bearer, mock.clock.now())
    user = account.agent_users.get(session.login_name) if session is not None else None
    if user is None:
        raise Denied(CLOSE_UNAUTHORIZED, "the bearer is unknown, expired or of another account: log in again")

    def valid(now: float) -> bool:
        return mock.bearers.session(account_id, bearer, now) is not None

    return Admission(account, user.full_id, user.pid, valid, identity=user)


def scope(conn: Conn, body: JSON, wanted: ConversationFilter) -> ConversationFilter:
    """``agentIds`` (``<acc>.<userId>``, or PIDs) narrow to conversations those agents are in; without them
    every conversation of the account [INFERRED: the mock grants every agent the permission to see all]."""
    if body.get("agentIds") is None:
        return wanted
    pids = set()
    for given in as_list(body["agentIds"]):
        user = conn.account.agent_user(str(given))
        pids.add(user.pid if user is not None else str(given))
    return ConversationFilter(wanted.states, wanted.stages, frozenset(pids), None, wanted.min_last_updated)


def may_read(conn: Conn, conversation: Conversation) -> None:
    """[INFERRED] an agent may read every conversation of its account (as a manager may)."""


HANDLERS: dict[str, Handler] = {
    **COMMON,
    **agent_routing.HANDLERS,
    **agent_conversations.HANDLERS,
    "cqm.SubscribeExConversations": subscribe_conversations(scope),
    "cqm.UpdateExConversationSubscription": update_conversations(scope),
    "ms.SubscribeMessagingEvents": subscribe_events(may_read),
    "ms.QueryMessages": subscribe_events(
        may_read,
        from_fields=("newerThanSequence", "fromSeq"),
        reply_type=".ams.ms.QueryMessages$Response",
        replay_in_body=True,
    ),
}

SIDE = Side("agent", "agentsocket", HANDLERS, admit, secret_params=("bearer",))
ROUTES = [socket_route(PATH, SIDE)]
__all__ = ["ROUTES", "SIDE", "conversation_filter", "fields"]
