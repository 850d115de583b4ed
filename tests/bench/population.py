"""A populated mock: 10,000 conversations with 100 consumer messages each (1,000,000 events), then the
queries a user runs against it (state, the conversation list the console shows, one conversation, the
journal, the delivery log), each timed over several calls; RSS before and after.

``agent: none``, so every event is a consumer's message. wrk opens the conversations (as the scale
figures do), the bench reads their dialogs from the control plane and each consumer's ConsumerJWS from
the IdP (the same token every time: RS256 is deterministic), then wrk SENDs to them round-robin until
the mock has answered every SEND.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.bench import load, servers
from tests.bench.client import ACCOUNT, QUIET
from tests.bench.servers import cpu_seconds, rss_mb

JSON = dict[str, Any]

QUERY_CALLS = 7  # each query timed this many times; the median and the worst are reported

_SEND = """
local send = {send}
local app = {app}
local pairs_ = {{{pairs}}}
local turn = 0
request = function()
  turn = turn + 1
  local p = pairs_[(turn % #pairs_) + 1]
  return wrk.format("POST", send, {{["Authorization"] = app, ["X-LP-ON-BEHALF"] = p[1],
    ["Content-Type"] = "application/json"}},
    '{{"kind":"req","id":"1","type":"ms.PublishEvent","body":{{"dialogId":"' .. p[2] ..
    '","event":{{"type":"ContentEvent","contentType":"text/plain","message":"population message"}}}}}}')
end
"""


def send_script(app_jwt: str, pairs: list[tuple[str, str]]) -> str:
    """Lua that SENDs to each (ConsumerJWS, dialog) in turn."""
    table = ",".join(f"{{{json.dumps(jws)},{json.dumps(dialog)}}}" for jws, dialog in pairs)
    path = f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send?v=3"
    return _SEND.format(send=json.dumps(path), app=json.dumps(app_jwt), pairs=table)


def _calls(http: httpx.Client) -> int:
    journal = http.get("/_mockcc/limits").json()["journal"]
    return int(journal["kept"]) + int(journal["dropped"])


def populate(server: servers.Server, conversations: int, messages: int) -> JSON:
    """Open ``conversations`` and SEND ``messages`` to each; how long each part took."""
    from tests.bench.client import consumer

    headers, _ = consumer(server, "population-0")
    app = headers["Authorization"]
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        started = time.monotonic()

        def opened() -> int:
            return int(http.get("/_mockcc/limits").json()["accounts"][0]["open_conversations"])

        load.open_conversations(
            server.base_url, load.open_script(ACCOUNT, app, "pop"), lambda: opened() >= conversations
        )
        open_s = time.monotonic() - started
        pairs, offset = [], 0
        conv_path = f"/_mockcc/accounts/{ACCOUNT}/conversations"
        while page := http.get(conv_path, params={"offset": offset, "limit": 1000, "state": "OPEN"}).json():
            offset += len(page)
            for view in page:
                ext = view["extConsumerId"]
                jws = http.post(
                    f"/api/account/{ACCOUNT}/consumer", params={"v": "1.0"}, json={"ext_consumer_id": ext},
                    headers={"Authorization": app},
                ).json()["token"]  # fmt: skip
                pairs.append((jws, view["convId"]))
        target = _calls(http) + len(pairs) * messages
        started = time.monotonic()
        load.run_until(server.base_url + "/", send_script(app, pairs), lambda: _calls(http) >= target)
        send_s = time.monotonic() - started
    return {"conversations": len(pairs), "open_s": round(open_s, 1), "send_s": round(send_s, 1),
            "sends_per_s": round(len(pairs) * messages / send_s)}  # fmt: skip


def _timed(http: httpx.Client, pid: int, path: str, params: dict[str, Any] | None = None) -> JSON:
    """Wall time per call (median, worst) and the server's CPU time per call (from /proc: what a busy
    machine's neighbours cannot inflate)."""
    times, size = [], 0
    cpu_before = cpu_seconds(pid)
    for _ in range(QUERY_CALLS):
        started = time.perf_counter()
        r = http.get(path, params=params)
        times.append((time.perf_counter() - started) * 1000)
        r.raise_for_status()
        size = len(r.content)
    cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / QUERY_CALLS
    return {
        "median_ms": round(statistics.median(times), 1),
        "worst_ms": round(max(times), 1),
        "cpu_ms": round(cpu_ms, 1),
        "bytes": size,
    }


def queries(server: servers.Server) -> dict[str, JSON]:
    """The queries a user (or the console) runs on a populated mock, each timed QUERY_CALLS times."""
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        convs = f"/_mockcc/accounts/{ACCOUNT}/conversations"
        newest = http.get(convs, params={"order": "newest", "limit": 1}).json()[0]["convId"]
        asked: list[tuple[str, str, dict[str, Any] | None]] = [
            ("state (first page)", "/_mockcc/state", None),
            ("state (page at 9,900)", "/_mockcc/state", {"offset": 9_900}),
            ("conversations by activity (the console's list)", convs, {"order": "activity", "limit": 50}),
            ("open conversations, newest first", convs, {"state": "OPEN", "order": "newest", "limit": 50}),
            ("one conversation with its events", f"{convs}/{newest}", None),
            ("journal, newest 100", "/_mockcc/journal", {"limit": 100}),
            ("journal, 100 since an id", "/_mockcc/journal", {"since_id": 1, "limit": 100}),
            ("delivery log, newest 100", "/_mockcc/webhooks/deliveries", {"limit": 100}),
            ("limits", "/_mockcc/limits", None),
        ]
        return {label: _timed(http, server.pid, path, params) for label, path, params in asked}


def run(conversations: int = 10_000, messages: int = 100) -> JSON:
    """The whole phase: populate, then RSS and the queries."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "quiet.json"
        config.write_text(json.dumps(QUIET))
        with servers.mockcc("--config", str(config)) as server:
            idle = rss_mb(server.pid)
            made = populate(server, conversations, messages)
            made |= {"events": made["conversations"] * messages, "rss_idle_mb": round(idle, 1),
                     "rss_populated_mb": round(rss_mb(server.pid), 1), "queries": queries(server)}  # fmt: skip
            return made
