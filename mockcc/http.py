"""The request pipeline every mock endpoint shares: journal, body cap, faults, error envelopes.

An endpoint is ``async def fn(ctx: Ctx) -> Response``. ``route`` wraps it so that every call is
journaled, bodies over the cap never reach it, configured faults fire before it, any ``MockccError``
becomes LivePerson's envelope (``errors.as_api_error``: the one place), and anything unexpected
becomes a 500 envelope, never a traceback.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockcc import hosts, strictjson, urlencoded
from mockcc.auth_errors import AuthError
from mockcc.errors import (
    ApiError,
    BadRequest,
    InternalError,
    MockccError,
    TooLarge,
    Unauthorized,
    UnsupportedMediaType,
    as_api_error,
    rest_error,
)
from mockcc.faults import DISCONNECT_KEY
from mockcc.journal import SERVICES, Call
from mockcc.state.models import Account

if TYPE_CHECKING:
    from mockcc.mock import Mock

log = logging.getLogger("mockcc")
#: The refusal of unreadable input on a route: a REST 400 by default, OAuth's on Sentinel.
BadInput = Callable[..., ApiError]


class Ctx:
    """One call in flight: the request, its body, its journal entry and the mock."""

    def __init__(
        self,
        request: Request,
        mock: Mock,
        call: Call,
        body: bytes,
        query: dict[str, str],
        bad_input: BadInput = BadRequest,
    ) -> None:
        self.request = request
        self.bad_input = bad_input  # how this route refuses unreadable input (Sentinel: OAuth's invalid_request)
        self.mock = mock
        self.call = call
        self.body = body
        #: The request's id once SEND has read it: echoed as ``reqId`` by every refusal after that.
        self.req_id: object = None
        self._headers: dict[bytes, bytes] | None = None
        self._query = query

    @property
    def account_id(self) -> str:
        return str(self.request.path_params.get("accountId", ""))

    def account(self) -> Account:
        """The path's account, or LivePerson's 401 for an unknown one."""
        account = self.mock.accounts.get(self.account_id)
        if account is None:
            raise Unauthorized(
                f"account {self.account_id!r} does not exist in this mock (known: {', '.join(self.mock.accounts)})",
                path="$path.accountId",
                rule="known-account",
            )
        return account

    def query(self, name: str) -> str | None:
        """The query parameter's value (the last one, as Starlette's ``query_params`` answers), decoded
        strictly at the door (``query_at_the_door``), without building Starlette's multi-dict."""
        return self._query.get(name)

    @property
    def query_params(self) -> dict[str, str]:
        """Every query parameter (the last value of each name)."""
        return dict(self._query)

    def header(self, name: str) -> str | None:
        """The first value of header ``name``; the raw pairs are indexed once per call, and only the
        values asked for are decoded."""
        if self._headers is None:
            self._headers = {}
            for key, value in self.request.scope["headers"]:
                self._headers.setdefault(key, value)
        value = self._headers.get(_header_key(name))
        return None if value is None else value.decode("latin-1")

    def require_version(self, name: str, expected: str, *, optional: bool = False) -> None:
        """LivePerson requires ``v`` (``version`` on CSDS) everywhere, with one documented value per API.

        A connector sending ``v=2`` or nothing would break in production, so the mock refuses it too;
        ``optional`` where LivePerson's own clients send none (the IdP), but never another value.
        """
        value = self.query(name)
        if value is None:
            if optional:
                return
            raise BadRequest(
                f"query parameter {name} is required ({name}={expected})",
                path=f"$query.{name}",
                rule="required",
                expected=expected,
            )
        if value != expected:
            raise BadRequest(
                f"{name}={value} is not a version this API has; LivePerson documents {name}={expected}",
                path=f"$query.{name}",
                rule="const",
                expected=expected,
            )

    def json(self) -> object:
        """The body as JSON; a wrong content type or malformed JSON is LivePerson's 400/415."""
        ctype = (self.header("content-type") or "").split(";")[0].strip().lower()
        if ctype and ctype != "application/json" and not ctype.endswith("+json"):
            raise UnsupportedMediaType(
                f"Content-Type must be application/json (got {ctype})",
                path="$headers.content-type",
                rule="content-type",
                expected="application/json",
            )
        if not self.body.strip():
            raise BadRequest("the request body is empty; a JSON document was expected", path="$", rule="json")
        if not ctype:
            self.lenient("no Content-Type: the body was read as JSON; LivePerson's APIs expect application/json")
        try:
            return strictjson.loads(self.body)
        except strictjson.JsonRefused as exc:
            raise BadRequest(
                f"the request body is refused: {exc.explanation}", path=exc.path, rule=exc.rule, expected=exc.expected
            ) from None

    def form(self) -> dict[str, str]:
        """The body as an urlencoded form (the last value of each name), every field UTF-8; a field that is
        not is refused like a query parameter (in the route's own envelope)."""
        try:
            return dict(urlencoded.parse(self.body))
        except urlencoded.NotUtf8 as exc:
            raise not_utf8(self.bad_input, exc, "$") from None

    def warn(self, text: str) -> None:
        self.call.warnings += (text,)

    def lenient(self, text: str) -> None:
        """Note in the journal what the mock accepted although LivePerson documents otherwise."""
        self.call.lenient += (text,)


Endpoint = Callable[[Ctx], Awaitable[Response]]


def not_utf8(bad_input: BadInput, exc: urlencoded.NotUtf8, prefix: str) -> ApiError:
    """The refusal of a query parameter or form field that is not UTF-8 once percent-decoded."""
    return bad_input(
        f"{urlencoded.path(exc.name, prefix)} is not UTF-8 once percent-decoded (an encoded surrogate, or "
        "bytes of another charset); percent-encode the UTF-8 bytes of Unicode characters",
        path=urlencoded.path(exc.name, prefix),
        rule="utf-8",
        expected="percent-encoded UTF-8",
    )


def query_at_the_door(scope_query: bytes, bad_input: BadInput) -> dict[str, str]:
    """Every query parameter, decoded strictly before any endpoint runs (whether or not it reads it).

    The answer is shared between calls with the same query (``?v=3`` on every SEND): never mutated."""
    try:
        return _parsed(scope_query) if len(scope_query) <= SHORT_QUERY else dict(urlencoded.parse(scope_query))
    except urlencoded.NotUtf8 as exc:
        raise not_utf8(bad_input, exc, "$query") from None


SHORT_QUERY = 256  # queries up to this long are parsed once each (the cache holds at most 256 of them)


@functools.lru_cache(maxsize=256)
def _parsed(scope_query: bytes) -> dict[str, str]:
    return dict(urlencoded.parse(scope_query))  # a refusal (NotUtf8) is raised, never cached


@functools.lru_cache(maxsize=64)  # the few names endpoints ask for
def _header_key(name: str) -> bytes:
    return name.lower().encode("latin-1")


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_JSON_TYPE = (b"content-type", b"application/json")


class JsonAnswer(JSONResponse):
    """``JSONResponse`` with the same bytes and headers, from one encoder made once (``json.dumps`` with
    options builds a new encoder per call) and without ``Response.__init__``'s general header work."""

    def __init__(self, content: object, status_code: int = 200) -> None:
        self.status_code = status_code
        self.background = None
        self.body = self.render(content)
        self.raw_headers = [(b"content-length", str(len(self.body)).encode("latin-1")), _JSON_TYPE]

    def render(self, content: object) -> bytes:
        return _ENCODER.encode(content).encode("utf-8")


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status_code)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused past ``limit`` (413) as soon as it is declared or arrives; read from the
    ASGI messages and raw header pairs (Starlette's ``Headers`` and ``stream()`` cost more than the rest)."""
    declared = next((v.decode("latin-1") for k, v in request.scope["headers"] if k == b"content-length"), None)
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(
            f"the body is {declared} bytes; this mock accepts at most {limit}",
            rule="body-limit",
            expected=limit,
        )
    chunks: list[bytes] = []
    size = 0
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left (or its request timed out) first
            raise BadRequest(
                "the connection closed before the whole body arrived", rule="incomplete-body", expected=declared
            )
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body exceeds {limit} bytes", rule="body-limit", expected=limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _fault(kind: str, error_code: int = 40102) -> ApiError:
    if kind == "401":
        token = "an expired-token" if error_code == 40102 else "a refused-ConsumerJWS"
        return AuthError(error_code, f"fault injected by /_mockcc/faults: {token} 401")
    return rest_error(int(kind), f"fault injected by /_mockcc/faults: {kind}", rule="fault")


def _disconnect(request: Request, call: Call) -> Response:
    """The ``disconnect`` fault: the server closes the connection with no answer (journalled with status 0).
    Served without ``mockcc serve`` (an in-process ASGI client) there is no connection to close: a 503 that
    says so, so the fault never passes unnoticed."""
    hook = request.scope.get(DISCONNECT_KEY)
    if not callable(hook):
        unserved = "disconnect (no connection to close outside mockcc serve: answered 503 instead)"
        return refuse(
            call, rest_error(503, f"fault injected by /_mockcc/faults: {unserved}", rule="fault"), outcome="fault"
        )
    explanation = "fault injected by /_mockcc/faults: the connection was closed with no answer"
    call.explanation = {"explanation": explanation, "path": "$", "rule": "fault"}
    hook()
    return Response(status_code=0)


def route(
    path: str, endpoint: Endpoint, *, service: str, methods: list[str], bad_input: BadInput = BadRequest
) -> Route:
    """A Starlette route running ``endpoint`` inside the shared pipeline; ``bad_input`` is the refusal of
    input the pipeline cannot read (LivePerson's REST 400, or Sentinel's OAuth ``invalid_request``)."""
    if service not in SERVICES:
        raise ValueError(f"service {service!r} is not in mockcc.journal.SERVICES (the journal's filter needs it)")

    async def run(request: Request) -> Response:
        mock: Mock = request.app.state.mock
        started = time.perf_counter()
        call = mock.journal.open(
            at=mock.clock.now(),
            method=request.method,
            path=request.scope["path"],  # not request.url: building a URL object costs more than the rest here
            query=request.scope["query_string"].decode("latin-1"),
            service=service,
            account_id=request.path_params.get("accountId"),
            headers=request.scope["headers"],  # not request.headers: the raw pairs are all it reads
            record=service != "control",  # polling the control plane must not flood the journal
        )
        wrong = hosts.wrong_host(mock.settings, service, request.scope) if mock.settings.service_ports else None
        if wrong is not None:  # hosts are split and this port is another service's (mockcc.hosts)
            response = finish(mock, call, refuse(call, wrong, outcome="unmatched"), started)
        else:
            response = finish(mock, call, await _handle(request, mock, call, endpoint, service, bad_input), started)
        if service != "control":
            mock.journal.announce(call)
        return response

    return Route(path, run, methods=methods, name=f"{service}:{endpoint.__name__}")


async def _handle(
    request: Request, mock: Mock, call: Call, endpoint: Endpoint, service: str, bad_input: BadInput
) -> Response:
    ctx: Ctx | None = None
    try:
        body = await read_body(request, mock.settings.body_limit)
        call.keep_request_body(body)
        query = query_at_the_door(request.scope["query_string"], bad_input)
        fault = mock.faults.draw(service, call.account_id)
        if fault is not None:
            call.fault = fault.kind
            call.outcome = "fault"
            if fault.kind == "disconnect":
                return _disconnect(request, call)
            if fault.kind != "delay":
                return refuse(call, _fault(fault.kind, fault.error_code), outcome="fault")
            await mock.clock.sleep(fault.delay_seconds)
        ctx = Ctx(request, mock, call, body, query, bad_input)
        return await endpoint(ctx)
    except MockccError as refused:
        return refuse(call, as_api_error(refused, req_id=ctx.req_id if ctx else None))
    except Exception as exc:  # the mock must never answer with a traceback
        log.exception("mockcc internal error on %s %s", request.method, request.url.path)
        call.outcome = "error"
        internal = InternalError(
            f"mockcc internal error ({type(exc).__name__}); this is a mockcc bug, please report it",
            rule="internal",
        )
        return refuse(call, internal, outcome="error")


def refuse(
    call: Call, error: ApiError, *, outcome: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one renderer of a refusal: the call records why, the client gets LivePerson's envelope."""
    call.outcome = outcome or ("invalid" if error.status_code in (400, 413, 415) else "rejected")
    call.explanation = error.mockcc()
    return JSONResponse(error.body(), status_code=error.status_code, headers=headers)


def finish(mock: Mock, call: Call, response: Response, started: float) -> Response:
    """Complete the call's journal entry (status, answer, latency) and, when asked, its request-log line."""
    call.status = response.status_code
    call.keep_response_body(bytes(response.body))
    call.latency_ms = round((time.perf_counter() - started) * 1000, 3)
    if mock.settings.request_log:
        sys.stderr.write(request_line(call) + "\n")
    return response


def request_line(call: Call) -> str:
    """``mockcc POST /path 400 invalid 1.2ms rule=known-dialog``; never the query (it may carry secrets)."""
    rule = (call.explanation or {}).get("rule")
    line = f"mockcc {call.method} {call.path} {call.status} {call.outcome} {call.latency_ms:.1f}ms"
    return f"{line} rule={rule}" if rule else line
