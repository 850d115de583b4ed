"""Login Service API (``agentVep``): login, refresh and logout of the account's agent users.

``POST /api/account/{accountId}/login?v=1.3``: LivePerson's documented answer (developer-center
``agent-interactions/login/methods/login.md``): ``csrf``, ``wsuk``, ``config`` (with ``userPid``, the
participant id LivePerson's Agent SDK reads, §7.1 of the notes), ``csdsCollectionResponse``,
``accountData``, ``sessionTTl`` and, last, the ``bearer`` (the brand socket's credential and the
account-configuration APIs'), plus the ``Session_id`` cookie. User/password, or the application login
(``username``, ``appKey``, ``secret``, ``accessToken``, ``accessTokenSecret``). ``refresh`` (body
``{csrf}`` + the cookie) extends the session by ``sessionTTl``; ``logout`` ends it.
"""

from __future__ import annotations

import hmac
import re

from starlette.responses import JSONResponse, Response

from mockcc.auth_errors import SessionError
from mockcc.errors import BadRequest, Unauthorized
from mockcc.http import Ctx, route
from mockcc.schemas import validate
from mockcc.services.directory import base_uris
from mockcc.state.agents import ADMIN_PASSWORD, ADMIN_USER, AgentUser, user_id
from mockcc.state.bearers import Session
from mockcc.types import JSON

__all__ = ["ADMIN_PASSWORD", "ADMIN_USER", "login", "user_id"]

#: LivePerson's documented example: "sessionTTl": "28800000" (eight hours, in milliseconds, as a string).
SESSION_TTL_MS = 28_800_000
#: The documented example's privileges (LivePerson does not publish what each number grants).
ADMIN_PRIVILEGES = [100, 101, 1730, 1731, 1732, 1733, 1734, 1735]
#: The documented example's ``accountData``: the account's one agent group, "Main Group".
ACCOUNT_DATA: JSON = {"agentGroupsData": {"items": [{"id": -1, "deleted": False, "name": "Main Group"}], "revision": 1}}
APP_LOGIN = ("appKey", "secret", "accessToken", "accessTokenSecret")
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _version(ctx: Ctx) -> None:
    """``v`` is documented as a number whose default is 1.3: absent is 1.3, anything else not a number is 400."""
    v = ctx.query("v")
    if v is not None and not _VERSION.match(v):
        raise BadRequest(
            f"query parameter v must be a version number such as 1.3 (got {v[:20]!r})",
            path="$query.v",
            rule="type",
            expected="1.3",
        )


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _user(users: dict[str, AgentUser], body: JSON) -> AgentUser:
    """The user these credentials name, or LivePerson's 401."""
    user = users.get(str(body["username"]))
    if "password" in body:
        ok = user is not None and _same(body["password"], user.password)
    else:
        keys = user.app_key if user is not None else None
        ok = keys is not None and all(_same(body.get(name), keys.get(name, "")) for name in APP_LOGIN)
    if user is None or not ok:
        names = ", ".join(users)
        raise Unauthorized(
            f"wrong username or credentials (this account's agent users: {names}; admin's password is "
            f"{ADMIN_PASSWORD}, the others' are in the seed; the application login takes the seed's app_key values)",
            path="$",
            rule="login",
        )
    return user


async def login(ctx: Ctx) -> Response:
    _version(ctx)
    account = ctx.account()  # an unknown account is LivePerson's 401 "invalid site"
    body = ctx.json()
    if (violation := validate("login/login-request", body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    user = _user(account.agent_users, body)
    mock = ctx.mock
    now = mock.clock.now()
    bearer, session_id, csrf = mock.ids.hex(64), mock.ids.hex(32), mock.ids.hex(64)
    mock.bearers.add(
        bearer, Session(account.account_id, user.login_name, now + SESSION_TTL_MS / 1000, csrf, session_id)
    )
    answer = {
        "csrf": csrf,
        "wsuk": str(int(mock.ids.hex(15), 16) % 10**18).zfill(18),
        "config": {
            "loginName": user.login_name,
            "userId": user.user_id,
            "userPid": user.pid,
            "userPrivileges": list(ADMIN_PRIVILEGES),
            "serverCurrentTime": int(now * 1000),
            "timeDiff": 0,
            "serverTimeZoneName": "UTC",
            "serverTimeGMTDiff": 0,
            "isLPA": False,
            "isAdmin": user.is_admin,
            "accountTimeZoneId": "UTC",
        },
        "csdsCollectionResponse": {"baseURIs": base_uris(ctx, account.account_id)},
        "accountData": ACCOUNT_DATA,
        "sessionTTl": str(SESSION_TTL_MS),
        "bearer": bearer,
    }
    response = JSONResponse(answer)
    response.set_cookie("Session_id", session_id, max_age=SESSION_TTL_MS // 1000, path="/", httponly=True)
    return response


def _session(ctx: Ctx) -> str:
    """The bearer of the session named by the ``Session_id`` cookie and the body's ``csrf``, or the 401."""
    _version(ctx)
    account = ctx.account()
    body = ctx.json()
    csrf = body.get("csrf") if isinstance(body, dict) else None
    if not isinstance(csrf, str):
        raise BadRequest('the body must be {"csrf": "<the login\'s csrf>"}', path="$.csrf", rule="required")
    if (violation := validate("login/session-request", body)) is not None:  # its other members: strict JSON
        raise BadRequest.from_violation(violation)
    cookie = _cookie(ctx.header("cookie") or "", "Session_id")
    now = ctx.mock.clock.now()
    bearer = ctx.mock.bearers.by_cookie(account.account_id, cookie or "", csrf, now)
    if bearer is None:
        why = (
            "no Session_id cookie"
            if cookie is None
            else "the session is unknown, expired or logged out, or the csrf is not its own"
        )
        raise SessionError(f"{why}: log in again", at_ms=int(now * 1000))
    return bearer


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def refresh(ctx: Ctx) -> Response:
    bearer = _session(ctx)
    ctx.mock.bearers.extend(bearer, ctx.mock.clock.now() + SESSION_TTL_MS / 1000)
    return Response(status_code=200)


async def logout(ctx: Ctx) -> Response:
    ctx.mock.bearers.end(_session(ctx))
    return Response(status_code=200)


ROUTES = [
    route("/api/account/{accountId}/login", login, service="agentvep", methods=["POST"]),
    route("/api/account/{accountId}/refresh", refresh, service="agentvep", methods=["POST"]),
    route("/api/account/{accountId}/logout", logout, service="agentvep", methods=["POST"]),
]
