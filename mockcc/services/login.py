"""Login Service API (``agentVep``): ``POST /api/account/{accountId}/login?v=1.3``, User Login.

The answer is LivePerson's documented one (developer-center ``agent-interactions/login/methods/login.md``):
``csrf``, ``wsuk``, ``config``, ``csdsCollectionResponse``, ``accountData``, ``sessionTTl`` and, last,
the ``bearer`` that authorises the account-configuration APIs (App Installation, feature grants) until
the session ends. The mock has one user per account, its admin.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from starlette.responses import JSONResponse, Response

from mockcc.errors import BadRequest, Unauthorized
from mockcc.http import Ctx, route
from mockcc.schemas import validate
from mockcc.services.directory import base_uris
from mockcc.state.bearers import Session
from mockcc.types import JSON

ADMIN_USER = "admin"
ADMIN_PASSWORD = "mockcc-admin"  # the mock's own documented test login
#: LivePerson's documented example: "sessionTTl": "28800000" (eight hours, in milliseconds, as a string).
SESSION_TTL_MS = 28_800_000
#: The documented example's privileges (LivePerson does not publish what each number grants).
ADMIN_PRIVILEGES = [100, 101, 1730, 1731, 1732, 1733, 1734, 1735]
#: The documented example's ``accountData``: the account's one agent group, "Main Group".
ACCOUNT_DATA: JSON = {"agentGroupsData": {"items": [{"id": -1, "deleted": False, "name": "Main Group"}], "revision": 1}}
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def user_id(account_id: str, login_name: str) -> str:
    """A 10-digit user id like LivePerson's (``"3705342610"``), the same on every run."""
    digest = int(hashlib.sha256(f"{account_id}\x00{login_name}".encode()).hexdigest(), 16)
    return str(1_000_000_000 + digest % 9_000_000_000)


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


async def login(ctx: Ctx) -> Response:
    _version(ctx)
    account = ctx.account()  # an unknown account is LivePerson's 401 "invalid site"
    body = ctx.json()
    if (violation := validate("login/login-request", body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    password_ok = hmac.compare_digest(str(body["password"]).encode(), ADMIN_PASSWORD.encode())
    if body["username"] != ADMIN_USER or not password_ok:
        raise Unauthorized(
            f"wrong username or password (this mock's admin login is {ADMIN_USER} / {ADMIN_PASSWORD})",
            path="$",
            rule="login",
        )
    mock = ctx.mock
    now = mock.clock.now()
    bearer = mock.ids.hex(64)
    session_id = mock.ids.hex(32)
    mock.bearers.add(bearer, Session(account.account_id, ADMIN_USER, now + SESSION_TTL_MS / 1000))
    answer = {
        "csrf": mock.ids.hex(64),
        "wsuk": str(int(mock.ids.hex(15), 16) % 10**18).zfill(18),
        "config": {
            "loginName": ADMIN_USER,
            "userId": user_id(account.account_id, ADMIN_USER),
            "userPrivileges": list(ADMIN_PRIVILEGES),
            "serverCurrentTime": int(now * 1000),
            "timeDiff": 0,
            "serverTimeZoneName": "UTC",
            "serverTimeGMTDiff": 0,
            "isLPA": False,
            "isAdmin": True,
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


ROUTES = [route("/api/account/{accountId}/login", login, service="agentvep", methods=["POST"])]
