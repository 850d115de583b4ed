"""Messaging History (CSDS ``msgHist``): conversation search and conversation by id, with the login's bearer.

``POST /messaging_history/api/account/{acc}/conversations/search?offset&limit&sort`` and
``POST .../conversations/conversation/search`` (``{"conversationId"}``), answered in LivePerson's
documented shape from the mock's own state (``mockcc/history``). Pages hold at most 100 records.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.responses import Response

from mockcc.errors import BadRequest
from mockcc.history import search
from mockcc.history.records import DEFAULT_PARTS
from mockcc.history.view import record
from mockcc.http import Ctx, JsonAnswer, route
from mockcc.schemas import validate
from mockcc.services.admin import admin_session
from mockcc.services.directory import base_uri
from mockcc.state.models import Account, Conversation
from mockcc.types import JSON

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
#: [INFERRED] LivePerson documents no default order; oldest first keeps offset paging stable.
DEFAULT_SORT = "start:asc"


#: The query's paging numbers, exactly as the OpenAPI document states them (decimal, no sign).
PAGING = {
    "offset": (re.compile(r"[0-9]{1,9}"), 0, "a whole number of at most 9 digits"),
    "limit": (re.compile(r"100|[1-9][0-9]?"), DEFAULT_LIMIT, f"a whole number from 1 to {MAX_LIMIT}"),
}


def _paging(ctx: Ctx, name: str) -> int:
    pattern, default, expected = PAGING[name]
    raw = ctx.query(name)
    if raw is None:
        return default
    if not pattern.fullmatch(raw):
        raise BadRequest(f"{name}={raw!r} must be {expected}", path=f"$query.{name}", rule="pattern", expected=expected)
    return int(raw)


def _checked(ctx: Ctx, schema: str) -> tuple[Account, JSON]:
    """Account, bearer, the query's v and sort, then the body against its schema (LivePerson's order)."""
    account = ctx.account()
    admin_session(ctx)
    version = ctx.query("v")
    if version is not None and version not in ("1", "2"):
        raise BadRequest(
            f"v={version} is not a version of this API (1 or 2)", path="$query.v", rule="enum", expected=["1", "2"]
        )
    sort = ctx.query("sort")
    if sort is not None and sort not in ("start:asc", "start:desc", "end:asc", "end:desc"):
        raise BadRequest(
            f"sort={sort!r}: LivePerson sorts by start or end, asc or desc (start:desc)",
            path="$query.sort",
            rule="enum",
            expected=["start:asc", "start:desc", "end:asc", "end:desc"],
        )
    body = ctx.json()
    if (violation := validate(schema, body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    return account, body


def _parts(body: JSON) -> tuple[str, ...]:
    wanted = body.get("contentToRetrieve")
    return tuple(wanted) if isinstance(wanted, list) else DEFAULT_PARTS


def _link(ctx: Ctx, rel: str, offset: int, limit: int) -> JSON:
    params = {k: v for k, v in ctx.request.query_params.items() if k not in ("offset", "limit")}
    query = urlencode({**params, "offset": offset, "limit": limit})
    scheme = ctx.request.url.scheme
    return {"rel": rel, "href": f"{scheme}://{base_uri(ctx)}{ctx.request.url.path}?{query}"}


def _answer(ctx: Ctx, account: Account, found: list[Conversation], parts: tuple[str, ...], *, by_id: bool) -> Response:
    offset, limit = _paging(ctx, "offset"), _paging(ctx, "limit")
    page = found[offset : offset + limit]
    now = ctx.mock.clock.now_ms()
    ttr = ctx.mock.messaging.effective_ttr
    metadata: JSON = {"count": len(found), "self": _link(ctx, "self", offset, limit)}
    if offset + limit < len(found):
        metadata["next"] = _link(ctx, "next", offset + limit, limit)
    if offset > 0:
        metadata["prev"] = _link(ctx, "prev", max(0, offset - limit), limit)
    metadata["shardsStatusResult"] = {"partialResult": False}
    records = [record(account, c, parts, now, ttr, search=not by_id) for c in page]
    return JsonAnswer({"_metadata": metadata, "conversationHistoryRecords": records})


async def search_conversations(ctx: Ctx) -> Response:
    account, body = _checked(ctx, "msghist/search-request")
    now = ctx.mock.clock.now_ms()
    query = search.parse(body, now)
    for name in query.ignored:
        ctx.warn(f"filter {name} is accepted but not applied: the mock keeps no data for it")
    found = search.search(account, query, ctx.query("sort") or DEFAULT_SORT, now)
    return _answer(ctx, account, found, _parts(body), by_id=False)


async def conversation_by_id(ctx: Ctx) -> Response:
    account, body = _checked(ctx, "msghist/conversation-request")
    conversation = account.conversations.get(str(body["conversationId"]))
    return _answer(ctx, account, [conversation] if conversation else [], _parts(body), by_id=True)


_BASE = "/messaging_history/api/account/{accountId}/conversations"
ROUTES = [
    route(f"{_BASE}/search", search_conversations, service="msghist", methods=["POST"]),
    route(f"{_BASE}/conversation/search", conversation_by_id, service="msghist", methods=["POST"]),
]
