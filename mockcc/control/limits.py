"""``GET /_mockcc/limits``: every cap the mock keeps, how full it is, and what overload has cost.

One place to look when a load test sees something missing: each store is bounded, and what it
dropped or refused at its cap is counted here (see ARCHITECTURE.md, "Bounded under load").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

from mockcc import schemas, strictjson
from mockcc.agent.bots import ECHO_BACKLOG, SCRIPT_INBOX
from mockcc.http import Ctx, route
from mockcc.journal import BODY_PREVIEW, HEADER_BUDGET, TEXT_KEPT
from mockcc.state.models import CONSUMERS_PER_ACCOUNT, EVENTS_PER_DIALOG

if TYPE_CHECKING:
    from mockcc.mock import Mock

JSON = dict[str, Any]


def limits(mock: Mock) -> JSON:
    """The caps, their fill and their overload counters, JSON-able."""
    journal, bots, messaging = mock.journal, mock.bots, mock.messaging
    hooks = mock.dispatcher.status()
    return {
        "request": {  # what one request may cost: each checked before any schema work
            "body_bytes": mock.settings.body_limit,
            "send_characters": mock.settings.send_limit,
            "json_values": strictjson.MAX_VALUES,
            "json_depth": strictjson.MAX_DEPTH,
            "explained_values": schemas.EXPLAIN_VALUES,
            "overload": "413 past body_bytes; 400 past json_values (rule json-values), json_depth or "
            "send_characters, before any schema is applied; an invalid document over explained_values is "
            "explained from the fast validator's error alone",
        },
        "journal": {
            "limit": journal.limit,
            "kept": len(journal),
            "dropped": journal.dropped,
            "entry_body_bytes": BODY_PREVIEW,
            "entry_header_characters": HEADER_BUDGET,
            "entry_path_and_query_characters": TEXT_KEPT,
            "overload": "the oldest call is dropped; an entry keeps the first bytes of each body (secrets "
            "hidden first), the first headers and the start of the path and query",
        },
        "agents": {
            "echo_backlog_limit": ECHO_BACKLOG,
            "echo_waiting": bots.backlog(),
            "echo_dropped": bots.overload["echo_dropped"],
            "script_inbox_limit": SCRIPT_INBOX,
            "script_inbox_dropped": bots.overload["script_inbox_dropped"],
            "overload": "echo: the oldest waiting text goes unanswered; script: new texts are not queued",
        },
        "webhooks": {
            "log_limit": hooks["log"]["limit"],
            "log_evicted": hooks["log"]["evicted"],
            "store_limit_per_installation": hooks["limits"]["store_limit"],
            "dropped": hooks["totals"]["outcomes"].get("dropped", 0),
            "in_flight": hooks["totals"]["in_flight"],
            "queued": hooks["totals"]["queued"],
            "overload": "log: oldest entry; store: oldest waiting event, logged as dropped (store full)",
        },
        "login_sessions": {
            "limit": mock.bearers.limit,
            "kept": len(mock.bearers),
            "evicted": mock.bearers.evicted,
            "overload": "the least recently used session is forgotten; its bearer answers 401 (log in again)",
        },
        "sockets": mock.streams.status(),
        "events_per_dialog": EVENTS_PER_DIALOG,
        "accounts": [
            {
                "account_id": account.account_id,
                "conversations": len(account.conversations),
                "open_conversations": len(account.open_by_consumer),
                "conversations_limit": messaging.conversations_limit,
                "forgotten_conversations": account.forgotten_conversations,
                "consumers": len(account.consumers),
                "consumers_limit": CONSUMERS_PER_ACCOUNT,
                "forgotten_consumers": account.forgotten_consumers,
            }
            for account in mock.accounts.values()
        ],
        "conversations_refused_at_limit": messaging.refused_at_limit,
        **{name: report() for name, report in mock.limit_reporters.items()},
    }


async def get_limits(ctx: Ctx) -> Response:
    return JSONResponse(limits(ctx.mock))


ROUTES = [route("/_mockcc/limits", get_limits, service="control", methods=["GET"])]
