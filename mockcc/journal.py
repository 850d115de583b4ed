"""A bounded record of every inbound call, with what validation said about it.

Tests and the console read it from ``/_mockcc/journal``. Secrets never enter it: tokens are cut
to a recognisable tail and client secrets are replaced, whatever field they arrive in.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mockcc import redact
from mockcc.rows import laid_out, read_back
from mockcc.types import JSON

DEFAULT_LIMIT = 5000
BODY_PREVIEW = 4096  # bytes of each request and response body kept
HEADER_BUDGET = 8192  # characters of request headers one entry keeps, names and values together
HEADER_VALUE_KEPT = 1024  # characters of one header value kept
TEXT_KEPT = 2048  # characters of the path and of the query string kept
#: What a recorded call's ``service`` and ``outcome`` can be: the journal's filters accept only these.
SERVICES = (
    "csds",
    "sentinel",
    "idp",
    "conversation",
    "send",
    "appinstall",
    "agentvep",
    "accountconfig",
    "swift",
    "msghist",
    "agentsocket",  # the Messaging Agent API websocket: its connects and each request frame
    "consumersocket",  # the Messaging Window API websocket: its connects and each request frame
    "control",  # only calls the security guard refused (other control calls are not recorded)
    "unmatched",
)
OUTCOMES = ("ok", "invalid", "rejected", "fault", "unmatched", "error")


def preview(body: bytes) -> str:
    """What the journal keeps of a body: secrets hidden in the whole body, then its first BODY_PREVIEW
    bytes as text (redact, then cut: a secret straddling the cut must not keep its first half)."""
    shown = redact.body(body)
    if len(shown) * 4 <= BODY_PREVIEW:  # cannot be longer than the preview, whatever its characters
        return shown
    return shown.encode("utf-8")[:BODY_PREVIEW].decode("utf-8", errors="ignore")


def kept_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request headers an entry keeps: the first value of each name, credentials redacted, each
    value cut to HEADER_VALUE_KEPT and all of them to HEADER_BUDGET characters; one linear pass."""
    return dict(_kept_headers(tuple(raw)))


# A load test repeats the same headers on every call: the redaction pass runs once per distinct list.
@functools.lru_cache(maxsize=256)
def _kept_headers(raw: tuple[tuple[bytes, bytes], ...]) -> dict[str, str]:
    kept: dict[str, str] = {}
    budget = HEADER_BUDGET
    left_out = 0
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name in kept:
            continue
        text = redact.header(name, value.decode("latin-1"))  # redact, then cut
        if len(text) > HEADER_VALUE_KEPT:
            text = text[:HEADER_VALUE_KEPT] + "…"
        if len(name) + len(text) > budget:
            left_out += 1
            continue
        budget -= len(name) + len(text)
        kept[name] = text
    if left_out:
        kept["…"] = f"{left_out} more header(s) not kept (an entry keeps {HEADER_BUDGET} characters of headers)"
    return kept


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_KEPT else text[:TEXT_KEPT] + "…"


#: A body up to this size is kept as it came and redacted when first read (most entries never are);
#: a longer one is redacted and cut at once, so the journal never holds more than this of any body.
LAZY_BODY = 2 * BODY_PREVIEW


@dataclass(slots=True)
class Call:
    """One inbound HTTP call and how the mock answered it.

    What the journal shows of the query and the bodies is built when first read (the console, the
    journal endpoint), from what the call kept: redaction is the same function of the same bytes
    whenever it runs, and a load test's calls are mostly dropped unread."""

    id: int
    at: float  # mock clock, epoch seconds
    method: str
    path: str
    service: str  # one of SERVICES (control: only when the guard refused it)
    account_id: str | None
    request_headers: dict[str, str]
    status: int = 0
    outcome: str = "ok"  # one of OUTCOMES
    explanation: JSON | None = None  # the mockcc explanation, when the mock refused the call
    fault: str | None = None
    warnings: tuple[str, ...] = ()  # a tuple: most calls have none, and an empty tuple is one shared object
    #: What the mock accepted although LivePerson documents otherwise (``Bearer <AppJWT>``, no
    #: Content-Type, ...): a connector relying on it may fail in production.
    lenient: tuple[str, ...] = ()
    latency_ms: float = 0.0
    _raw_query: str = ""  # as it came, when short (read through ``query``)
    _request: bytes | str = ""  # the body as it came (small), or its preview
    _response: bytes | str = ""
    _query: str | None = None  # the redacted query, once read

    @property
    def query(self) -> str:
        """The query as recorded: redacted, then cut."""
        if self._query is None:
            self._query = _cut(redact.query(self._raw_query))
        return self._query

    @property
    def request_body(self) -> str:
        if isinstance(self._request, bytes):
            self._request = preview(self._request)
        return self._request

    @property
    def response_body(self) -> str:
        if isinstance(self._response, bytes):
            self._response = preview(self._response)
        return self._response

    def keep_request_body(self, body: bytes) -> None:
        self._request = body if len(body) <= LAZY_BODY else preview(body)

    def keep_response_body(self, body: bytes) -> None:
        self._response = body if len(body) <= LAZY_BODY else preview(body)

    def as_dict(self) -> JSON:
        return {
            "id": self.id,
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "service": self.service,
            "account_id": self.account_id,
            "request_headers": dict(self.request_headers),
            "request_body": self.request_body,
            "status": self.status,
            "response_body": self.response_body,
            "outcome": self.outcome,
            "explanation": copy.deepcopy(self.explanation),
            "fault": self.fault,
            "warnings": list(self.warnings),
            "lenient": list(self.lenient),
            "latency_ms": self.latency_ms,
        }


#: How far back from the newest entry an answered call is looked for to be kept as a row: calls are
#: answered about in the order they came; one answered later than this stays a ``Call`` (still shown).
SETTLE_REACH = 32
#: A row's fixed slots, in order; its warnings, lenient notes and headers' names and values follow.
_FIXED = 15
Row = tuple[Any, ...]  # its slots' types are Call's fields'


def _row(call: Call) -> Row:
    """An answered call as one flat tuple of strings and numbers, which the collector stops tracking.

    Every answered call used to outlive a young collector pass as a ``Call`` object (one per request,
    5,000 kept): those were what made the old generation grow under load and brought its full passes,
    each as long as the whole heap (with 100,000 conversations open, most of a second). The
    explanation is kept as its JSON text, the headers laid out flat (``mockcc.rows``)."""
    explanation = None if call.explanation is None else json.dumps(call.explanation, default=str)
    return (
        call.id, call.at, call.method, call.path, call.service, call.account_id, call.status, call.outcome,
        explanation, call.fault, call.latency_ms, call._raw_query, call._query, call._request, call._response,
        len(call.warnings), len(call.lenient), *call.warnings, *call.lenient, *laid_out(call.request_headers.items()),
    )  # fmt: skip


def _call(row: Row) -> Call:
    """The ``Call`` a row was made from (a new object each time: reading caches nothing in the row)."""
    warned, lenient = row[_FIXED], row[_FIXED + 1]
    start = _FIXED + 2
    notes = row[start : start + warned + lenient]
    explanation = row[8]
    return Call(
        id=row[0], at=row[1], method=row[2], path=row[3], service=row[4], account_id=row[5],
        request_headers=read_back(row[start + warned + lenient :]),
        status=row[6], outcome=row[7], explanation=None if explanation is None else json.loads(explanation),
        fault=row[9], latency_ms=row[10], _raw_query=row[11], _query=row[12], _request=row[13], _response=row[14],
        warnings=notes[:warned], lenient=notes[warned:],
    )  # fmt: skip


class Journal:
    """The last ``limit`` calls, oldest dropped first; ``dropped`` counts what fell off.

    A call is kept as its ``Call`` while it is being answered and as a flat row (``_row``) once it
    is; reading makes a ``Call`` of each row again.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._calls: deque[Call | Row] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self.dropped = 0
        self.listeners: list[Callable[[Call], None]] = []  # told of each recorded call once it is answered

    def open(
        self,
        *,
        at: float,
        method: str,
        path: str,
        query: str,
        service: str,
        account_id: str | None,
        headers: Iterable[tuple[bytes, bytes]],
        record: bool = True,
    ) -> Call:
        """Start the entry for a call; with ``record`` False (control plane) it is not kept.

        ``headers`` are the raw ASGI pairs: copying them through starlette's ``Headers`` mapping
        costs a scan per name, quadratic in the header count.
        """
        short = len(query) <= 2 * TEXT_KEPT  # kept as it came, redacted when first read
        call = Call(
            id=next(self._ids),
            at=at,
            method=method,
            path=_cut(path),
            service=service,
            account_id=account_id,
            request_headers=kept_headers(headers) if record else {},
            _raw_query=query if short else "",
            _query=None if short else _cut(redact.query(query)),
        )
        if not record:
            return call
        if len(self._calls) == self.limit:
            self.dropped += 1
        self._calls.append(call)
        return call

    def announce(self, call: Call) -> None:
        """Tell the listeners (the console) that a recorded call has its answer, then keep it as a row."""
        for listener in list(self.listeners):
            listener(call)
        calls = self._calls
        for back in range(1, min(len(calls), SETTLE_REACH) + 1):
            if calls[-back] is call:
                calls[-back] = _row(call)
                return

    def __len__(self) -> int:
        return len(self._calls)

    def clear(self) -> None:
        self._calls.clear()
        self.dropped = 0

    def query(
        self,
        *,
        service: str | None = None,
        account_id: str | None = None,
        outcome: str | None = None,
        since_id: int = 0,
        limit: int | None = None,
    ) -> list[Call]:
        """Calls matching every filter given, oldest first; ``limit`` keeps the newest."""
        found = [entry for entry in self._calls if _matches(entry, since_id, service, account_id, outcome)]
        kept = found[-limit:] if limit else found
        return [entry if isinstance(entry, Call) else _call(entry) for entry in kept]


def _matches(
    entry: Call | Row, since_id: int, service: str | None, account_id: str | None, outcome: str | None
) -> bool:
    if isinstance(entry, Call):
        number, kind, account, result = entry.id, entry.service, entry.account_id, entry.outcome
    else:
        number, kind, account, result = entry[0], entry[4], entry[5], entry[7]
    return (
        number > since_id
        and (service is None or kind == service)
        and (account_id is None or account == account_id)
        and (outcome is None or result == outcome)
    )
