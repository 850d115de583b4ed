"""Sentinel: OAuth 2.0 client credentials -> a real RS256 AppJWT, valid one hour of mock time.

Credentials are read from the form body or the query string (LivePerson's own demo sends them in
the query with an empty form body); both are accepted, as the real service does.
"""

from __future__ import annotations

import hmac

from starlette.responses import JSONResponse, Response

from mockcc.auth_errors import InvalidClient, InvalidRequest, UnsupportedGrantType
from mockcc.http import Ctx, route


def _params(ctx: Ctx) -> dict[str, str]:
    """Query parameters overlaid by form fields (the form wins where both are given)."""
    params = ctx.query_params
    ctype = (ctx.header("content-type") or "").split(";")[0].strip().lower()
    if ctx.body.strip():
        if ctype not in ("", "application/x-www-form-urlencoded"):
            raise InvalidRequest(
                f"the token request body must be application/x-www-form-urlencoded (got {ctype})",
                path="$headers.content-type",
            )
        params.update(ctx.form())
    return params


async def app_token(ctx: Ctx) -> Response:
    is_v1 = "/v2/" not in ctx.request.url.path
    params = _params(ctx)
    if is_v1 and params.get("v") != "1.0":
        raise InvalidRequest(f"query parameter v must be 1.0 (got {params.get('v')!r})", path="$query.v")
    grant = params.get("grant_type")
    if grant != "client_credentials":
        raise (UnsupportedGrantType if grant else InvalidRequest)(
            f"grant_type must be client_credentials (got {grant!r})",
            path="$.grant_type",
        )
    client_id, secret = params.get("client_id"), params.get("client_secret")
    if not client_id or not secret:  # RFC 6749 §5.2: "no client authentication included" is invalid_client
        missing = "client_id" if not client_id else "client_secret"
        raise InvalidClient(
            f"{missing} is missing: send it in the form body or the query string",
            path=f"$.{missing}",
        )
    account = ctx.mock.accounts.get(ctx.account_id)
    if account is None:  # Sentinel speaks OAuth 2.0 for every refusal, an unknown account included
        raise InvalidClient(
            f"account {ctx.account_id!r} does not exist in this mock (known: {', '.join(ctx.mock.accounts)})",
            path="$path.accountId",
        )
    installation = account.installations.get(client_id)
    if installation is None or not hmac.compare_digest(installation.client_secret.encode(), secret.encode()):
        raise InvalidClient(
            f"no app installation of account {account.account_id} has this client_id and client_secret",
            path="$.client_id",
        )
    if not installation.enabled:
        raise InvalidClient(f"app installation {client_id} is disabled or deleted")
    token = ctx.mock.tokens.issue_app_jwt(account.account_id, client_id)
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer"}, headers={"content-type": "application/json;charset=utf-8"}
    )


async def jwks(ctx: Ctx) -> Response:
    return JSONResponse(ctx.mock.tokens.jwks())


ROUTES = [
    route(
        "/sentinel/api/account/{accountId}/app/token",
        app_token,
        service="sentinel",
        methods=["POST"],
        bad_input=InvalidRequest,
    ),
    route(
        "/sentinel/api/v2/account/{accountId}/app/token",
        app_token,
        service="sentinel",
        methods=["POST"],
        bad_input=InvalidRequest,
    ),
    route("/sentinel/well-known/jwks", jwks, service="sentinel", methods=["GET"], bad_input=InvalidRequest),
]
