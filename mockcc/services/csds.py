"""CSDS (Domain API): every service's baseURI is this mock's own host:port.

A connector that finds its hosts through CSDS, as it must, then talks only to the mock.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.errors import NotFound
from mockcc.http import Ctx, route
from mockcc.services.directory import SERVICES, base_uri, base_uris


async def all_services(ctx: Ctx) -> Response:
    ctx.require_version("version", "1.0")
    return JSONResponse({"baseURIs": base_uris(ctx, ctx.account().account_id)})


async def one_service(ctx: Ctx) -> Response:
    ctx.require_version("version", "1.0")
    account = ctx.account()
    name = str(ctx.request.path_params["serviceName"])
    if name not in SERVICES:
        raise NotFound(
            f"CSDS has no service {name!r} in this mock; it serves {', '.join(SERVICES)}",
            path="$path.serviceName",
            rule="enum",
            expected=list(SERVICES),
        )
    return JSONResponse({"service": name, "account": account.account_id, "baseURI": base_uri(ctx, name)})


_BASE = "/api/account/{accountId}/service"
ROUTES = [
    route(f"{_BASE}/baseURI.json", all_services, service="csds", methods=["GET"]),
    route(f"{_BASE}/baseURI", all_services, service="csds", methods=["GET"]),
    route(f"{_BASE}/{{serviceName}}/baseURI.json", one_service, service="csds", methods=["GET"]),
    route(f"{_BASE}/{{serviceName}}/baseURI", one_service, service="csds", methods=["GET"]),
]
