"""Each LivePerson service on a host:port of its own, as CSDS hands them out (``mockcc serve --split-hosts``).

LivePerson's CSDS names a different host for each service (``va.msg.liveperson.net`` for the Send API,
``va.sentinel.liveperson.net``, ...). A mock answering every service on one host:port cannot see a
connector that skips discovery and sends everything to the CSDS host: it would work here and fail in
production. With ``Settings.service_ports`` each service below has a loopback port of its own, CSDS hands
out ``host:port`` per service, and a call that reaches another service's port is refused like a path that
host does not serve (404 in LivePerson's envelope), the explanation naming both services.

Ports rather than addresses (127.0.0.2, ...): only 127.0.0.1 is configured on macOS's loopback and in
many containers, while any number of ports work everywhere the mock runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockcc.authority import SCOPE_KEY
from mockcc.errors import NotFound
from mockcc.settings import Settings

#: The configured domain: CSDS answers there, and so do the control plane, the console and /openapi.json.
CSDS = "csds"
#: Services with a port of their own when hosts are split, in CSDS's names.
OWN_PORT = ("asyncMessagingEnt", "sentinel", "idp", "accountConfigReadWrite", "agentVep", "swift", "msgHist")
#: CSDS names answered on another service's port (LivePerson's read-only account configuration host
#: serves the same API; the mock keeps one for both).
SAME_PORT = {"accountConfigReadOnly": "accountConfigReadWrite"}
#: Whose host answers each journal service (the routes' ``service=``); unlisted ones answer anywhere.
HOME = {
    "csds": CSDS,
    "sentinel": "sentinel",
    "idp": "idp",
    "conversation": "asyncMessagingEnt",
    "send": "asyncMessagingEnt",
    "appinstall": "accountConfigReadWrite",
    "accountconfig": "accountConfigReadWrite",
    "agentvep": "agentVep",
    "swift": "swift",
    "msghist": "msgHist",
}
DESCRIBED = {
    CSDS: "CSDS (the Domain API, the host a connector is configured with)",
    "asyncMessagingEnt": "the Send API (asyncMessagingEnt)",
    "sentinel": "Sentinel (AppJWT)",
    "idp": "the IdP (ConsumerJWS)",
    "accountConfigReadWrite": "App Installation and feature grants (accountConfigReadWrite)",
    "agentVep": "the login (agentVep)",
    "swift": "Swift (file sharing)",
    "msgHist": "Messaging History (msgHist)",
}


def port_of(settings: Settings, service: str) -> int | None:
    """The port that answers CSDS service ``service`` (``csds``: the main one); None when hosts are not split."""
    if not settings.service_ports:
        return None
    if service == CSDS:
        return settings.port
    return dict(settings.service_ports).get(SAME_PORT.get(service, service))


def service_at(settings: Settings, port: int) -> str | None:
    """Which service answers on ``port`` (``csds`` for the main one)."""
    if port == settings.port:
        return CSDS
    return next((name for name, p in settings.service_ports if p == port), None)


def wrong_host(settings: Settings, service: str, scope: Mapping[str, Any]) -> NotFound | None:
    """The refusal of a call to ``service`` (a route's) that reached another service's port (the ASGI
    ``server`` of ``scope``: the local address it was accepted on); None when it is the right one."""
    home = HOME.get(service)
    server = scope.get("server")
    if not settings.service_ports or home is None or not server:
        return None
    here = service_at(settings, int(server[1]))
    right = port_of(settings, home)
    if here is None or here == home or right is None:
        return None
    named = scope.get(SCOPE_KEY)  # the guard's parse of the Host header
    name = hostname(str(named) if named is not None else str(server[0]))
    return NotFound(
        f"{DESCRIBED[home]} was called at {name}:{server[1]}, which is {DESCRIBED[here]} in this mock; CSDS hands "
        f"out {name}:{right} for {home}: discover every host from CSDS "
        f"(/api/account/{{accountId}}/service/baseURI.json?version=1.0) rather than reusing one",
        path="$host",
        rule="csds-host",
        expected=f"{name}:{right}",
    )


def hostname(host: str) -> str:
    """``127.0.0.1:8080`` -> ``127.0.0.1``; ``[::1]:8080`` -> ``[::1]``; a name without a port as it is."""
    if host.startswith("["):
        return host[: host.index("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
