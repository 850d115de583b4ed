"""`make soak`: the default seed (echo agent) at full rate for a long time; RSS and p99 per interval.

Pass: after the warm-up interval RSS stays within 10 % of its first value and the server does not slow
down: its CPU time per request (from /proc, so other load on a shared machine does not count) in the last
third within 1.2x the first third's. p99 is judged the same way (within 1.5x) and printed beside the
machine's load average, because on a shared machine p99 follows the neighbours as much as the server.
Printed and returned as JSON.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from tests.bench import load, servers
from tests.bench.client import ACCOUNT, consumer, send_body
from tests.bench.servers import cpu_seconds, rss_mb

INTERVAL = 30.0


def soak(seconds: float, interval: float = INTERVAL) -> dict[str, Any]:
    intervals: list[dict[str, Any]] = []
    with servers.mockcc() as server:
        headers, dialog = consumer(server, "bench-soak")
        url = server.base_url + servers.SEND_PATH.format(account=ACCOUNT) + "?v=3"
        script = load.post_script(send_body(dialog), headers)
        idle = rss_mb(server.pid)
        print(
            f"soak: default seed, wrk 1 thread {load.CONNECTIONS} connections, {seconds:g} s; idle RSS {idle:.1f} MiB"
        )
        started = time.monotonic()
        while (left := seconds - (time.monotonic() - started)) > min(1.0, interval / 2):  # no trailing sliver
            cpu_before = cpu_seconds(server.pid)
            run = load.wrk(url, script, min(interval, max(1.0, left)))
            cpu_us = (cpu_seconds(server.pid) - cpu_before) * 1e6 / max(1, run.requests)
            sample = {
                "at_s": round(time.monotonic() - started),
                "rss_mb": round(rss_mb(server.pid), 1),
                "cpu_us_per_request": round(cpu_us, 1),
                "load_average": round(os.getloadavg()[0], 2),
                **run.as_dict(),
            }
            intervals.append(sample)
            print(f"  {sample['at_s']:>5} s: {run.rps:,.0f} req/s, p99 {run.p99_ms:.1f} ms, RSS {sample['rss_mb']} MiB,"
                  f" CPU {cpu_us:.0f} us/request, load average {sample['load_average']}", flush=True)  # fmt: skip
    steady = intervals[1:] or intervals
    rss = [s["rss_mb"] for s in steady]
    third = max(1, len(steady) // 3)
    p99_first = statistics.median(s["p99_ms"] for s in steady[:third])
    p99_last = statistics.median(s["p99_ms"] for s in steady[-third:])
    cpu_first = statistics.median(s["cpu_us_per_request"] for s in steady[:third])
    cpu_last = statistics.median(s["cpu_us_per_request"] for s in steady[-third:])
    verdict = {
        "rss_first_mb": rss[0],
        "rss_max_mb": max(rss),
        "rss_flat": max(rss) <= rss[0] * 1.10,
        "p99_first_third_ms": p99_first,
        "p99_last_third_ms": p99_last,
        "p99_steady": p99_last <= p99_first * 1.5,
        "cpu_us_first_third": cpu_first,
        "cpu_us_last_third": cpu_last,
        "cpu_steady": cpu_last <= cpu_first * 1.2,
    }
    print(f"soak verdict: {verdict}")
    return {"mode": "soak", "seconds": seconds, "idle_rss_mb": idle, "intervals": intervals, "verdict": verdict}
