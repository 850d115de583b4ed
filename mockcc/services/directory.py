"""The service directory CSDS answers with (and the admin login repeats): every service on this mock's host."""

from __future__ import annotations

from mockcc.authority import SCOPE_KEY
from mockcc.http import Ctx

#: The CSDS service names the mock answers (LivePerson's exact, case-sensitive names).
SERVICES = (
    "asyncMessagingEnt",
    "sentinel",
    "idp",
    "accountConfigReadWrite",
    "accountConfigReadOnly",
    "swift",
    "agentVep",
    "facadeMsg",  # the brand socket's host for LivePerson's Agent SDK 1.4.5 and later (protocol notes §7)
    "msgHist",
)


def base_uri(ctx: Ctx) -> str:
    """A bare host[:port], no scheme, like LivePerson's: configured, or the authority we were reached at
    (the guard's one strict parse of it, never the raw header)."""
    configured = ctx.mock.settings.public_host
    if configured:
        return configured
    named = ctx.request.scope.get(SCOPE_KEY)
    return str(named) if named is not None else f"{ctx.mock.settings.host}:{ctx.mock.settings.port}"


def base_uris(ctx: Ctx, account_id: str) -> list[dict[str, str]]:
    """Every service's entry, as CSDS lists them (the admin login repeats this list)."""
    host = base_uri(ctx)
    return [{"service": s, "account": account_id, "baseURI": host} for s in SERVICES]
