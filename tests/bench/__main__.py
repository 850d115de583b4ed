"""`make bench`: mockcc side by side with the stack's ceiling, WireMock and Prism, in one run.

Every server gets the same SEND body from wrk (1 thread, 32 keep-alive connections, a warm-up run
thrown away, then the measured run). The machine may be shared, so absolute figures are noisy: read
the ratios, which come from one run. ``--soak SECONDS`` instead runs the default seed at full rate for
that long, sampling RSS and p99 per interval. ``--smoke`` is the tiny run ``make test`` does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.bench import load, report, servers, socketload
from tests.bench.client import ACCOUNT, QUIET, consumer, send_body
from tests.bench.servers import ROOT, TOOLS, Server, rss_mb
from tests.bench.sockets import bench_sockets

JSON = dict[str, Any]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.warmup: float = args.warmup
        self.seconds: float = args.seconds
        self.conversations: int = args.conversations
        self.idle = 0.5 if args.smoke else 5.0
        self.body = send_body("00000000-0000-4000-8000-000000000000")
        self.headers = {"Authorization": "bench", "X-LP-ON-BEHALF": "bench"}
        self.result: JSON = {"rows": [], "startup_s": {}}

    def url(self, server: Server) -> str:
        return server.base_url + servers.SEND_PATH.format(account=ACCOUNT) + "?v=3"

    def measure(self, server: Server, body: str, headers: dict[str, str]) -> load.Run:
        if load.have_wrk():
            return load.measure(self.url(server), load.post_script(body, headers), self.warmup, self.seconds)
        return load.python_load(self.url(server), body, headers, self.seconds)

    def row(self, key: str, label: str, run: load.Run | None, **extra: Any) -> None:
        row: JSON = {"key": key, "label": label, **extra}
        if run is not None:
            row |= run.as_dict()
        self.result["rows"].append(row)
        shown = f"{run.rps:,.0f} req/s, p99 {run.p99_ms:.1f} ms" if run else extra.get("skipped", "skipped")
        print(f"  {label}: {shown}", flush=True)

    def ceiling(self) -> None:
        with servers.python_server("tests.bench.ceiling", "ceiling") as server:
            self.row("ceiling", "bare Starlette + uvicorn + jsonschema-rs, validated SEND (the ceiling)",
                     self.measure(server, self.body, self.headers))  # fmt: skip

    def mockcc_default(self) -> None:
        with servers.mockcc() as server:
            self.result["startup_s"]["mockcc (default seed)"] = round(server.startup_s, 3)
            time.sleep(1)
            idle = rss_mb(server.pid)
            headers, dialog = consumer(server, "bench-send")
            body = send_body(dialog)
            run = self.measure(server, body, headers)
            self.row("mockcc", "mockcc SEND, default seed (echo agent)", run)
            after = rss_mb(server.pid)
            time.sleep(self.idle)
            memory: JSON = {"idle_mb": idle, "after_load_mb": after, "after_idle_mb": rss_mb(server.pid)}
            limits = httpx.get(server.base_url + "/_mockcc/limits", timeout=30).json()
            self.result["limits_after_load"] = limits
            if load.have_wrk():
                self.scale(server, headers, body, memory, run)
            self.result["memory"] = memory

    def scale(self, server: Server, headers: dict[str, str], body: str, memory: JSON, single: load.Run) -> None:
        """Open ``conversations`` in ten chunks (rate per chunk), then SEND again; RSS per open conversation."""
        before = rss_mb(server.pid)
        chunk = max(1, self.conversations // 10)
        rates = []
        with httpx.Client(base_url=server.base_url, timeout=30) as http:

            def open_now() -> int:
                return int(http.get("/_mockcc/limits").json()["accounts"][0]["open_conversations"])

            for i in range(10):
                script = load.open_script(ACCOUNT, headers["Authorization"], f"scale{i}-")
                start_count, started = open_now(), time.monotonic()
                target = start_count + chunk
                load.open_conversations(server.base_url, script, lambda target=target: open_now() >= target)  # type: ignore[misc]
                rates.append((open_now() - start_count) / (time.monotonic() - started))
        opened = httpx.get(server.base_url + "/_mockcc/limits", timeout=30).json()["accounts"][0]
        at_scale = rss_mb(server.pid)
        send = self.measure(server, body, headers)
        memory |= {
            "conversations": opened["open_conversations"],
            "at_scale_mb": at_scale,
            "per_conversation_kb": (at_scale - before) * 1024 / max(1, opened["open_conversations"] - 1),
        }
        self.result["scale"] = {
            "conversations": opened["open_conversations"],
            "chunk_rates_per_s": [round(r) for r in rates],
            "first_chunk_per_s": rates[0],
            "last_chunk_per_s": rates[-1],
            "send": send.as_dict(),
            "send_vs_one_conversation": send.rps / single.rps if single.rps else None,
        }
        print(f"  SEND at {opened['open_conversations']:,} open conversations: {send.rps:,.0f} req/s, "
              f"p99 {send.p99_ms:.1f} ms; opening {rates[0]:,.0f}/s first chunk, {rates[-1]:,.0f}/s last")  # fmt: skip

    def mockcc_quiet(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "seed.json"
            config.write_text(json.dumps(QUIET))
            with servers.mockcc("--config", str(config)) as server:
                self.result["startup_s"]["mockcc (agent: none)"] = round(server.startup_s, 3)
                headers, dialog = consumer(server, "bench-send")
                self.row("mockcc_none", "mockcc SEND, `agent: none`", self.measure(server, send_body(dialog), headers))
                self.consumer_socket(server, headers, dialog)

    def consumer_socket(self, server: Server, headers: dict[str, str], dialog: str) -> None:
        """PublishEvent over consumer sockets beside SEND, the same asyncio client and concurrency for both."""
        send = socketload.send_round_trip(server, headers, dialog, self.seconds, self.warmup)
        socket = socketload.socket_round_trip(server, self.seconds, self.warmup)
        self.result["consumer_socket"] = {
            "client": f"one asyncio client, {socketload.CONNECTIONS} connections/sockets, one request in flight each",
            "send": send.as_dict(),
            "socket": socket.as_dict(),
            "socket_vs_send": socket.rps / send.rps if send.rps else None,
        }
        print(f"  consumer socket PublishEvent: {socket.rps:,.0f}/s p50 {socket.p50_ms:.1f} p99 {socket.p99_ms:.1f} ms "
              f"({socket.cpu_us_per_request:.0f} us CPU each); SEND, same client: {send.rps:,.0f}/s "
              f"p50 {send.p50_ms:.1f} p99 {send.p99_ms:.1f} ms ({send.cpu_us_per_request:.0f} us)")  # fmt: skip

    def webhooks(self) -> None:
        with (
            servers.python_server("tests.bench.receiver", "receiver", probe="/stats") as hook,
            servers.mockcc("--webhook-url", hook.base_url + "/hooks") as server,
        ):
            headers, dialog = consumer(server, "bench-hooks")
            body = send_body(dialog)
            url, script = self.url(server), load.post_script(body, headers)
            if self.warmup and load.have_wrk():
                load.wrk(url, script, self.warmup)
            httpx.get(hook.base_url + "/reset", timeout=30)
            started = time.monotonic()
            run = load.wrk(url, script, self.seconds) if load.have_wrk() else self.measure(server, body, headers)
            elapsed = time.monotonic() - started
            stats = httpx.get(hook.base_url + "/stats", timeout=30).json()
            status = httpx.get(server.base_url + "/_mockcc/webhooks/status", timeout=30).json()
            self.result["webhooks"] = {
                "send": run.as_dict(),
                "deliveries": stats["count"],
                "deliveries_per_s": stats["count"] / elapsed,
                "delay_ms": stats["delay_ms"],
                "backlog_at_end": status["totals"]["in_flight"] + status["totals"].get("queued", 0),
                "outcomes": status["totals"]["outcomes"],
            }
            print(f"  webhooks: {stats['count'] / elapsed:,.0f} deliveries/s, SEND {run.rps:,.0f} req/s "
                  f"p99 {run.p99_ms:.1f} ms, delay {stats['delay_ms']}")  # fmt: skip

    def others(self, workdir: Path) -> None:
        if not (TOOLS / "wiremock").exists() or not (TOOLS / "prism").exists():
            for key, label in (("wiremock", "WireMock, canned SEND stub"), ("prism", "Prism, SEND validated")):
                self.row(key, label, None, skipped="not installed (make bench installs it into .bench/)")
            return
        with servers.wiremock(workdir / "wiremock", ACCOUNT) as server:
            self.result["startup_s"]["WireMock"] = round(server.startup_s, 3)
            self.row(
                "wiremock", "WireMock 3.13 standalone, canned SEND stub", self.measure(server, self.body, self.headers)
            )
        with servers.prism(workdir / "prism", ACCOUNT) as server:
            self.result["startup_s"]["Prism"] = round(server.startup_s, 3)
            self.row("prism", "Prism 5.16, SEND with request validation", self.measure(server, self.body, self.headers))


def bench(args: argparse.Namespace) -> JSON:
    b = Bench(args)
    b.result["machine"] = report.machine()
    b.result["client"] = (
        f"wrk, 1 thread, {load.CONNECTIONS} keep-alive connections, "
        f"{args.warmup:g} s warm-up, {args.seconds:g} s measured"
    )
    print(f"mockcc bench: {b.result['client']}; machine {b.result['machine']}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        b.ceiling()
        b.mockcc_default()
        b.mockcc_quiet()
        if not args.smoke:
            b.others(Path(tmp))
            b.webhooks()
            b.result["sockets"] = bench_sockets(args.seconds)
    return b.result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per row")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds per row (thrown away)")
    parser.add_argument("--conversations", type=int, default=100_000, help="open conversations for the scale figures")
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "results.json", help="where the JSON goes")
    parser.add_argument("--smoke", action="store_true", help="a tiny run of the harness (make test)")
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="soak the default seed for SECONDS instead")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.warmup, args.conversations = min(args.seconds, 1.0), 0.0, min(args.conversations, 200)
    if args.soak:
        from tests.bench.soak import soak

        result = soak(args.soak)
    else:
        result = bench(args)
        print("\n" + report.table(result["rows"]) + "\n\n" + report.facts(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
