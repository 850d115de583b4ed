"""The connector as one Starlette app: the channel's inbound endpoint, LivePerson's webhooks, status.

    POST /channel/messages   consumer actions from the channel (see ``connector_ref.channel``)
    POST /webhooks           LivePerson notifications (register this URL for all five webhook keys)
    GET  /health             liveness
    GET  /status             counters: messages, conversations, duplicates, token fetches, backlog

``create_app`` takes the sleep, random source and clock as parameters so tests can run the real
retry and token logic without waiting real seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector_ref.bridge import Bridge
from connector_ref.channel import BadMessage, ChannelClient, parse_inbound
from connector_ref.lanes import Overloaded
from connector_ref.lp import LpClient
from connector_ref.retry import RetryPolicy, Sleep
from connector_ref.settings import Settings
from connector_ref.tokens import Clock
from connector_ref.webhooks import receiver

log = logging.getLogger("connector_ref")
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def _bridge(request: Request) -> Bridge:
    bridge: Bridge = request.app.state.bridge
    return bridge


async def inbound(request: Request) -> Response:
    try:
        message = parse_inbound(json.loads(await request.body()))
    except (ValueError, BadMessage) as exc:
        return JSONResponse({"accepted": False, "error": str(exc)}, status_code=400)
    try:
        message_id = _bridge(request).accept_inbound(message)
    except Overloaded:
        return JSONResponse(
            {"accepted": False, "error": "overloaded, retry later"}, status_code=503, headers={"Retry-After": "1"}
        )
    return JSONResponse({"accepted": True, "messageId": message_id}, status_code=202)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def status(request: Request) -> Response:
    bridge = _bridge(request)
    return JSONResponse(
        {
            "stats": dict(bridge.stats),
            "consumers": len(bridge.consumers),
            "open_conversations": sum(1 for c in bridge.consumers.values() if c.conversation_id),
            "backlog": {"consumer": bridge.inbound.backlog, "conversation": bridge.events.backlog},
            "reorder": {"waiting": bridge.reorder.waiting, "gaps_given_up": bridge.reorder.given_up},
            "app_jwt_fetches": bridge.lp.app_jwt.fetches,
            "channel": {"delivered": bridge.channel.delivered, "failed": bridge.channel.failed},
        }
    )


def create_app(
    settings: Settings, *, sleep: Sleep = asyncio.sleep, rng: random.Random | None = None, clock: Clock = time.monotonic
) -> Starlette:
    """The connector app; its LivePerson and channel clients live as long as the app runs."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        policy = RetryPolicy(
            settings.rate_limit_attempts,
            settings.rate_limit_pause,
            settings.server_error_pauses,
            sleep=sleep,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not security
        )
        async with (
            httpx.AsyncClient(timeout=settings.http_timeout, limits=LIMITS) as lp_http,
            httpx.AsyncClient(timeout=settings.http_timeout, limits=LIMITS) as channel_http,
        ):
            lp = LpClient(settings, lp_http, policy, clock=clock)
            bridge = Bridge(
                lp,
                ChannelClient(settings.channel_url, channel_http, policy),
                read_receipts=settings.read_receipts,
                reorder_hold=settings.reorder_hold,
                state_dir=settings.state_dir,
            )
            app.state.bridge = bridge
            warm_up = asyncio.create_task(bridge.warm_up())
            try:
                yield
            finally:
                warm_up.cancel()
                await bridge.aclose()

    webhook = receiver(settings.client_secret, lambda kind, change: app.state.bridge.accept_change(kind, change))
    app = Starlette(
        routes=[
            Route("/channel/messages", inbound, methods=["POST"]),
            Route("/webhooks", webhook, methods=["POST"]),
            Route("/webhooks/{key:path}", webhook, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/status", status, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    return app
