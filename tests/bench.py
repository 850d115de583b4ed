"""`make bench`: SEND throughput and latency of a real `mockcc serve`, and its memory, under load.

Numbers are printed, never asserted: speed targets live here, not in unit tests.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import quiet_seed
from tests.e2e.live import mockcc_serve

CONSUMERS = 50
SECONDS = 5.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def consumer(
    http: httpx.AsyncClient, ready: dict[str, str], token: str, n: int, stop: float, latencies: list[float]
) -> None:
    account = ready["account_id"]
    jws = (
        await http.post(
            f"/api/account/{account}/consumer?v=1.0",
            json={"ext_consumer_id": f"bench-{n}"},
            headers={"Authorization": token},
        )
    ).json()["token"]
    headers = {"Authorization": token, "X-LP-ON-BEHALF": jws}
    base = f"/api/account/{account}/messaging/consumer/conversation"
    conv = (
        await http.post(
            base + "?v=3",
            headers=headers,
            json=[{"kind": "req", "id": "1", "type": "cm.ConsumerRequestConversation", "body": {"brandId": account}}],
        )
    ).json()
    dialog = conv[0]["body"]["conversationId"]
    body = json.dumps(
        {
            "kind": "req",
            "id": "1",
            "type": "ms.PublishEvent",
            "body": {
                "dialogId": dialog,
                "event": {"type": "ContentEvent", "contentType": "text/plain", "message": "benchmark message"},
            },
        }
    )
    while time.monotonic() < stop:
        started = time.perf_counter()
        r = await http.post(base + "/send?v=3", content=body, headers={**headers, "content-type": "application/json"})
        latencies.append(time.perf_counter() - started)
        if r.status_code != 200:
            raise RuntimeError(r.text)


async def run(ready: dict[str, str], pid: int) -> None:
    limits = httpx.Limits(max_connections=CONSUMERS)
    async with httpx.AsyncClient(base_url=ready["base_url"], limits=limits, timeout=30) as http:
        token = (
            await http.post(
                f"/sentinel/api/account/{ready['account_id']}/app/token",
                params={
                    "v": "1.0",
                    "grant_type": "client_credentials",
                    "client_id": ready["client_id"],
                    "client_secret": ready["client_secret"],
                },
            )
        ).json()["access_token"]
        before = rss_mb(pid)
        latencies: list[float] = []
        stop = time.monotonic() + SECONDS
        await asyncio.gather(*(consumer(http, ready, token, n, stop, latencies) for n in range(CONSUMERS)))
        quantiles = statistics.quantiles(latencies, n=100)
        print(
            f"SEND: {len(latencies) / SECONDS:,.0f} req/s with {CONSUMERS} concurrent consumers "
            f"(one client process); p50 {quantiles[49] * 1000:.1f} ms, p99 {quantiles[98] * 1000:.1f} ms"
        )
        print(f"mock RSS: {before:.1f} MiB before, {rss_mb(pid):.1f} MiB after {len(latencies):,} events")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "seed.json"
        config.write_text(json.dumps(quiet_seed()))
        with mockcc_serve("--config", str(config)) as ready:
            pid = int(ready["pid"])
            asyncio.run(run(ready, pid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
