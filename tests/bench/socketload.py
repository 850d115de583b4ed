"""The consumer socket's PublishEvent round trip beside SEND, both driven by the same kind of client.

wrk speaks no websocket, so both rows here use one asyncio client (uvloop when present) with the same
concurrency: SEND over raw HTTP/1.1 keep-alive connections (one request in flight each), PublishEvent
over consumer sockets (one request in flight each, answered by ``reqId``). The client's own cost caps
both alike, so read the ratio; the server's CPU per request (from /proc) is the figure the client
cannot move.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import httpx

from tests.bench.client import ACCOUNT, send_body
from tests.bench.servers import Server, cpu_seconds

CONNECTIONS = 32
EVENT = {"type": "ContentEvent", "contentType": "text/plain", "message": "benchmark message"}


@dataclass(frozen=True, slots=True)
class Trip:
    """One measured run: throughput, latency percentiles, the server's CPU per request."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int
    cpu_us_per_request: float
    seconds: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _trip(latencies: list[float], failures: int, seconds: float, cpu: float) -> Trip:
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    n = len(latencies)
    return Trip(n / seconds, q[49], q[98], n, failures, cpu * 1e6 / max(1, n), seconds)


def _signups(server: Server, count: int) -> list[str]:
    """``count`` new consumers' JWTs (IdP signup); each socket then opens its own conversation."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        return [str(http.post(f"/api/account/{ACCOUNT}/signup").json()["jwt"]) for _ in range(count)]


async def _socket_worker(url: str, jwt: str, stop: float, latencies: list[float], warm: float) -> int:
    import websockets

    failures = 0
    async with websockets.connect(url, additional_headers={"Authorization": f"jwt {jwt}"}, max_size=2**20) as ws:
        ids = itertools.count()
        await ws.send(json.dumps({"kind": "req", "id": "open", "type": "cm.ConsumerRequestConversation"}))
        conversation = json.loads(await ws.recv())["body"]["conversationId"]
        while (now := time.monotonic()) < stop:
            rid = str(next(ids))
            body = {"dialogId": conversation, "event": EVENT}
            started = time.perf_counter()
            await ws.send(json.dumps({"kind": "req", "id": rid, "type": "ms.PublishEvent", "body": body}))
            while True:  # no subscription: only answers come back
                frame = json.loads(await ws.recv())
                if frame.get("reqId") == rid:
                    break
            if now >= warm:
                latencies.append((time.perf_counter() - started) * 1000)
                failures += frame.get("code") != 200
    return failures


async def _http_worker(base: str, request: bytes, stop: float, latencies: list[float], warm: float) -> int:
    parts = urlsplit(base)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    failures = 0
    try:
        while (now := time.monotonic()) < stop:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            if now >= warm:
                latencies.append((time.perf_counter() - started) * 1000)
                failures += b" 200 " not in status_line
    finally:
        writer.close()
    return failures


async def _measure(server: Server, workers: list, seconds: float, warmup: float) -> Trip:  # type: ignore[type-arg]
    latencies: list[float] = []
    start = time.monotonic()
    warm, stop = start + warmup, start + warmup + seconds
    cpu_at_warm: list[float] = []

    async def mark() -> None:
        await asyncio.sleep(max(0.0, warm - time.monotonic()))
        cpu_at_warm.append(cpu_seconds(server.pid))

    results = await asyncio.gather(mark(), *(w(stop, latencies, warm) for w in workers))
    cpu = cpu_seconds(server.pid) - cpu_at_warm[0]
    return _trip(latencies, sum(r for r in results if isinstance(r, int)), seconds, cpu)


def _run(coro: object) -> Trip:
    try:
        import uvloop

        return uvloop.run(coro)  # type: ignore[arg-type,no-any-return]
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type,no-any-return]


def socket_round_trip(server: Server, seconds: float, warmup: float, connections: int = CONNECTIONS) -> Trip:
    """PublishEvent on ``connections`` consumer sockets (one signup consumer and conversation each)."""
    url = server.base_url.replace("http://", "ws://") + f"/ws_api/account/{ACCOUNT}/messaging/consumer?v=3"
    workers = [
        (lambda stop, lat, warm, jwt=jwt: _socket_worker(url, jwt, stop, lat, warm))
        for jwt in _signups(server, connections)
    ]
    return _run(_measure(server, workers, seconds, warmup))


def send_round_trip(
    server: Server, headers: dict[str, str], dialog: str, seconds: float, warmup: float, connections: int = CONNECTIONS
) -> Trip:
    """SEND on ``connections`` keep-alive connections, the same client loop as the socket's."""
    body = send_body(dialog).encode()
    host = urlsplit(server.base_url).netloc
    head = (
        f"POST /api/account/{ACCOUNT}/messaging/consumer/conversation/send?v=3 HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nAuthorization: {headers['Authorization']}\r\n"
        f"X-LP-ON-BEHALF: {headers['X-LP-ON-BEHALF']}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    request = head.encode() + body
    workers = [
        (lambda stop, lat, warm: _http_worker(server.base_url, request, stop, lat, warm)) for _ in range(connections)
    ]
    return _run(_measure(server, workers, seconds, warmup))
