"""The security rule, as one ASGI middleware in front of every route (present and future).

A developer's browser can reach the mock on loopback, so a page from anywhere could otherwise
reset it or close conversations (a "simple" cross-origin POST needs no preflight), and with DNS
rebinding read the answers. The rule (README, "Security"):

* every request has exactly one ``Host``, a strict RFC 3986 authority (``mockcc.authority``), that
  names the mock: 127.0.0.1, localhost, ::1, ``--host`` or ``--public-host`` (any port), else 400
  (defeats DNS rebinding: the attacker's name is never one of these); an absolute-form target
  (``POST http://host/path``) must name the same authority (RFC 9112 §3.2.2: the target's wins).
  The parsed authority is left in the scope: every consumer of the host reads that one value;
* every state-changing ``/_mockcc/`` call (POST, PUT, PATCH, DELETE), with or without a body, carries
  ``Content-Type: application/json`` (a cross-origin page cannot send that without a preflight the
  mock never grants), else 415, and is refused with 403 when ``Origin`` is present and is not the
  mock's own, or when ``Sec-Fetch-Site: cross-site``;
* no response ever carries a CORS header (``Access-Control-*``), whoever added it.

Each refusal is handed to ``refused`` (``app`` passes one that journals it and renders the envelope),
so a refused call is on record like any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockcc import authority
from mockcc.authority import Authority, BadAuthority
from mockcc.errors import ApiError, BadRequest, Forbidden, RestError, UnsupportedMediaType

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
#: The methods that can change state; any other (GET, HEAD, OPTIONS, TRACE, ...) reads or is a 405.
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONTROL_PREFIX = "/_mockcc/"
#: Journals a refusal and renders it (``app`` passes one: the journal is not the guard's business).
Refusal = Callable[[Scope, Receive, ApiError], Awaitable[Response]]


def host_name(host: str) -> str:
    """``Host`` or ``host[:port]`` -> the bare, lower-case name (``[::1]:8080`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host  # a bare IPv6 address, or a bare name


def allowed_names(bind_host: str, public_host: str | None) -> frozenset[str]:
    """The names the mock answers to: loopback, the bound interface and the public host."""
    names = {*LOOPBACK_NAMES, host_name(bind_host)}
    if public_host:
        names.add(host_name(public_host))
    return frozenset(names)


class Guard:
    """Refuses what the rule forbids before any route runs; strips CORS headers from every answer."""

    def __init__(self, app: ASGIApp, *, bind_host: str, public_host: str | None, refused: Refusal) -> None:
        self.app = app
        self.refused = refused
        self.names = allowed_names(bind_host, public_host)
        self.public_host = public_host.lower() if public_host else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        error, named = self.check(method, scope["path"], scope["headers"], scope.get(authority.TARGET_KEY))
        if named is not None:
            scope[authority.SCOPE_KEY] = named
        # The Host rule holds for sockets too; refused before the upgrade (the server answers 403).
        if scope["type"] == "websocket":
            if error is not None:
                await receive()
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if error is not None and (error.rule == "host" or _routed(scope)):
            response = await self.refused(scope, receive, error)
            await response(scope, receive, send)
            return

        async def send_without_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k, v) for k, v in message.get("headers", ()) if not _is_cors(k)]
            await send(message)

        await self.app(scope, receive, send_without_cors)

    def check(
        self, method: str, path: str, raw_headers: Iterable[tuple[bytes, bytes]], target: str | None = None
    ) -> tuple[ApiError | None, Authority | None]:
        """The refusal this request earns (None when the rule lets it through), and its authority once
        parsed; ``target`` is an absolute-form request target's authority, if the request had one."""
        hosts: list[str] = []
        origin = fetch_site = ctype = None
        for key, value in raw_headers:
            if key == b"host":
                hosts.append(value.decode("latin-1"))
            elif key == b"origin":
                origin = value.decode("latin-1")
            elif key == b"sec-fetch-site":
                fetch_site = value.decode("latin-1")
            elif key == b"content-type":
                ctype = value.decode("latin-1")
        named, refusal = self._authority(hosts, target)
        if refusal is not None:
            return refusal, None
        assert named is not None  # noqa: S101 - no refusal means an authority
        error = self._same_origin(method, path, named, origin, fetch_site, ctype)
        return error, named

    def _authority(self, hosts: list[str], target: str | None) -> tuple[Authority | None, ApiError | None]:
        """The one authority the request names, or the refusal of what it sent instead."""
        if len(hosts) != 1:
            what = "no Host header" if not hosts else f"{len(hosts)} Host headers ({', '.join(map(repr, hosts))})"
            return None, _bad_host(f"{what}: a request names its host exactly once (RFC 9112 §3.2)", self.names)
        try:
            named = authority.parse(hosts[0])
        except BadAuthority as exc:
            return None, _bad_host(f"Host {hosts[0][:80]!r} is not a valid host[:port]: {exc}", self.names)
        if target is not None:
            try:
                wins = authority.parse(target)
            except BadAuthority as exc:
                return None, _bad_host(
                    f"the request target's authority {target[:80]!r} is not valid: {exc}", self.names
                )
            if wins != named:
                return None, _bad_host(
                    f"the absolute-form target names {target[:80]!r} but Host is {hosts[0][:80]!r}; "
                    "the target's authority wins (RFC 9112 §3.2.2), so the two must agree",
                    self.names,
                )
        if named.host not in self.names:
            return None, _bad_host(
                f"Host {hosts[0][:80]!r} is not a name this mock serves (DNS-rebinding guard); "
                "use one of them, or start the mock with --public-host",
                self.names,
            )
        return named, None

    def _same_origin(
        self,
        method: str,
        path: str,
        named: Authority,
        origin: str | None,
        fetch_site: str | None,
        ctype: str | None,
    ) -> ApiError | None:
        """The control plane's rule: state changes only as JSON, and never from another origin."""
        if method not in STATE_CHANGING or not path.startswith(CONTROL_PREFIX):
            return None
        media = (ctype or "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return UnsupportedMediaType(
                f"a state-changing control call needs Content-Type: application/json (got {ctype!r}), "
                "so that no page from another origin can send it",
                path="$headers.content-type",
                rule="content-type",
                expected="application/json",
            )
        if fetch_site is not None and fetch_site.strip().lower() == "cross-site":
            return _forbidden(
                "Sec-Fetch-Site: cross-site: a page from another site may not drive the mock", "$headers.sec-fetch-site"
            )
        if origin is not None and not self._own_origin(origin, named):
            return _forbidden(f"Origin {origin!r} is not this mock's own origin", "$headers.origin")
        return None

    def _own_origin(self, origin: str, named: Authority) -> bool:
        parts = urlsplit(origin.strip().lower())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        return parts.netloc in (str(named), self.public_host)


def _routed(scope: Scope) -> bool:
    """Whether a route takes this method on this path: if none does, the app's 404/405 answers (and
    changes nothing), as it would for any other method it does not serve."""
    router = getattr(scope.get("app"), "router", None)
    if router is None:
        return True
    return any(route.matches(scope)[0] is Match.FULL for route in router.routes)


def _bad_host(explanation: str, names: frozenset[str]) -> RestError:
    return BadRequest(explanation, path="$headers.host", rule="host", expected=sorted(names))


def _forbidden(explanation: str, path: str) -> RestError:
    return Forbidden(explanation, path=path, rule="cross-origin")


def _is_cors(key: bytes) -> bool:
    return key.lower().startswith(b"access-control-")
