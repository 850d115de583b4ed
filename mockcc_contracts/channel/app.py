"""The channel simulator's HTTP API.

Connector-facing:
    POST /outbound                         the connector's outbound URL (CONNECTOR_CHANNEL_URL); every event is
                                           checked against schemas/channel.yaml: 400 with an explanation if not

Test- and person-facing (JSON):
    GET  /                                 every transcript as readable text
    GET  /config   PUT /config             {"connector_url": "http://.../channel/messages"}
    POST /consumers/{id}/messages          {"text": "...", "profile": {...}?, "messageId": "..."?}
    POST /consumers/{id}/typing            {"chatState": "COMPOSING" | "PAUSE"}
    POST /consumers/{id}/read              {"sequences": [...]}? the consumer read agent messages (default: all unread)
    POST /consumers/{id}/close             ask the connector to close the conversation
    GET  /consumers                        {"consumers": {id: number of entries}}
    GET  /consumers/{id}/transcript        {"consumerId", "transcript": [...]}  (?after=n: newer only)
    GET  /transcripts                      {"transcripts": {id: [...]}, "unrouted": [...]}
    GET  /refusals                         {"refusals": [...]}: events refused as not matching schemas/channel.yaml
    POST /faults                           {"fail": n, "status": 503}: refuse the next n outbound POSTs
    POST /reset                            forget every transcript and fault
    POST /load                             run the load driver (body: ``mockcc_contracts.channel.load.LoadSpec``)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mockcc_contracts.channel.load import LoadSpec, run_load
from mockcc_contracts.channel.sim import ChannelSim, render

JSON = dict[str, Any]


def _sim(request: Request) -> ChannelSim:
    sim: ChannelSim = request.app.state.sim
    return sim


async def _body(request: Request) -> JSON:
    raw = await request.body()
    if not raw.strip():
        return {}
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise ValueError("the body must be a JSON object")
    return doc


def _bad(exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=400)


async def outbound(request: Request) -> Response:
    raw = await request.body()
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        explanation = _not_json(exc)
        _sim(request).unroutable(raw[:500].decode("utf-8", "replace"), explanation)
        return JSONResponse({"ok": False, "error": explanation["explanation"], "mockcc": explanation}, status_code=400)
    status, answer = _sim(request).outbound(doc)
    return JSONResponse(answer, status_code=status)


def _not_json(exc: ValueError) -> JSON:
    return {"explanation": f"channel event: the body is not JSON ({exc})", "path": "$", "rule": "json"}


async def index(request: Request) -> Response:
    sim = _sim(request)
    lines = [f"mockcc channel simulator; connector inbound URL: {sim.connector_url or '(not set)'}", ""]
    for consumer_id, transcript in sim.transcripts.items():
        lines += [*render(consumer_id, transcript), ""]
    return PlainTextResponse("\n".join(lines) if sim.transcripts else "\n".join([*lines, "(no consumers yet)"]))


async def config(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "PUT":
        try:
            url = (await _body(request)).get("connector_url")
        except ValueError as exc:
            return _bad(exc)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _bad(ValueError("connector_url must be an http(s) URL"))
        sim.connector_url = url
    return JSONResponse({"connector_url": sim.connector_url})


async def act(request: Request) -> Response:
    sim = _sim(request)
    consumer_id, action = request.path_params["consumer_id"], request.path_params["action"]
    try:
        body = await _body(request)
    except ValueError as exc:
        return _bad(exc)
    if action == "messages":
        text = body.get("text")
        if not isinstance(text, str):
            return _bad(ValueError("text (a string) is required"))
        profile = body.get("profile") if isinstance(body.get("profile"), dict) else None
        message_id = body.get("messageId") if isinstance(body.get("messageId"), str) else None
        answer = await sim.send(consumer_id, text, profile=profile, message_id=message_id)
    elif action == "typing":
        answer = await sim.typing(consumer_id, str(body.get("chatState", "COMPOSING")))
    elif action == "read":
        sequences = body.get("sequences")
        if sequences is not None and not (
            isinstance(sequences, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in sequences)
        ):
            return _bad(ValueError("sequences must be a list of integers"))
        answer = await sim.read(consumer_id, sequences)
    elif action == "close":
        answer = await sim.close(consumer_id)
    else:
        return JSONResponse({"error": f"unknown action {action!r}"}, status_code=404)
    return JSONResponse(answer, status_code=200 if answer.get("accepted") else 502)


async def consumers(request: Request) -> Response:
    return JSONResponse({"consumers": {k: len(v) for k, v in _sim(request).transcripts.items()}})


async def transcript(request: Request) -> Response:
    consumer_id = request.path_params["consumer_id"]
    after = request.query_params.get("after", "0")
    entries = _sim(request).transcripts.get(consumer_id, [])
    if after.isdigit() and int(after):
        entries = [e for e in entries if e["n"] > int(after)]
    return JSONResponse({"consumerId": consumer_id, "transcript": entries})


async def transcripts(request: Request) -> Response:
    sim = _sim(request)
    return JSONResponse({"transcripts": sim.transcripts, "unrouted": sim.unrouted})


async def refusals(request: Request) -> Response:
    return JSONResponse({"refusals": _sim(request).refusals()})


async def faults(request: Request) -> Response:
    sim = _sim(request)
    try:
        body = await _body(request)
        sim.fail_outbound = int(body.get("fail", 1))
        sim.fail_status = int(body.get("status", 503))
    except ValueError as exc:
        return _bad(exc)
    return JSONResponse({"fail": sim.fail_outbound, "status": sim.fail_status})


async def reset(request: Request) -> Response:
    _sim(request).reset()
    return JSONResponse({"reset": True})


async def load(request: Request) -> Response:
    try:
        spec = LoadSpec.parse(await _body(request))
    except ValueError as exc:
        return _bad(exc)
    report = await run_load(_sim(request), spec)
    return JSONResponse(report.as_dict())


def create_channel_app(connector_url: str | None = None, sim: ChannelSim | None = None) -> Starlette:
    """The simulator app; ``connector_url`` is the connector's inbound URL (settable later via PUT /config)."""
    state = sim or ChannelSim(connector_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await state.aclose()

    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/outbound", outbound, methods=["POST"]),
            Route("/config", config, methods=["GET", "PUT"]),
            Route("/consumers", consumers, methods=["GET"]),
            Route("/consumers/{consumer_id}/transcript", transcript, methods=["GET"]),
            Route("/consumers/{consumer_id}/{action}", act, methods=["POST"]),
            Route("/transcripts", transcripts, methods=["GET"]),
            Route("/refusals", refusals, methods=["GET"]),
            Route("/faults", faults, methods=["POST"]),
            Route("/reset", reset, methods=["POST"]),
            Route("/load", load, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.sim = state
    return app
