"""``create_app``: the Starlette application that plays every LivePerson service a connector uses."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope

from mockcc.clock import Clock
from mockcc.console import routes as console
from mockcc.console.feed import Feed
from mockcc.control import routes as control
from mockcc.errors import ApiError, MethodNotAllowed, NotFound, RestError, rest_error
from mockcc.fastlane import MockApp, lane_handlers, no_app
from mockcc.guard import Guard
from mockcc.http import finish, read_body, refuse
from mockcc.journal import Call
from mockcc.mock import Mock
from mockcc.services import appinstall, csds, featuregrants, idp, login, msghist, sentinel, swift
from mockcc.services.sendapi import conversation, send
from mockcc.settings import Settings
from mockcc.sockets import agent as agent_socket
from mockcc.sockets import consumer as consumer_socket


def all_routes() -> list[BaseRoute]:
    # The router tries routes in order and no two paths overlap: the load-tested calls (SEND, then
    # CONVERSATION) come first, so they do not pay for matching every other pattern.
    return [
        *send.ROUTES,
        *conversation.ROUTES,
        *csds.ROUTES,
        *sentinel.ROUTES,
        *idp.ROUTES,
        *login.ROUTES,
        *appinstall.ROUTES,
        *featuregrants.ROUTES,
        *swift.ROUTES,
        *msghist.ROUTES,
        *control.ROUTES,
        *console.ROUTES,
    ]


def socket_routes() -> list[BaseRoute]:
    """The websocket surfaces (``mockcc/sockets``), on the same port; not HTTP operations, so not in the
    OpenAPI document (ARCHITECTURE.md, "Websocket transports", describes them)."""
    return [*agent_socket.ROUTES, *consumer_socket.ROUTES]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods still get LivePerson's envelope and are journaled."""
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for HTTPException only
    headers = dict(exc.headers or {})
    error: RestError
    if exc.status_code == 404:
        error = NotFound(
            f"no LivePerson endpoint of this mock matches {request.method} {request.url.path}",
            path="$path",
            rule="route",
        )
    elif exc.status_code == 405:
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        error = MethodNotAllowed(
            f"{request.method} is not allowed on {request.url.path} (allowed: {', '.join(allowed)})",
            path="$method",
            rule="method",
            expected=allowed,
        )
    else:
        error = rest_error(exc.status_code, str(exc.detail), msg=str(exc.detail), rule="http")
    return await _unanswered(request, error, service="unmatched", outcome="unmatched", headers=headers)


async def _guard_refusal(scope: Scope, receive: Receive, error: ApiError) -> Response:
    """The guard's refusal, journaled under the service of the route it kept the call from.

    Control-plane calls are otherwise not recorded (polling would flood the journal); one the guard
    refuses came from someone other than the test (a page in a browser, a rebound name), so it is.
    """
    service, account_id = _route_of(scope["app"], scope)
    return await _unanswered(Request(scope, receive), error, service=service, account_id=account_id)


def journal_refusals(app: Starlette) -> Callable[[bytes, RestError], None]:
    """What ``mockcc serve``'s server refuses before a request is parsed (431, 408), journaled like a call.

    ``head`` is what arrived of the request: its first line names the method and target, if it got that far.
    """
    mock: Mock = app.state.mock

    def record(head: bytes, error: RestError) -> None:
        words = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        method, target = (words[0], words[1]) if len(words) >= 2 else ("", "")
        path, _, query = target.partition("?")
        service, account_id = _route_of(app, {"type": "http", "method": method, "path": path, "root_path": ""})
        started = time.perf_counter()
        call = mock.journal.open(
            at=mock.clock.now(),
            method=method,
            path=path,
            query=query,
            service=service,
            account_id=account_id,
            headers=(),
        )
        _refused(mock, call, error, started=started)

    return record


def _refused(
    mock: Mock,
    call: Call,
    error: ApiError,
    *,
    started: float,
    outcome: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The refusal's answer, its journal entry finished and announced (to the console's stream)."""
    response = finish(mock, call, refuse(call, error, outcome=outcome, headers=headers), started)
    mock.journal.announce(call)
    return response


def _route_of(app: Starlette, scope: Scope) -> tuple[str, str | None]:
    """The journal service and account of the route a request was for (``unmatched`` when none takes it)."""
    for candidate in app.router.routes:
        match, child = candidate.matches(scope)
        if match is Match.FULL:
            name = str(getattr(candidate, "name", ""))
            return name.partition(":")[0] if ":" in name else "control", child.get("path_params", {}).get("accountId")
    return "unmatched", None


async def _unanswered(
    request: Request,
    error: ApiError,
    *,
    service: str,
    account_id: str | None = None,
    outcome: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A refusal no endpoint gave (an unknown path, a wrong method, the guard's rule), journaled like any call."""
    mock: Mock = request.app.state.mock
    started = time.perf_counter()
    call = mock.journal.open(
        at=mock.clock.now(),
        method=request.method,
        path=request.scope["path"],  # from the scope, as http.route reads it: the Host may be anything
        query=request.scope["query_string"].decode("latin-1"),
        service=service,
        account_id=account_id,
        headers=request.headers.raw,
    )
    try:  # the body is what tells a user which call went astray: keep it, as for any other call
        call.keep_request_body(await read_body(request, mock.settings.body_limit))
    except ApiError as too_large:
        call.warnings += (too_large.explanation,)
    return _refused(mock, call, error, started=started, outcome=outcome, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path (one path may have a route per method, so Starlette's
    own Allow header, from the first route that matched the path, would name too few)."""
    methods: set[str] = set()
    for candidate in request.app.router.routes:
        if isinstance(candidate, Route) and candidate.methods:
            match, _ = candidate.matches(request.scope)
            if match is not Match.NONE:
                methods |= candidate.methods
    return sorted(methods)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Starlette:
    """Build the mock. ``clock`` lets a test own time; otherwise ``settings.frozen_clock`` decides."""
    settings = settings or Settings()
    mock = Mock(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await mock.dispatcher.start(preload=mock.routes_webhooks())
        mock.streams.start()
        try:
            yield
        finally:
            app.state.console.close()
            await mock.streams.aclose()
            await mock.bots.cancel_all()
            await mock.dispatcher.aclose()

    routes = all_routes()
    guard: dict[str, Any] = {"bind_host": settings.host, "public_host": settings.public_host, "refused": _guard_refusal}
    app = MockApp(
        check=Guard(no_app, **guard).check,
        lane=lane_handlers(routes),
        routes=[*routes, *socket_routes(), *console.PAGES],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
        # The security rule (mockcc/guard.py) sits in front of every route, present and future.
        middleware=[Middleware(Guard, **guard)],
    )
    app.state.mock = mock
    app.state.console = Feed(mock)
    return app
