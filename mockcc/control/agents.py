"""``GET /_mockcc/accounts/{accountId}/agents``: the account's agent users as the console shows them.

Who (login name, ``<acc>.<userId>``, participant id), their state (availability; routable: ONLINE with a
socket subscribed to routing tasks), the conversations they hold, and their open brand sockets.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.http import Ctx, route
from mockcc.types import JSON


async def list_agents(ctx: Ctx) -> Response:
    account = ctx.account()
    mock = ctx.mock
    agents: list[JSON] = []
    for user in account.agent_users.values():
        sockets = sorted(mock.streams.peers_of(account.account_id, user.pid), key=lambda p: p.opened_at)
        agents.append(
            {
                "loginName": user.login_name,
                "userId": user.full_id,
                "pid": user.pid,
                "isAdmin": user.is_admin,
                "skills": list(user.skills),
                "maxConversations": user.max_conversations,
                "availability": user.availability,
                "listening": mock.routing.listening(account.account_id, user.pid),
                "conversations": mock.routing.conversations_of(account.account_id, user.pid),
                "sockets": [
                    {
                        "socketId": p.socket_id,
                        "version": p.version,
                        "openedAt": p.opened_at,
                        "subscriptions": p.subscriptions,
                        "requests": p.requests,
                        "topics": sorted(p.topics),
                    }
                    for p in sockets
                ],
            }
        )
    return JSONResponse({"accountId": account.account_id, "agents": agents})


ROUTES = [route("/_mockcc/accounts/{accountId}/agents", list_agents, service="control", methods=["GET"])]
