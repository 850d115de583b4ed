"""App Installation API (accountConfigReadWrite), authorised by the login's bearer (services/login.py).

Installations register webhook endpoints; creating one issues a client_id and client_secret that
Sentinel then accepts. Updates and deletes need the ``If-Match`` revision, as in LivePerson's demo,
which also sends ``X-HTTP-Method-Override: PUT``: a POST carrying the override acts as that method.
LivePerson requires ``https://`` endpoints; plain ``http://`` is refused except on loopback hosts
(127.0.0.0/8, ::1, localhost), so local tests keep working. ``client_name`` is unique per account (409).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, Response

from mockcc.config import build_installation
from mockcc.errors import BadRequest, Conflict, NotFound
from mockcc.http import Ctx, route
from mockcc.schemas import validate
from mockcc.services.admin import admin_session
from mockcc.state.models import Account, Installation
from mockcc.types import JSON
from mockcc.webhooks.model import EVENT_KEYS


def _admin(ctx: Ctx) -> Account:
    ctx.require_version("v", "1.0")
    admin_session(ctx)
    return ctx.account()


def _installation(ctx: Ctx, account: Account) -> Installation:
    app_id = str(ctx.request.path_params["appId"])
    found = account.installations.get(app_id) or next(
        (i for i in account.installations.values() if i.app.get("id") == app_id), None
    )
    if found is None or found.app.get("deleted"):
        raise NotFound(
            f"no app installation {app_id!r} in account {account.account_id}",
            path="$path.appId",
            rule="known-installation",
        )
    return found


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: the only hosts where a plain http:// webhook is allowed."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_endpoints(body: object) -> list[str]:
    """https:// only, http:// on loopback (returned, to warn about); checked before the schema (whose
    pattern says the same) so the refusal explains itself."""
    loopback: list[str] = []
    caps = body.get("capabilities") if isinstance(body, dict) else None
    hooks = caps.get("webhooks") if isinstance(caps, dict) else None
    for key in EVENT_KEYS:
        hook = hooks.get(key) if isinstance(hooks, dict) else None
        endpoint = hook.get("endpoint") if isinstance(hook, dict) else None
        if isinstance(endpoint, str) and endpoint.startswith("http://"):
            try:
                host = urlsplit(endpoint).hostname or ""
            except ValueError:
                host = ""
            if not is_loopback(host):
                raise BadRequest(
                    f"{key}: endpoint {endpoint} is plain http; LivePerson requires https:// "
                    "(this mock allows http:// only on loopback hosts: 127.0.0.1, ::1, localhost)",
                    path=f"$.capabilities.webhooks['{key}'].endpoint",
                    rule="https",
                    expected="https://...",
                )
            loopback.append(f"{key}: endpoint {endpoint} is plain http; LivePerson requires https (loopback only)")
    return loopback


def _manifest(ctx: Ctx, account: Account, *, keep: Installation | None = None) -> JSON:
    """The validated manifest: https endpoints (http on loopback only), the schema, a unique client_name."""
    body = ctx.json()
    for warning in _check_endpoints(body):
        ctx.warn(warning)
    if (violation := validate("appinstall/manifest", body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    name = body["client_name"]
    for other in account.installations.values():
        if other is not keep and not other.app.get("deleted") and other.app.get("client_name") == name:
            raise Conflict(
                f"client_name {name!r} is already used by app installation {other.client_id}; "
                "LivePerson requires it to be unique in the account",
                path="$.client_name",
                rule="unique",
            )
    return body


def _revision(ctx: Ctx, installation: Installation) -> None:
    """If-Match must name the current ac-revision. LivePerson documents no status for either refusal: a missing
    header is a bad request (400, like any required header); a stale revision, state across calls, a conflict
    (409). ARCHITECTURE.md, "Statuses for state across calls"."""
    wanted = ctx.header("if-match")
    if wanted is None:
        raise BadRequest(
            "If-Match with the installation's ac-revision is required",
            path="$headers.if-match",
            rule="required",
        )
    if wanted.strip('"') != str(installation.revision):
        raise Conflict(
            f"If-Match {wanted} is stale; the current ac-revision is {installation.revision}",
            path="$headers.if-match",
            rule="const",
            expected=str(installation.revision),
        )


def _override(ctx: Ctx, method: str) -> None:
    """An ``X-HTTP-Method-Override`` that names another method than the one being run is refused."""
    wanted = ctx.header("x-http-method-override")
    if wanted is not None and wanted.strip().upper() != method:
        raise BadRequest(
            f"X-HTTP-Method-Override {wanted[:20]!r} contradicts the {ctx.request.method} it came with",
            path="$headers.x-http-method-override",
            rule="const",
            expected=method,
        )


def _one(installation: Installation, status: int = 200) -> JSONResponse:
    return JSONResponse(installation.app, status_code=status, headers={"ac-revision": str(installation.revision)})


async def list_installations(ctx: Ctx) -> Response:
    account = _admin(ctx)
    return JSONResponse([i.app for i in account.installations.values() if not i.app.get("deleted")])


async def get_installation(ctx: Ctx) -> Response:
    account = _admin(ctx)
    return _one(_installation(ctx, account))


async def create_installation(ctx: Ctx) -> Response:
    account = _admin(ctx)
    manifest = {k: v for k, v in _manifest(ctx, account).items() if k not in ("client_id", "client_secret", "id")}
    installation = build_installation(manifest, ctx.mock.ids, int(ctx.mock.clock.now()))
    account.installations[installation.client_id] = installation
    return _one(installation, 201)


async def update_installation(ctx: Ctx) -> Response:
    account = _admin(ctx)
    _override(ctx, "PUT")
    installation = _installation(ctx, account)
    manifest = _manifest(ctx, account, keep=installation)  # a bad body is a 400 whatever its If-Match says
    _revision(ctx, installation)
    fixed = {k: installation.app[k] for k in ("id", "client_id", "client_secret", "client_id_issued_at")}
    installation.app = {**installation.app, **manifest, **fixed, "deleted": False}
    installation.revision += 1
    return _one(installation)


async def delete_installation(ctx: Ctx) -> Response:
    account = _admin(ctx)
    _override(ctx, "DELETE")
    installation = _installation(ctx, account)
    _revision(ctx, installation)
    del account.installations[installation.client_id]
    return Response(status_code=204)


async def overridden(ctx: Ctx) -> Response:
    """POST with ``X-HTTP-Method-Override: PUT`` (or ``DELETE``): the tunnelled method.

    The header is what makes this POST a request at all, so without it (or with another method) the
    request is incomplete: 400 naming the header, as for any missing required parameter (not 405: POST
    is served here, and the 405's ``Allow`` would list it).
    """
    wanted = ctx.header("x-http-method-override")
    handler = {"PUT": update_installation, "DELETE": delete_installation}.get((wanted or "").strip().upper())
    if handler is None:
        raise BadRequest(
            "POST on one installation needs X-HTTP-Method-Override: PUT (update) or DELETE (uninstall)"
            + ("" if wanted is None else f"; got {wanted[:20]!r}"),
            path="$headers.x-http-method-override",
            rule="required" if wanted is None else "enum",
            expected=["PUT", "DELETE"],
        )
    return await handler(ctx)


_BASE = "/api/account/{accountId}/configuration/app-install/installations"
ROUTES = [
    route(_BASE, list_installations, service="appinstall", methods=["GET"]),
    route(_BASE, create_installation, service="appinstall", methods=["POST"]),
    route(_BASE + "/{appId}", get_installation, service="appinstall", methods=["GET"]),
    route(_BASE + "/{appId}", update_installation, service="appinstall", methods=["PUT"]),
    route(_BASE + "/{appId}", delete_installation, service="appinstall", methods=["DELETE"]),
    route(_BASE + "/{appId}", overridden, service="appinstall", methods=["POST"]),
]
