"""The brand socket under ``make bench``: idle sockets (RSS per socket) and the delay from a consumer's
SEND to the socket agent's notification with 100 busy conversations (goal: p99 <= 20 ms here), and the
server CPU one socket notification costs (SEND with and without a socket following, side by side).

Idle: 100 agent users log in, each opens 10 brand sockets (the cap per user), each socket answers one
GetClock, then they sit; RSS before and after, over the sockets open. Busy: one socket agent ONLINE
takes the rings of 200 conversations and follows 100 of them (QueryMessages); in rounds of 2 s each
followed conversation's consumer writes once (50 SEND/s, phase-shifted), then each unfollowed one, for
the measured seconds each. Then, for the CPU one notification costs, 9 more agent users' sockets follow
the same 100 dialogs, and SENDs go back to back (20 in flight), 1,000 a round, to followed (10
notifications each) and unfollowed conversations alternately, 3 rounds of each: the difference in the
server's CPU per SEND (from /proc), over 10. Last, ``in_process``: the mock's own share of a
notification, CPU time in this process, side by side with and without followers. Each text of the
rounds at 50 SEND/s carries its send time, and the delay is the socket's arrival time minus it (same
process, same monotonic clock), so it counts the SEND's own round trip's first half, the mock and the
socket.
"""

from __future__ import annotations

import asyncio
import json
import os
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
#: The CPU-per-notification phase: SENDs per round and kind, in flight at once, rounds per kind.
SATURATED_SENDS, WORKERS, SATURATED_ROUNDS = 1000, 20, 3
#: Sockets following each followed dialog in that phase (the agent's, and other agent users'): the
#: notifications' CPU is FOLLOWERS times a SEND's, far above what /proc's ticks and the machine blur.
FOLLOWERS = 10


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


async def _open(http: httpx.AsyncClient, app: str, ext_id: str) -> tuple[dict[str, str], str]:
    """A consumer of the connector and its conversation (Send API headers, conversation id)."""
    made = await http.post(
        f"/api/account/{ACCOUNT}/consumer",
        params={"v": "1.0"},
        json={"ext_consumer_id": ext_id},
        headers={"Authorization": app},
    )
    headers = {"Authorization": app, "X-LP-ON-BEHALF": made.json()["token"]}
    batch = [
        {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
        {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}},
    ]
    opened = await http.post(
        f"/api/account/{ACCOUNT}/messaging/consumer/conversation", params={"v": "3"}, headers=headers, json=batch
    )
    return headers, str(opened.json()[1]["body"]["conversationId"])


async def _follower(
    http: httpx.AsyncClient, base: str, user: str, conversations: list[tuple[dict[str, str], str]]
) -> ClientConnection:
    """Another agent user's socket following every dialog of ``conversations`` (QueryMessages)."""
    login = await http.post(
        f"/api/account/{ACCOUNT}/login", params={"v": "1.3"}, json={"username": user, "password": "bench"}
    )
    ws = await connect(_ws_url(base, login.json()["bearer"]), max_size=None, compression=None)
    for _, dialog in conversations:
        await _request(ws, "ms.QueryMessages", {"dialogId": dialog, "newerThanSequence": 0})
    return ws


async def _drain(ws: ClientConnection) -> None:
    while True:
        await ws.recv()


async def _busy(base: str, info: dict[str, str], seconds: float, pid: int) -> JSON:
    """The socket agent holds 2 x CONVERSATIONS conversations and follows half of them. Rounds of INTERVAL
    seconds alternate: every followed conversation's consumer writes once (a socket notification each), then
    every unfollowed one (none). The server's CPU per SEND in each kind of round, from /proc, and their
    difference, the CPU one socket notification costs: robust on a busy machine, as both kinds share its load
    and the server's own background work alike."""
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
        consumers = [await _open(http, app, f"busy{i}") for i in range(2 * CONVERSATIONS)]
        rings: list[str] = []
        while len(rings) < len(consumers):
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
        groups = {"followed": consumers[:CONVERSATIONS], "unfollowed": consumers[CONVERSATIONS:]}
        for _, dialog in groups["followed"]:
            await _request(ws, "ms.QueryMessages", {"dialogId": dialog, "newerThanSequence": 0})
        delays: list[float] = []
        measuring = True

        async def reader() -> None:
            while True:
                frame = json.loads(await ws.recv())
                arrived = time.monotonic()
                if frame.get("type") == "ms.MessagingEventNotification":
                    for change in frame["body"]["changes"]:
                        message = change["event"].get("message")
                        if measuring and isinstance(message, str) and message.startswith("t="):
                            delays.append((arrived - float(message[2:])) * 1000)

        async def send(headers: dict[str, str], dialog: str, offset: float) -> bool:
            await asyncio.sleep(offset)
            event = {"type": "ContentEvent", "contentType": "text/plain", "message": f"t={time.monotonic()!r}"}
            r = await http.post(
                f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send",
                params={"v": "3"},
                headers=headers,
                json={
                    "kind": "req",
                    "id": "1",
                    "type": "ms.PublishEvent",
                    "body": {"dialogId": dialog, "event": event},
                },
            )
            return r.status_code == 200

        async def flood(mine: list[tuple[dict[str, str], str]]) -> int:
            done = 0
            for _ in range(SATURATED_SENDS // (WORKERS * len(mine))):
                for headers, dialog in mine:
                    done += await send(headers, dialog, 0.0)
            return done

        read = asyncio.create_task(reader())
        load_before = os.getloadavg()
        cpu = dict.fromkeys(groups, 0.0)
        sent = dict.fromkeys(groups, 0)
        for _ in range(max(1, round(seconds / INTERVAL))):
            for kind, group in groups.items():  # a round: each consumer of the group writes once, phase-shifted
                started = servers.cpu_seconds(pid)
                done = await asyncio.gather(*(send(h, d, INTERVAL * i / len(group)) for i, (h, d) in enumerate(group)))
                cpu[kind] += servers.cpu_seconds(pid) - started
                sent[kind] += sum(done)
        at_rate = {kind: cpu[kind] * 1e6 / max(1, sent[kind]) for kind in groups}
        await asyncio.sleep(0.5)  # the last notifications of the rounds arrive
        measuring = False
        followers = [await _follower(http, base, f"agent{n}", groups["followed"]) for n in range(1, FOLLOWERS)]
        drains = [asyncio.create_task(_drain(f)) for f in followers]
        # CPU per notification: SENDs back to back (WORKERS in flight), the two kinds alternated; at this
        # volume /proc's 10 ms ticks and the server's per-wakeup overhead at 50 SEND/s no longer blur it
        cpu, sent = dict.fromkeys(groups, 0.0), dict.fromkeys(groups, 0)
        for _ in range(SATURATED_ROUNDS):
            for kind, group in groups.items():
                started = servers.cpu_seconds(pid)
                counts = await asyncio.gather(*(flood(group[w::WORKERS]) for w in range(WORKERS)))
                cpu[kind] += servers.cpu_seconds(pid) - started
                sent[kind] += sum(counts)
        await asyncio.sleep(0.5)
        read.cancel()
        for task in drains:
            task.cancel()
        await asyncio.gather(ws.close(), *(f.close() for f in followers))
    delays.sort()
    per_send = {kind: cpu[kind] * 1e6 / max(1, sent[kind]) for kind in groups}
    return {
        "conversations": CONVERSATIONS,
        "sends": int(CONVERSATIONS * max(1, round(seconds / INTERVAL))),
        "sends_per_s": CONVERSATIONS / INTERVAL,
        "server_cpu_us_per_send_at_rate": at_rate["followed"],
        "server_cpu_us_per_send_at_rate_unfollowed": at_rate["unfollowed"],
        "saturated_sends": sent,
        "server_cpu_us_per_send": per_send["followed"],
        "server_cpu_us_per_send_unfollowed": per_send["unfollowed"],
        "followers": FOLLOWERS,
        "server_cpu_us_per_notification": (per_send["followed"] - per_send["unfollowed"]) / FOLLOWERS,
        "notifications": len(delays),
        "p50_ms": statistics.median(delays) if delays else None,
        "p99_ms": delays[int(len(delays) * 0.99) - 1] if delays else None,
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
    }


def in_process(followers: int = FOLLOWERS, publishes: int = 5000) -> JSON:
    """The mock's own share of a notification, in this process (``time.process_time``: what other load on
    the machine cannot move): ``Messaging.publish`` of a text into a dialog that ``followers`` agent
    sockets' outboxes follow (drained as the writer drains them), against the same with a socket attached
    that follows nothing. What stays out: the writer's wake-up, Starlette's and uvicorn's websocket send,
    the websocket framing and the write to the socket."""
    from mockcc.agent.routing import Routing
    from mockcc.clock import Clock
    from mockcc.ids import Ids
    from mockcc.messaging import Messaging
    from mockcc.settings import SocketLimits
    from mockcc.state.models import Account, Participant
    from mockcc.streams.hub import Streams
    from mockcc.streams.outbox import Outbox
    from mockcc.streams.subscriptions import Peer

    async def cost(count: int) -> float:
        clock = Clock(start=1.0, frozen=True)
        messaging = Messaging(clock, Ids(1))
        streams = Streams(clock, messaging.effective_ttr, SocketLimits(), Routing(messaging, clock))
        messaging.listeners.append(streams.on_change)
        account = Account(ACCOUNT)
        conversation = messaging.request_conversation(account, "consumer", "app", {}, ())
        dialog, speaker = conversation.dialogs[0], Participant(id="consumer", role="CONSUMER")
        outboxes = []
        for n in range(max(1, count)):
            peer = Peer(f"agent-{n}", "agent", ACCOUNT, f"{ACCOUNT}.{n}", f"pid-{n}", Outbox(10), 0.0, 0.0)
            streams.attach(peer)
            if count:
                streams.subscribe_events(peer, account, conversation, dialog, 0)
                outboxes.append(peer.outbox)

        async def publish(times: int) -> float:
            started = time.process_time()
            for n in range(times):
                event = {"type": "ContentEvent", "contentType": "text/plain", "message": f"t={n}"}
                messaging.publish(account, conversation, dialog, speaker, event)
                for outbox in outboxes:
                    await outbox.take()  # what the writer does before its websocket send (no wait: a frame is there)
            return time.process_time() - started

        await publish(publishes // 10)  # warm
        return await publish(publishes) * 1e6 / publishes

    rounds = [(asyncio.run(cost(followers)), asyncio.run(cost(0))) for _ in range(3)]
    with_followers = statistics.median(r[0] for r in rounds)
    without = statistics.median(r[1] for r in rounds)
    return {
        "followers": followers,
        "us_per_publish_followed": with_followers,
        "us_per_publish_unfollowed": without,
        "us_per_notification": (with_followers - without) / followers,
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
            f"p50 {busy['p50_ms']:.1f} ms, p99 {busy['p99_ms']:.1f} ms at {busy['sends_per_s']:,.0f} SEND/s; server "
            f"CPU per SEND back to back {busy['server_cpu_us_per_send']:.0f} us with {busy['followers']} sockets "
            f"following, {busy['server_cpu_us_per_send_unfollowed']:.0f} us with none: "
            f"{busy['server_cpu_us_per_notification']:.0f} us per socket notification "
            f"(load average 1/5/15 min before, after: {busy['load_average']})",
            flush=True,
        )
    mine = in_process()
    print(
        f"  in process: {mine['us_per_notification']:.1f} us of CPU per socket notification "
        f"(publish {mine['us_per_publish_followed']:.1f} us with {mine['followers']} sockets following, "
        f"{mine['us_per_publish_unfollowed']:.1f} us with none)",
        flush=True,
    )
    return {"idle": idle, "busy": busy, "in_process": mine}


if __name__ == "__main__":
    print(json.dumps(bench_sockets(10.0), indent=2))
