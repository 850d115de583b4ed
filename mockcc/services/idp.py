"""IdP: an AppJWT plus an external consumer id -> a ConsumerJWS (201), stable per consumer."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.errors import BadRequest
from mockcc.http import Ctx, route
from mockcc.ids import lp_consumer_id
from mockcc.schemas import validate
from mockcc.services.sendapi.auth import app_installation
from mockcc.state.models import Consumer


async def create_consumer(ctx: Ctx) -> Response:
    ctx.require_version("v", "1.0", optional=True)  # some clients send none, but never another value
    account = ctx.account()
    app_installation(ctx, account)
    body = ctx.json()
    if (violation := validate("idp/consumer-request", body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    ext_id = str(body["ext_consumer_id"])
    consumer_id = lp_consumer_id(account.account_id, ext_id)
    if consumer_id not in account.consumers:
        account.remember(Consumer(lp_consumer_id=consumer_id, ext_consumer_id=ext_id))
    token = ctx.mock.tokens.issue_consumer_jws(account.account_id, ext_id, consumer_id)
    return JSONResponse({"token": token}, status_code=201)


ROUTES = [route("/api/account/{accountId}/consumer", create_consumer, service="idp", methods=["POST"])]
