"""Control plane: health, reset, seed, state, journal, clock and Send API faults."""

from __future__ import annotations

import asyncio
from itertools import islice

from starlette.responses import JSONResponse, Response

from mockcc import openapi, redact
from mockcc.clock import MAX_ADVANCE, MAX_OFFSET
from mockcc.control import agent, agents, limits, webhooks
from mockcc.control.common import (
    body_object,
    conversation,
    conversation_view,
    known_account,
    last_activity,
    no_fields,
    query_choice,
    query_number,
)
from mockcc.errors import BadRequest, Conflict
from mockcc.faults import Fault
from mockcc.http import Ctx, route
from mockcc.journal import OUTCOMES, SERVICES


async def openapi_document(ctx: Ctx) -> Response:
    """schemas/openapi.yaml, bundled: every route of this mock, with its statuses and bodies."""
    return JSONResponse(openapi.document())


async def seed_schema(ctx: Ctx) -> Response:
    """schemas/control/seed.json, self-contained: point an editor at it to complete a seed file."""
    return JSONResponse(openapi.seed_schema(), media_type="application/schema+json")


async def health(ctx: Ctx) -> Response:
    """Alive, the accounts, and which event loop serves (``uvloop`` under ``mockcc serve``)."""
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    return JSONResponse({"status": "ok", "accounts": list(ctx.mock.accounts), "loop": loop})


async def reset(ctx: Ctx) -> Response:
    """Back to the seed; a body, if given, is a new seed document (the same format as --config)."""
    doc = body_object(ctx, optional=True)
    ctx.mock.reset(doc or None)  # a bad seed is a ConfigError: 400, and nothing changed
    await ctx.mock.bots.cancel_all()
    return JSONResponse({"status": "reset", "accounts": list(ctx.mock.accounts)})


#: What one ``/_mockcc/state`` answer lists of each account's consumers and conversations, unless
#: ``limit`` says otherwise (at most STATE_MOST): a mock holding a million events answers in milliseconds.
STATE_PAGE = 100
STATE_MOST = 1000


async def state(ctx: Ctx) -> Response:
    """Every account: its installations and grants, and one page (``offset``, ``limit``) of its consumers
    and conversations, oldest first, with their totals; the page costs the same whatever the population."""
    offset = query_number(ctx, "offset") or 0
    limit = query_number(ctx, "limit")
    limit = STATE_PAGE if limit is None else limit
    if limit > STATE_MOST:
        raise BadRequest(f"limit is at most {STATE_MOST}", path="$query.limit", rule="maximum", expected=STATE_MOST)
    accounts = []
    for account in ctx.mock.accounts.values():
        consumers = islice(account.consumers.values(), offset, offset + limit)
        conversations = islice(account.conversations.values(), offset, offset + limit)
        accounts.append(
            {
                "account_id": account.account_id,
                "agent": account.agent,
                "feature_grants": account.feature_grants,
                "installations": [
                    {**redact.installation(inst.app), "ac-revision": str(inst.revision)}
                    for inst in account.installations.values()
                ],
                "consumers_total": len(account.consumers),
                "consumers": [
                    {"lp_consumer_id": c.lp_consumer_id, "ext_consumer_id": c.ext_consumer_id, "profile": c.profile}
                    for c in consumers
                ],
                "conversations_total": len(account.conversations),
                "conversations": [conversation_view(ctx.mock, account, c, events=False) for c in conversations],
            }
        )
    page = {"offset": offset, "limit": limit}
    return JSONResponse({"accounts": accounts, "page": page, "clock": _clock(ctx)})


async def list_conversations(ctx: Ctx) -> Response:
    """Oldest first; ``state``, ``order`` (``newest``, or ``activity``: latest activity first, as the
    console lists them), ``offset`` and ``limit`` page it (``X-Total-Count``)."""
    account = known_account(ctx)
    state = query_choice(ctx, "state", ("OPEN", "CLOSE"))
    order = query_choice(ctx, "order", ("oldest", "newest", "activity"))
    offset, limit = query_number(ctx, "offset") or 0, query_number(ctx, "limit")
    picked = [c for c in account.conversations.values() if state is None or c.state == state]
    if order in ("newest", "activity"):
        picked.reverse()
    if order == "activity":  # stable: equal activity keeps the newer conversation first
        picked.sort(key=last_activity, reverse=True)
    page = picked[offset : None if limit is None else offset + limit]
    return JSONResponse(
        [conversation_view(ctx.mock, account, c, events=False) for c in page],
        headers={"X-Total-Count": str(len(picked))},
    )


async def get_conversation(ctx: Ctx) -> Response:
    account, conv = conversation(ctx)
    return JSONResponse(conversation_view(ctx.mock, account, conv))


async def journal(ctx: Ctx) -> Response:
    def choice(name: str, allowed: tuple[str, ...]) -> str | None:
        raw = ctx.query(name)
        if raw is not None and raw not in allowed:
            raise BadRequest(
                f"{name}={raw!r} matches no journal entry ever; allowed: {', '.join(allowed)}",
                path=f"$query.{name}",
                rule="enum",
                expected=list(allowed),
            )
        return raw

    calls = ctx.mock.journal.query(
        service=choice("service", SERVICES),
        account_id=ctx.query("account_id"),
        outcome=choice("outcome", OUTCOMES),
        since_id=query_number(ctx, "since_id") or 0,
        limit=query_number(ctx, "limit"),
    )
    return JSONResponse(
        {"calls": [c.as_dict() for c in calls], "limit": ctx.mock.journal.limit, "dropped": ctx.mock.journal.dropped}
    )


def _clock(ctx: Ctx) -> dict[str, object]:
    clock = ctx.mock.clock
    return {"now": clock.now(), "now_ms": clock.now_ms(), "offset": clock.offset(), "frozen": clock.frozen}


async def get_clock(ctx: Ctx) -> Response:
    return JSONResponse(_clock(ctx))


async def advance_clock(ctx: Ctx) -> Response:
    """Move the clock; answer once the timers it woke have run (deliveries, retries, bots)."""
    seconds = body_object(ctx).get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise BadRequest("seconds must be a number", path="$.seconds", rule="type", expected="number")
    clock = ctx.mock.clock
    if 0 <= seconds <= MAX_ADVANCE and clock.offset() + seconds > MAX_OFFSET:
        # each call's bound is in the schema; the total is state across calls: a conflict, not a bad request
        raise Conflict(
            f"the clock has moved {clock.offset():.0f} s; its total offset stays under {MAX_OFFSET} s",
            path="$.seconds",
            rule="clock-offset",
            expected=[0, MAX_OFFSET - clock.offset()],
        )
    try:
        clock.advance(float(seconds))
    except (ValueError, OverflowError) as exc:
        raise BadRequest(str(exc), path="$.seconds", rule="range", expected=[0, MAX_ADVANCE]) from None
    await ctx.mock.settle()
    return JSONResponse(_clock(ctx))


async def settle(ctx: Ctx) -> Response:
    """Wait until webhook deliveries and bots due now have run (tests call this instead of sleeping)."""
    no_fields(ctx)
    return JSONResponse({"settled": await ctx.mock.settle()})


async def list_faults(ctx: Ctx) -> Response:
    return JSONResponse({"faults": ctx.mock.faults.list()})


async def add_fault(ctx: Ctx) -> Response:
    ctx.mock.faults.add(Fault.parse(body_object(ctx)))
    return JSONResponse({"faults": ctx.mock.faults.list()}, status_code=201)


async def clear_faults(ctx: Ctx) -> Response:
    no_fields(ctx)
    ctx.mock.faults.clear()
    return JSONResponse({"faults": []})


_CONV = "/accounts/{accountId}/conversations"
ROUTES = [
    route("/openapi.json", openapi_document, service="control", methods=["GET"]),
    route("/_mockcc/health", health, service="control", methods=["GET"]),
    route("/_mockcc/schemas/seed.json", seed_schema, service="control", methods=["GET"]),
    route("/_mockcc/reset", reset, service="control", methods=["POST"]),
    route("/_mockcc/seed", reset, service="control", methods=["POST"]),
    route("/_mockcc/state", state, service="control", methods=["GET"]),
    route("/_mockcc" + _CONV, list_conversations, service="control", methods=["GET"]),
    route("/_mockcc" + _CONV + "/{conversationId}", get_conversation, service="control", methods=["GET"]),
    route("/_mockcc/journal", journal, service="control", methods=["GET"]),
    route("/_mockcc/clock", get_clock, service="control", methods=["GET"]),
    route("/_mockcc/clock/advance", advance_clock, service="control", methods=["POST"]),
    route("/_mockcc/settle", settle, service="control", methods=["POST"]),
    route("/_mockcc/faults", list_faults, service="control", methods=["GET"]),
    route("/_mockcc/faults", add_fault, service="control", methods=["POST"]),
    route("/_mockcc/faults", clear_faults, service="control", methods=["DELETE"]),
    *webhooks.ROUTES,
    *limits.ROUTES,
    *agent.ROUTES,
    *agents.ROUTES,
]
