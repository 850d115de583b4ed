"""`make bench`: SEND throughput and latency of a real `mockcc serve`, and its memory, under load.

Numbers are printed, never asserted: speed targets live here, not in unit tests. The load comes from
`wrk` when it is installed (Debian package `wrk`; a C client, so the mock is what gets measured);
otherwise from a Python client, whose own cost then caps the figure (it says so).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import quiet_seed
from tests.e2e.live import mockcc_serve, open_conversation

CONNECTIONS = 50
SECONDS = 10

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = {auth}
wrk.headers["X-LP-ON-BEHALF"] = {jws}
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def send_request(ready: dict[str, str]) -> tuple[str, dict[str, str], str]:
    """A consumer with an open conversation: (SEND URL, headers, body of one text message)."""
    account = ready["account_id"]
    with httpx.Client(base_url=ready["base_url"], timeout=30) as http:
        headers, dialog = open_conversation(http, ready, "bench")
    base = f"/api/account/{account}/messaging/consumer/conversation"
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
    return f"{ready['base_url']}{base}/send?v=3", headers, body


def with_wrk(url: str, headers: dict[str, str], body: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT.format(
                body=json.dumps(body),
                auth=json.dumps(headers["Authorization"]),
                jws=json.dumps(headers["X-LP-ON-BEHALF"]),
            )
        )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (
        f"SEND with wrk ({CONNECTIONS} connections, {SECONDS} s): {float(rate.group(1)) if rate else 0:,.0f} req/s, "
        f"p50 {p50.group(1) if p50 else '?'}, p99 {p99.group(1) if p99 else '?'}, "
        f"non-2xx {errors.group(1) if errors else 0}"
    )


async def _python_client(url: str, headers: dict[str, str], body: str) -> str:
    latencies: list[float] = []
    stop = time.monotonic() + SECONDS

    async def worker(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            r = await http.post(url, content=body, headers={**headers, "content-type": "application/json"})
            latencies.append(time.perf_counter() - started)
            r.raise_for_status()

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONNECTIONS), timeout=30) as http:
        await asyncio.gather(*(worker(http) for _ in range(CONNECTIONS)))
    q = statistics.quantiles(latencies, n=100)
    return (
        f"SEND with the Python client (wrk not installed; the client caps this figure): "
        f"{len(latencies) / SECONDS:,.0f} req/s, p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms"
    )


def measure(extra_args: tuple[str, ...] = ()) -> tuple[dict[str, str], float]:
    """One wrk (or Python) run of SEND against a fresh mock; prints the figures, returns (ready, seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "seed.json"
        config.write_text(json.dumps(quiet_seed()))
        with mockcc_serve("--config", str(config), *extra_args) as ready:
            pid = int(ready["pid"])
            url, headers, body = send_request(ready)
            before, cpu, wall = rss_mb(pid), cpu_seconds(pid), time.monotonic()
            line = (
                with_wrk(url, headers, body) if shutil.which("wrk") else asyncio.run(_python_client(url, headers, body))
            )
            elapsed = time.monotonic() - wall
            busy = (cpu_seconds(pid) - cpu) / elapsed
            print(f"{line}; the mock used {busy:.0%} of one core")
            with httpx.Client(timeout=30) as http:
                journal = http.get(ready["base_url"] + "/_mockcc/journal?limit=1").json()
                backlog = http.get(ready["base_url"] + "/_mockcc/webhooks/status").json()["totals"]["in_flight"]
                while (status := http.get(ready["base_url"] + "/_mockcc/webhooks/status").json())["totals"][
                    "in_flight"
                ] and time.monotonic() - wall < 300:
                    time.sleep(0.2)
                drained = time.monotonic() - wall
                delivered = status["totals"]["outcomes"]
            print(
                f"mock RSS: {before:.1f} MiB before, {rss_mb(pid):.1f} MiB after "
                f"(journal kept {journal['limit']} calls, dropped {journal['dropped']:,}; dialog keeps 10,000 events)"
            )
            if extra_args:
                done = delivered.get("delivered", 0)
                print(
                    f"webhooks: {done:,} notifications delivered in {drained:.1f} s ({done / drained:,.0f}/s); "
                    f"{backlog:,} were still queued when the load stopped; outcomes {delivered}"
                )
    return ready, elapsed


async def _count(scope: dict[str, object], receive: object, send: object) -> None:
    """The cheapest webhook receiver there is: read nothing, answer 200."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]


def main() -> int:
    print("1. SEND, no webhooks registered")
    measure()
    print("2. SEND, every event also delivered as a signed webhook to a receiver on loopback")
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(_count, host="127.0.0.1", port=0, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        measure(("--webhook-url", f"http://127.0.0.1:{port}/hooks"))
    finally:
        server.should_exit = True
        thread.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
