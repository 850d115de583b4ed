"""Webhook endpoints of the control plane: the delivery log, installation states, delivery faults."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.control.common import body_object, no_fields, query_number
from mockcc.errors import BadRequest
from mockcc.http import Ctx, route
from mockcc.webhooks.faults import WebhookFault


async def deliveries(ctx: Ctx) -> Response:
    log = ctx.mock.dispatcher.deliveries(
        account_id=ctx.query("account_id"), client_id=ctx.query("client_id"), limit=query_number(ctx, "limit")
    )
    return JSONResponse({"deliveries": log})


async def replay(ctx: Ctx) -> Response:
    """Send a logged delivery's body again, by hand; answers with the new log entry."""
    raw = str(ctx.request.path_params["deliveryId"])
    if not raw.isdigit():
        raise BadRequest("the delivery id must be a positive integer", path="$path.deliveryId", rule="type")
    entry = await ctx.mock.dispatcher.replay(int(raw))  # UnknownDelivery: 404, NotReplayable: 409
    return JSONResponse({"delivery": entry})


async def status(ctx: Ctx) -> Response:
    return JSONResponse(ctx.mock.dispatcher.status())


async def list_faults(ctx: Ctx) -> Response:
    return JSONResponse({"faults": ctx.mock.dispatcher.faults()})


async def add_fault(ctx: Ctx) -> Response:
    endpoint, fault = WebhookFault.parse_armed(body_object(ctx))  # a bad fault is a ConfigError: 400
    ctx.mock.dispatcher.set_fault(endpoint, fault)
    return JSONResponse({"faults": ctx.mock.dispatcher.faults()}, status_code=201)


async def clear_faults(ctx: Ctx) -> Response:
    no_fields(ctx)
    ctx.mock.dispatcher.clear_faults()
    return JSONResponse({"faults": []})


ROUTES = [
    route("/_mockcc/webhooks/deliveries", deliveries, service="control", methods=["GET"]),
    route("/_mockcc/webhooks/deliveries/{deliveryId}/replay", replay, service="control", methods=["POST"]),
    route("/_mockcc/webhooks/status", status, service="control", methods=["GET"]),
    route("/_mockcc/webhooks/faults", list_faults, service="control", methods=["GET"]),
    route("/_mockcc/webhooks/faults", add_fault, service="control", methods=["POST"]),
    route("/_mockcc/webhooks/faults", clear_faults, service="control", methods=["DELETE"]),
]
