"""The brand socket under ``make bench``: idle sockets (RSS per socket) and the delay from a consumer's
SEND to the socket agent's notification with 100 busy conversations (goal: p99 <= 20 ms here).

Idle: 100 agent users log in, each opens 10 brand sockets (the cap per user), each socket answers one
GetClock, then they sit; RSS before and after, over the sockets open. Busy: one socket agent ONLINE
takes the rings of 100 conversations and follows each dialog (QueryMessages); each conversation's
consumer then writes every 2 s (50 SEND/s in all, phase-shifted) for the measured seconds; each text
carries its send time, and the delay is the socket's arrival time minus it (same process, same
monotonic clock), so it counts the SEND's own round trip's first half, the mock and the socket.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.bench import servers
from tests.bench.client import ACCOUNT, QUIET
from tests.bench.servers import rss_mb

JSON = dict[str, Any]
USERS, PER_USER, CONVERSATIONS = 100, 10, 100
#: Each busy conversation's consumer writes every INTERVAL seconds: 100 conversations, 50 SEND/s in all.
INTERVAL = 2.0


def _seed() -> JSON:
    seed = json.loads(json.dumps(QUIET))
    seed["accounts"][0]["agent_users"] = [
        {"login_name": f"agent{i}", "password": "bench", "max_conversations": 1000} for i in range(USERS)
    ]
    return seed


def _ws_url(base: str, bearer: str) -> str:
    return base.replace("http://", "ws://") + f"/ws_api/account/{ACCOUNT}/messaging/brand/{bearer}?v=2"


async def _request(ws: ClientConnection, kind: str, body: object) -> JSON:
    """Send one request and read frames until its answer (notifications read meanwhile are dropped)."""
    rid = uuid.uuid4().hex
    await ws.send(json.dumps({"kind": "req", "id": rid, "type": kind, "body": body}))
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("reqId") == rid:
            return dict(frame)


async def _idle(base: str, pid: int) -> JSON:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        bearers = []
        for i in range(USERS):
            r = await http.post(
                f"/api/account/{ACCOUNT}/login",
                params={"v": "1.3"},
                json={"username": f"agent{i}", "password": "bench"},
            )
            bearers.append(r.json()["bearer"])
    before = rss_mb(pid)
    sockets: list[ClientConnection] = []
    try:
        for bearer in bearers:
            for _ in range(PER_USER):
                ws = await connect(_ws_url(base, bearer), max_size=None, compression=None)
                sockets.append(ws)
        answers = await asyncio.gather(*(_request(ws, "GetClock", {}) for ws in sockets))
        assert all(a["code"] == 200 for a in answers)
        await asyncio.sleep(2)
        after = rss_mb(pid)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            open_now = (await http.get("/_mockcc/limits")).json()["sockets"]["sockets_open"]
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "sockets": open_now,
        "rss_before_mb": before,
        "rss_after_mb": after,
        "rss_per_socket_kb": (after - before) * 1024 / max(1, open_now),
    }


async def _busy(base: str, info: dict[str, str], seconds: float, pid: int) -> JSON:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        login = (
            await http.post(
                f"/api/account/{ACCOUNT}/login", params={"v": "1.3"}, json={"username": "agent0", "password": "bench"}
            )
        ).json()
        ws = await connect(_ws_url(base, login["bearer"]), max_size=None, compression=None)
        await _request(ws, "routing.SetAgentState", {"availability": "ONLINE"})
        await _request(ws, "routing.SubscribeRoutingTasks", {})
        token = await http.post(
            f"/sentinel/api/account/{ACCOUNT}/app/token",
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": info["client_id"], "client_secret": info["client_secret"]},
        )
        app = token.json()["access_token"]
        consumers: list[tuple[dict[str, str], str]] = []
        for i in range(CONVERSATIONS):
            made = await http.post(
                f"/api/account/{ACCOUNT}/consumer",
                params={"v": "1.0"},
                json={"ext_consumer_id": f"busy{i}"},
                headers={"Authorization": app},
            )
            headers = {"Authorization": app, "X-LP-ON-BEHALF": made.json()["token"]}
            batch = [
                {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
                {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}},
            ]
            opened = await http.post(
                f"/api/account/{ACCOUNT}/messaging/consumer/conversation",
                params={"v": "3"},
                headers=headers,
                json=batch,
            )
            consumers.append((headers, str(opened.json()[1]["body"]["conversationId"])))
        rings: list[str] = []
        while len(rings) < CONVERSATIONS:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            for change in (
                frame.get("body", {}).get("changes", [])
                if frame.get("type", "").endswith("RoutingTaskNotification")
                else []
            ):
                ring = change["result"]["ringsDetails"][0]
                if ring["ringState"] == "WAITING":
                    rings.append(ring["ringId"])
        for ring_id in rings:
            await _request(ws, "routing.UpdateRingState", {"ringId": ring_id, "ringState": "ACCEPTED"})
        for _, dialog in consumers:
            await _request(ws, "ms.QueryMessages", {"dialogId": dialog, "newerThanSequence": 0})
        delays: list[float] = []
        stop = time.monotonic() + seconds
        sent = 0

        async def reader() -> None:
            while True:
                frame = json.loads(await ws.recv())
                arrived = time.monotonic()
                if frame.get("type") == "ms.MessagingEventNotification":
                    for change in frame["body"]["changes"]:
                        message = change["event"].get("message")
                        if isinstance(message, str) and message.startswith("t="):
                            delays.append((arrived - float(message[2:])) * 1000)

        async def sender(index: int) -> None:
            """One busy conversation: a consumer text every INTERVAL seconds, phase-shifted per conversation."""
            nonlocal sent
            headers, dialog = consumers[index]
            await asyncio.sleep(INTERVAL * index / CONVERSATIONS)
            while time.monotonic() < stop:
                event = {"type": "ContentEvent", "contentType": "text/plain", "message": f"t={time.monotonic()!r}"}
                body = {
                    "kind": "req",
                    "id": "1",
                    "type": "ms.PublishEvent",
                    "body": {"dialogId": dialog, "event": event},
                }
                r = await http.post(
                    f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send",
                    params={"v": "3"},
                    headers=headers,
                    json=body,
                )
                sent += r.status_code == 200
                await asyncio.sleep(INTERVAL)

        read = asyncio.create_task(reader())
        cpu = servers.cpu_seconds(pid)
        await asyncio.gather(*(sender(i) for i in range(CONVERSATIONS)))
        cpu = servers.cpu_seconds(pid) - cpu
        await asyncio.sleep(0.5)
        read.cancel()
        await ws.close()
    delays.sort()
    return {
        "conversations": CONVERSATIONS,
        "sends": sent,
        "sends_per_s": sent / seconds,
        "server_cpu_us_per_send": cpu * 1e6 / max(1, sent),
        "notifications": len(delays),
        "p50_ms": statistics.median(delays) if delays else None,
        "p99_ms": delays[int(len(delays) * 0.99) - 1] if delays else None,
    }


def bench_sockets(seconds: float) -> JSON:
    """Both measurements, each on its own ``mockcc serve`` (agent: none, 100 agent users)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "seed.json"
        config.write_text(json.dumps(_seed()))
        args = ("--config", str(config), "--max-connections", "3000")
        with servers.mockcc(*args) as server:
            idle = asyncio.run(_idle(server.base_url, server.pid))
        print(
            f"  brand sockets idle: {idle['sockets']:,} open, RSS {idle['rss_before_mb']:.1f} -> "
            f"{idle['rss_after_mb']:.1f} MiB, {idle['rss_per_socket_kb']:.1f} KiB per socket",
            flush=True,
        )
        with servers.mockcc(*args) as server:
            busy = asyncio.run(_busy(server.base_url, server.info, seconds, server.pid))
        print(
            f"  SEND -> socket agent notification, {busy['conversations']} busy conversations: "
            f"p50 {busy['p50_ms']:.1f} ms, p99 {busy['p99_ms']:.1f} ms at {busy['sends_per_s']:,.0f} SEND/s "
            f"({busy['server_cpu_us_per_send']:.0f} us of server CPU per SEND)",
            flush=True,
        )
    return {"idle": idle, "busy": busy}


if __name__ == "__main__":
    print(json.dumps(bench_sockets(10.0), indent=2))
