"""IdP: ConsumerJWSs for the Connector API, and consumer JWTs for the Messaging Window API socket.

- ``POST /consumer``: an AppJWT plus an external consumer id -> a ConsumerJWS (201), stable per consumer.
- ``POST /signup``: a new unauthenticated consumer -> ``{"jwt"}`` (ACR0; expires on the mock's clock).
- ``POST /authenticate``: ``{"authCode": <the brand's JWT>}`` checked against the seed's ``consumer_auth``
  -> ``{"jwt"}`` for the consumer the brand's ``sub`` names.

One population: a consumer id is a consumer id. An authenticated consumer's id is the one a ConsumerJWS
for the same external id carries (``lp_consumer_id(account, sub)``), so a brand's customer who writes
through a connector and through a consumer app is one consumer (inferred; see ARCHITECTURE.md).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.errors import BadRequest, Unauthorized
from mockcc.http import Ctx, route
from mockcc.ids import lp_consumer_id
from mockcc.schemas import validate
from mockcc.services.sendapi.auth import app_installation
from mockcc.state.models import Account, Consumer
from mockcc.tokens import SIGNUP_LIFETIME, TokenInvalid, verify_brand_jwt
from mockcc.types import JSON


async def create_consumer(ctx: Ctx) -> Response:
    ctx.require_version("v", "1.0", optional=True)  # some clients send none, but never another value
    account = ctx.account()
    installation = app_installation(ctx, account)
    body = ctx.json()
    if (violation := validate("idp/consumer-request", body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    ext_id = str(body["ext_consumer_id"])
    consumer_id = lp_consumer_id(account.account_id, ext_id)
    consumer = account.consumers.get(consumer_id) or account.remember(
        Consumer(lp_consumer_id=consumer_id, ext_consumer_id=ext_id)
    )
    consumer.client_id = installation.client_id
    token = ctx.mock.tokens.issue_consumer_jws(account.account_id, ext_id, consumer_id)
    return JSONResponse({"token": token}, status_code=201)


def _optional_body(ctx: Ctx) -> None:
    """signup takes no body (LivePerson's example sends none); one that is sent must be a JSON object."""
    if ctx.body.strip() and (violation := validate("idp/signup-request", ctx.json())) is not None:
        raise BadRequest.from_violation(violation)


async def signup(ctx: Ctx) -> Response:
    account = ctx.account()
    _optional_body(ctx)
    consumer_id = ctx.mock.ids.hex(64)
    account.remember(Consumer(lp_consumer_id=consumer_id, ext_consumer_id=consumer_id))
    exp = int(ctx.mock.clock.now()) + SIGNUP_LIFETIME
    token = ctx.mock.tokens.issue_consumer_jwt(account.account_id, consumer_id, exp, authenticated=False)
    return JSONResponse({"jwt": token})


def _brand_keys(account: Account) -> JSON:
    if account.consumer_auth is None:
        raise Unauthorized(
            f"account {account.account_id} has no consumer_auth in its seed: LivePerson checks the authCode "
            "against the brand's authentication connector key; give the seed's account a consumer_auth with "
            "public_key (PEM or bare base64) or jwks",
            path="$.authCode",
            rule="consumer-auth",
        )
    return account.consumer_auth


async def authenticate(ctx: Ctx) -> Response:
    account = ctx.account()
    body = ctx.json()
    if (violation := validate("idp/authenticate-request", body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    try:
        claims = verify_brand_jwt(_brand_keys(account), str(body["authCode"]), ctx.mock.clock.now())
    except TokenInvalid as exc:
        raise Unauthorized(str(exc), path="$.authCode", rule="authCode") from None
    ext_id = str(claims["sub"])
    consumer_id = lp_consumer_id(account.account_id, ext_id)
    if consumer_id not in account.consumers:
        account.remember(Consumer(lp_consumer_id=consumer_id, ext_consumer_id=ext_id))
    ext = {"sub": ext_id, "iss": claims.get("iss")}
    token = ctx.mock.tokens.issue_consumer_jwt(
        account.account_id, consumer_id, int(claims["exp"]), authenticated=True, ext=ext
    )
    return JSONResponse({"jwt": token})


_BASE = "/api/account/{accountId}"
ROUTES = [
    route(f"{_BASE}/consumer", create_consumer, service="idp", methods=["POST"]),
    route(f"{_BASE}/signup", signup, service="idp", methods=["POST"]),
    route(f"{_BASE}/authenticate", authenticate, service="idp", methods=["POST"]),
]
