"""One request frame through the socket pipeline: parse, look up its handler, run it, answer, journal.

A handler is ``fn(conn, request) -> Reply``, synchronous on purpose: it checks everything first and
then acts through the domain, and nothing else runs between its subscription and its snapshot. A
refusal is raised by name (``BadRequest``, a domain ``Refused``) exactly as on HTTP; ``errors.as_api_error``
picks the code and the mockcc explanation, and the answer is a ``resp`` with a StringResp body (§5 of
the notes [INFERRED]: LivePerson documents no error bodies). A frame that is not a request, an
unknown type, a handler's bug: each answered, journaled, and nothing changed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mockcc.errors import ApiError, BadRequest, InternalError, MockccError, RestError, as_api_error
from mockcc.journal import Call
from mockcc.sockets.envelope import STRING_RESP, FrameRefused, Request, parse, response, short
from mockcc.streams.outbox import encode
from mockcc.types import JSON

if TYPE_CHECKING:
    from mockcc.sockets.conn import Conn

log = logging.getLogger("mockcc.sockets")


@dataclass(slots=True)
class Reply:
    """A handler's answer: ``code`` (200, or 202 for routing), the response ``type`` and ``body``, and
    the frames that follow it (a subscription's snapshot or replay)."""

    code: int
    type: str
    body: object
    then: list[JSON] = field(default_factory=list)


Handler = Callable[["Conn", Request], Reply]
Handlers = Mapping[str, Handler]


def handle(conn: Conn, text: str | bytes, handlers: Handlers) -> None:
    """Answer one frame on ``conn``'s outbox and journal it."""
    started = time.perf_counter()
    call = conn.journal_call("REQ", text.encode() if isinstance(text, str) else text)
    req_id: str | None = None
    try:
        request = parse(text)
        req_id = request.id
        call.method = request.name
        handler = handlers.get(request.name)
        if handler is None:
            raise FrameRefused(
                f"unknown request type {request.type!r} on this socket; it takes: {', '.join(sorted(handlers))}",
                rule="request-type",
                path="$.type",
                req_id=req_id,
            )
        reply = handler(conn, request)
        answer = response(req_id, reply.code, reply.type, reply.body)
        conn.outbox.push(answer)
        for frame in reply.then:
            conn.outbox.push(frame)
        call.status = reply.code
    except FrameRefused as refused:
        answer = _refusal(call, refused.req_id, BadRequest(refused.explanation, path=refused.path, rule=refused.rule))
        conn.outbox.push(answer)
    except MockccError as refused:
        answer = _refusal(call, req_id, as_api_error(refused))
        conn.outbox.push(answer)
    except Exception as exc:  # a handler's bug: answered 500, never a dead socket
        log.exception("mockcc internal error on a %s socket request", conn.side)
        internal = InternalError(
            f"mockcc internal error ({type(exc).__name__}); this is a mockcc bug, please report it", rule="internal"
        )
        answer = _refusal(call, req_id, internal, outcome="error")
        conn.outbox.push(answer)
    call.keep_response_body(encode(answer).encode())
    call.latency_ms = round((time.perf_counter() - started) * 1000, 3)
    conn.journal_done(call)


def _refusal(call: Call, req_id: str | None, error: ApiError, *, outcome: str | None = None) -> JSON:
    """The error ``resp``: LivePerson's code, a StringResp text, and the ``mockcc`` explanation beside them."""
    status = error.status_code
    text = error.msg if isinstance(error, RestError) and error.msg not in _GENERIC else error.explanation
    call.status = status
    call.outcome = outcome or ("invalid" if status == 400 else "rejected")
    call.explanation = error.mockcc()
    return {**response(req_id, status, STRING_RESP, short(text)), "mockcc": error.mockcc()}


#: RestError texts that only repeat the status: the socket answers with the explanation instead.
_GENERIC = frozenset(
    {"Bad Request", "Unauthorized", "Forbidden", "Not Found", "Too Many Requests", "Internal Server Error"}
)
