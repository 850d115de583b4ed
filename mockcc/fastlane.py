"""The load-tested calls (SEND, CONVERSATION) straight from ASGI to their pipeline.

Starlette's way to an endpoint is five layers deep (error middleware, the guard, the exception
middleware, the router's regular expressions, ``request_response``), then a ``Response`` object is
played through the guard's header filter: about a fifth of SEND's CPU under load. ``MockApp`` takes a
POST to either path itself: the same guard check on the raw headers, the account from the path by
plain string cuts, the same ``http.route`` pipeline (journal, body cap, faults, envelopes), and the
answer's two ASGI messages sent directly. Everything else, and any of these calls the guard would
refuse, goes through Starlette as before, so the rule and the refusal's record stay in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from mockcc import authority
from mockcc.authority import Authority
from mockcc.errors import ApiError
from mockcc.guard import _is_cors

PREFIX = "/api/account/"
#: What follows ``/api/account/{accountId}`` on the paths the lane takes, longest first.
TAILS = ("/messaging/consumer/conversation/send", "/messaging/consumer/conversation")
Handler = Callable[[Request], Awaitable[Response]]
#: The guard's rule (``Guard.check``): the refusal a request earns (or None), and its parsed authority.
Check = Callable[[str, str, Iterable[tuple[bytes, bytes]], str | None], tuple[ApiError | None, Authority | None]]


def lane_path(path: str) -> tuple[str, str] | None:
    """``(accountId, tail)`` when ``path`` is one the lane takes; the account is one non-empty segment,
    as the router's ``{accountId}`` matches it."""
    if not path.startswith(PREFIX):
        return None
    cut = path.find("/", len(PREFIX))
    if cut <= len(PREFIX):
        return None
    tail = path[cut:]
    return (path[len(PREFIX) : cut], tail) if tail in TAILS else None


class MockApp(Starlette):
    """The mock's Starlette application, with the lane in front of its middleware for two paths."""

    def __init__(self, *, check: Check, lane: dict[str, Handler], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._check = check
        self._lane = lane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            found = lane_path(scope["path"])
            if found is not None and await self._took(found, scope, receive, send):
                return
        await super().__call__(scope, receive, send)

    async def _took(self, found: tuple[str, str], scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the call here, unless the guard refuses it (then Starlette refuses and journals it)."""
        error, named = self._check("POST", scope["path"], scope["headers"], scope.get(authority.TARGET_KEY))
        if error is not None:
            return False
        scope[authority.SCOPE_KEY] = named  # as the guard leaves it for the endpoints
        scope["app"] = self
        scope["path_params"] = {"accountId": found[0]}
        response = await self._lane[found[1]](Request(scope, receive))
        headers = [pair for pair in response.raw_headers if not _is_cors(pair[0])]
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
        return True


def lane_handlers(routes: list[BaseRoute]) -> dict[str, Handler]:
    """The pipeline-wrapped endpoints of the lane's paths, taken from their Starlette routes."""
    handlers: dict[str, Handler] = {}
    for candidate in routes:
        if isinstance(candidate, Route) and candidate.methods and "POST" in candidate.methods:
            found = lane_path(candidate.path.replace("{accountId}", "a"))
            if found is not None:
                handlers[found[1]] = candidate.endpoint
    missing = set(TAILS) - set(handlers)
    if missing:
        raise ValueError(f"no POST route for {sorted(missing)}: the lane would have nowhere to go")
    return handlers


async def no_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind the lane's own ``Guard``, which only checks (``Guard.check``) and never serves."""
    raise RuntimeError("the lane's guard only checks requests")
