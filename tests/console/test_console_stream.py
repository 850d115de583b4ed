"""The event stream of a real ``mockcc serve``: what a listener gets, and a prompt stop with one open."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from mockcc_contracts.launch import MockServer

pytestmark = pytest.mark.live


def test_serve_pushes_events_and_stops_promptly_with_a_listener_open() -> None:
    with (
        MockServer.start("--frozen-clock") as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
        http.stream("GET", "/_mockcc/events") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "event: hello"
        hello = json.loads(next(lines).removeprefix("data: "))
        assert hello["clock"]["frozen"] is True
        http.post("/_mockcc/clock/advance", json={"seconds": 60})  # another client moves the clock
        kinds = []
        for line in lines:
            if line.startswith("event: "):
                kinds.append(line.removeprefix("event: "))
            if "clock" in kinds:
                break
        started = time.monotonic()
        server.launched.proc.terminate()  # uvicorn would wait for open responses; the stream must end
        # uvicorn re-raises the signal once it has shut down gracefully: -15 is a clean stop
        assert server.launched.proc.wait(timeout=8) in (0, -15)
        assert time.monotonic() - started < 8
