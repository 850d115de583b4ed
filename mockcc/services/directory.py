"""The service directory CSDS answers with (and the admin login repeats): every service on this mock's host,
or, with ``--split-hosts``, each on its own port of it (``mockcc.hosts``)."""

from __future__ import annotations

from mockcc import hosts
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


def base_uri(ctx: Ctx, service: str | None = None) -> str:
    """A bare host[:port], no scheme, like LivePerson's: configured, or the authority we were reached at
    (the guard's one strict parse of it, never the raw header); with split hosts, that host name and
    ``service``'s own port."""
    settings = ctx.mock.settings
    named = ctx.request.scope.get(SCOPE_KEY)
    host = settings.public_host or (str(named) if named is not None else f"{settings.host}:{settings.port}")
    port = hosts.port_of(settings, service) if service else None
    return host if port is None else f"{hosts.hostname(host)}:{port}"


def base_uris(ctx: Ctx, account_id: str) -> list[dict[str, str]]:
    """Every service's entry, as CSDS lists them (the admin login repeats this list)."""
    return [{"service": s, "account": account_id, "baseURI": base_uri(ctx, s)} for s in SERVICES]
