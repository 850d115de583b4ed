"""The console's routes: the pages at ``/ui`` and the event stream at ``/_mockcc/events``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from mockcc.console.feed import Feed
from mockcc.console.hub import frame
from mockcc.errors import Unavailable
from mockcc.http import error_response

STATIC = Path(__file__).parent / "static"
TICK = 1.0  # seconds between checks of the clock/faults/installation snapshot, busy or idle
HEARTBEAT = 15.0  # seconds of silence before a comment line keeps proxies from closing the stream
# The pages load nothing from elsewhere, and no other site may frame them (clickjacking).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_EXTRA = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]


class _Pages(StaticFiles):
    """StaticFiles plus the headers above on every answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *_EXTRA]
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


async def _stream(feed: Feed) -> AsyncIterator[bytes]:
    subscriber = feed.hub.subscribe()
    if subscriber is None:  # checked by the endpoint before streaming starts
        return
    try:
        yield frame("hello", {"accounts": list(feed.mock.accounts), "clock": feed.clock()})
        sent = feed.snapshot()
        quiet_since = checked_at = time.monotonic()
        while not feed.closed:
            message = await subscriber.next(TICK)
            if message is not None:
                yield message
                quiet_since = time.monotonic()
            if message is not None and time.monotonic() - checked_at < TICK:
                continue
            now, checked_at = feed.snapshot(), time.monotonic()  # once a second, busy or idle
            for kind, text in now.items():
                if sent.get(kind) != text:
                    yield frame(kind, feed.payload(kind, text))
                    quiet_since = time.monotonic()
            sent = now
            if time.monotonic() - quiet_since > HEARTBEAT:
                yield b": keep-alive\n\n"
                quiet_since = time.monotonic()
    finally:
        feed.hub.unsubscribe(subscriber)


async def events(request: Request) -> Response:
    """``GET /_mockcc/events``: the server-sent event stream the console listens to."""
    feed: Feed = request.app.state.console
    if len(feed.hub.subscribers) >= feed.hub.subscriber_limit:
        return error_response(
            Unavailable(
                f"{feed.hub.subscriber_limit} consoles are already listening; close one",
                rule="subscriber-limit",
                expected=feed.hub.subscriber_limit,
            )
        )
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(feed), media_type="text/event-stream", headers=headers)


#: The API route (documented in schemas/openapi.yaml like every other) and the pages (static files).
ROUTES: list[BaseRoute] = [Route("/_mockcc/events", events, methods=["GET"])]
PAGES: list[BaseRoute] = [Mount("/ui", app=_Pages(directory=STATIC, html=True), name="console")]
