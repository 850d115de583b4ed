"""The brand socket's routing requests: the agent's state, its routing tasks and rings (§3.2-3.3).

Answers are LivePerson's: 202 with a StringResp text for SetAgentState and UpdateRingState, 200
``GenericSubscribe`` for the subscriptions, each followed at once by its first notification (the
routing tasks' with ``changes: []`` plus any ring already waiting for this agent).
"""

from __future__ import annotations

from mockcc.errors import BadRequest, Forbidden
from mockcc.sockets.common import GENERIC_SUBSCRIBE, fields
from mockcc.sockets.conn import Conn
from mockcc.sockets.dispatch import Reply
from mockcc.sockets.envelope import STRING_RESP, Request, as_list
from mockcc.state.agents import AVAILABILITY, AgentUser
from mockcc.streams import frames
from mockcc.streams.hub import AGENT_STATE, ROUTING
from mockcc.types import JSON


def agent_of(conn: Conn) -> AgentUser:
    user = conn.admission.identity
    assert isinstance(user, AgentUser)  # noqa: S101 - the agent side's admit() puts one there
    return user


def _named_agent(conn: Conn, given: object, path: str) -> AgentUser:
    """An ``<acc>.<userId>`` in a body: this socket's own agent, or (for an admin) another of the account."""
    me = agent_of(conn)
    if given is None:
        return me
    user = conn.account.agent_user(str(given))
    if user is None:
        raise BadRequest(f"no agent user {given!r} in account {conn.account.account_id}", path=path, rule="known-agent")
    if user is not me and not me.is_admin:
        raise Forbidden(f"{me.full_id} may act only for itself, not {user.full_id}", path=path, rule="own-agent")
    return user


def set_agent_state(conn: Conn, request: Request) -> Reply:
    body = fields(request)
    availability = body.get("availability")
    if availability not in AVAILABILITY:
        raise BadRequest(
            f"body.availability must be one of {', '.join(AVAILABILITY)} (got {availability!r})",
            path="$.body.availability",
            rule="enum",
            expected=list(AVAILABILITY),
        )
    channels = body.get("channels")
    if channels is not None and any(c != "MESSAGING" for c in as_list(channels)):
        raise BadRequest("body.channels: the mock serves MESSAGING only", path="$.body.channels", rule="enum")
    user = _named_agent(conn, body.get("agentUserId"), "$.body.agentUserId")
    conn.mock.routing.set_state(conn.account, user, str(availability))
    return Reply(202, STRING_RESP, "Agent state updated successfully")


def subscribe_agents_state(conn: Conn, request: Request) -> Reply:
    body = fields(request)
    user = _named_agent(conn, body.get("agentId"), "$.body.agentId")
    if user is not agent_of(conn):
        raise BadRequest(
            "the mock lets a socket follow its own agent's state only", path="$.body.agentId", rule="own-agent"
        )
    sub_id, _ = conn.mock.streams.subscribe_topic(conn.peer, AGENT_STATE)
    return Reply(
        200, GENERIC_SUBSCRIBE, {"subscriptionId": sub_id}, [frames.agent_state_notification(sub_id, user.availability)]
    )


def subscribe_routing_tasks(conn: Conn, request: Request) -> Reply:
    body = fields(request)
    _named_agent(conn, body.get("agentId"), "$.body.agentId")
    if body.get("brandId") not in (None, conn.account.account_id):
        raise BadRequest(f"body.brandId must be {conn.account.account_id}", path="$.body.brandId", rule="const")
    sub_id, _ = conn.mock.streams.subscribe_topic(conn.peer, ROUTING)
    return Reply(200, GENERIC_SUBSCRIBE, {"subscriptionId": sub_id}, _waiting(conn, sub_id))


def update_routing_task_subscription(conn: Conn, request: Request) -> Reply:
    """Undocumented (the SDK lists it) [INFERRED]: ``{"subscriptionId"?, "skills"?: [skillId, ...] | null}``
    narrows this socket's routing subscription to rings of those skills (null or absent: every skill the
    agent takes); routing then rings the agent only for what one of its subscriptions hears. Answered 200
    with the subscription's id, then its routing tasks' notification as SubscribeRoutingTasks sends it."""
    body = fields(request)
    sub_id = conn.peer.topics.get(ROUTING)
    if sub_id is None:
        raise BadRequest("no routing-task subscription on this socket: SubscribeRoutingTasks first", rule="subscribed")
    if body.get("subscriptionId") not in (None, sub_id):
        raise BadRequest(
            f"subscriptionId {body['subscriptionId']!r} is not this socket's routing subscription",
            path="$.body.subscriptionId",
            rule="known-subscription",
            expected=sub_id,
        )
    if body.get("channelType") not in (None, "MESSAGING"):
        raise BadRequest("body.channelType: the mock serves MESSAGING only", path="$.body.channelType", rule="enum")
    skills = None
    if body.get("skills") is not None:
        given = as_list(body["skills"])
        if not given or any(isinstance(s, bool) or not isinstance(s, str | int) or not str(s) for s in given):
            raise BadRequest(
                "body.skills is a list of skill ids (or null: every skill)", path="$.body.skills", rule="type"
            )
        skills = frozenset(str(s) for s in given)
    conn.mock.streams.update_routing(conn.peer, skills)
    return Reply(200, GENERIC_SUBSCRIBE, {"subscriptionId": sub_id}, _waiting(conn, sub_id))


def _waiting(conn: Conn, sub_id: str) -> list[JSON]:
    """The routing notifications a (re)subscription starts with: none yet, then each ring waiting for it."""
    me = agent_of(conn)
    waiting = conn.mock.routing.waiting_for(conn.account.account_id, me.pid)
    hears = conn.mock.routing.hears
    then = [frames.routing_notification(sub_id, None, [])]
    then += [
        frames.routing_notification(sub_id, task, [ring])
        for task, ring in waiting
        if hears(conn.peer.routing_skills, task.skill_id)
    ]
    return then


def update_ring_state(conn: Conn, request: Request) -> Reply:
    body = fields(request)
    ring_id = body.get("ringId")
    if not isinstance(ring_id, str) or not ring_id:
        raise BadRequest(
            "body.ringId is required: the ringId of a RoutingTaskNotification", path="$.body.ringId", rule="required"
        )
    state = body.get("ringState")
    if state not in ("ACCEPTED", "REJECTED"):
        raise BadRequest(
            f"body.ringState must be ACCEPTED or REJECTED (got {state!r})",
            path="$.body.ringState",
            rule="enum",
            expected=["ACCEPTED", "REJECTED"],
        )
    conn.mock.routing.update_ring(conn.account, agent_of(conn), str(ring_id), str(state))
    return Reply(202, STRING_RESP, "Ring state updated successfully")


HANDLERS = {
    "routing.SetAgentState": set_agent_state,
    "routing.SubscribeAgentsState": subscribe_agents_state,
    "routing.SubscribeRoutingTasks": subscribe_routing_tasks,
    "routing.UpdateRoutingTaskSubscription": update_routing_task_subscription,
    "routing.UpdateRingState": update_ring_state,
}
