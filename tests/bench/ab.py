"""Two (or more) source trees side by side, alternated in one run: what a change bought.

    python -m tests.bench.ab MODE OLD_TREE NEW_TREE [--rounds 3] [--seconds 4] [--warmup 2]

MODE: ``default`` (SEND, default seed), ``none`` (SEND, ``agent: none``), ``hooks`` (SEND with every
event POSTed to a loopback receiver), ``startup`` (spawn to the first answer), ``ceiling``. Each tree
runs with its own code (``PYTHONPATH`` and working directory) and this checkout's venv; rounds
alternate the order. Besides req/s and p99 it reports the server's CPU per request (from /proc):
on a shared machine that moves far less with the neighbours than req/s does, so read that ratio.
Get an old tree with ``git worktree add --detach /tmp/old main`` (or ``git archive``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.bench import load
from tests.bench.client import QUIET, consumer, send_body
from tests.bench.servers import SEND_PATH, Server, _first_line, _stop, _wait_http, cpu_seconds, tree_cpu_seconds

Result = dict[str, float]


@contextlib.contextmanager
def _spawn(tree: str, argv: list[str], ready: str) -> Iterator[tuple[subprocess.Popen[str], str, float]]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tree,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": tree},
        start_new_session=True,
    )
    try:
        line = _first_line(proc, 60)
        if not line.startswith(ready):
            raise RuntimeError(f"{tree}: {' '.join(argv)} did not start: {line!r}")
        yield proc, line, started
    finally:
        _stop(proc)


@contextlib.contextmanager
def _mockcc(tree: str, *args: str) -> Iterator[Server]:
    with _spawn(tree, ["-m", "mockcc", "serve", "--port", "0", *args], "mockcc ready ") as (proc, line, started):
        info = dict(pair.split("=", 1) for pair in line.split()[2:])
        httpx.get(info["base_url"] + "/_mockcc/health", timeout=10).raise_for_status()
        yield Server("mockcc", info["base_url"], proc.pid, time.monotonic() - started, info)


def _url(server: Server) -> str:
    return server.base_url + SEND_PATH.format(account="70000001") + "?v=3"


def _load(server: Server, script: str, args: argparse.Namespace) -> tuple[load.Run, float]:
    load.wrk(_url(server), script, args.warmup)
    before = cpu_seconds(server.pid)
    run = load.wrk(_url(server), script, args.seconds)
    return run, (cpu_seconds(server.pid) - before) * 1e6 / max(1, run.requests)


def _send(tree: str, args: argparse.Namespace, extra: list[str]) -> Result:
    with _mockcc(tree, *extra) as server:
        headers, dialog = consumer(server, "ab")
        run, cpu_us = _load(server, load.post_script(send_body(dialog), headers), args)
        return {"rps": run.rps, "p99_ms": run.p99_ms, "cpu_us": cpu_us}


def _hooks(tree: str, args: argparse.Namespace) -> Result:
    here = str(Path(__file__).resolve().parents[2])  # the receiver is this checkout's, the same for both
    with _spawn(here, ["-m", "tests.bench.receiver"], "ready port=") as (_, line, _started):
        hook = f"http://127.0.0.1:{line.split('=', 1)[1].strip()}"
        with _mockcc(tree, "--webhook-url", hook + "/hooks") as server:
            headers, dialog = consumer(server, "ab")
            script = load.post_script(send_body(dialog), headers)
            load.wrk(_url(server), script, args.warmup)
            httpx.get(hook + "/reset", timeout=30)
            before, tree_before, started = cpu_seconds(server.pid), tree_cpu_seconds(server.pid), time.monotonic()
            run = load.wrk(_url(server), script, args.seconds)
            elapsed = time.monotonic() - started
            cpu_us = (cpu_seconds(server.pid) - before) * 1e6 / max(1, run.requests)
            # with the delivery worker (a child process) besides the mock: what the machine paid in all
            tree_us = (tree_cpu_seconds(server.pid) - tree_before) * 1e6 / max(1, run.requests)
            stats = httpx.get(hook + "/stats", timeout=30).json()
            totals = httpx.get(server.base_url + "/_mockcc/webhooks/status", timeout=30).json()["totals"]
            return {
                "rps": run.rps,
                "p99_ms": run.p99_ms,
                "cpu_us": cpu_us,
                "cpu_us_with_worker": tree_us,
                "deliveries_per_s": stats["count"] / elapsed,
                "delay_p99_ms": stats["delay_ms"]["p99"] or 0.0,
                "backlog": totals["in_flight"] + totals.get("queued", 0),
            }


def _ceiling(tree: str, args: argparse.Namespace) -> Result:
    with _spawn(tree, ["-m", "tests.bench.ceiling"], "ready port=") as (proc, line, _):
        server = Server("ceiling", f"http://127.0.0.1:{line.split('=', 1)[1].strip()}", proc.pid, 0.0)
        _wait_http(server.base_url + "/health", 30)  # it prints its port before uvicorn listens
        body = send_body("00000000-0000-4000-8000-000000000000")
        run, cpu_us = _load(server, load.post_script(body, {"Authorization": "bench", "X-LP-ON-BEHALF": "bench"}), args)
        return {"rps": run.rps, "p99_ms": run.p99_ms, "cpu_us": cpu_us}


def _startup(tree: str) -> Result:
    with _mockcc(tree) as server:
        return {"startup_s": server.startup_s, "cpu_s": cpu_seconds(server.pid)}


def _fmt(value: float) -> str:
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def compare(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, list[Result]] = {tree: [] for tree in args.trees}
    with tempfile.TemporaryDirectory() as tmp:
        quiet = Path(tmp) / "quiet.json"
        quiet.write_text(json.dumps(QUIET))
        for n in range(args.rounds):
            for tree in args.trees if n % 2 == 0 else reversed(args.trees):
                if args.mode == "default":
                    result = _send(tree, args, [])
                elif args.mode == "none":
                    result = _send(tree, args, ["--config", str(quiet)])
                elif args.mode == "hooks":
                    result = _hooks(tree, args)
                elif args.mode == "ceiling":
                    result = _ceiling(tree, args)
                else:
                    result = _startup(tree)
                results[tree].append(result)
                print(f"  round {n + 1} {tree}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in result.items()), flush=True)
    medians = {tree: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for tree, runs in results.items()}
    first = medians[args.trees[0]]
    print(f"\nmedians of {args.rounds} ({args.mode}); ratio to {args.trees[0]}:")
    for tree, median in medians.items():
        shown = ", ".join(
            f"{k} {_fmt(v)} ({v / first[k]:.2f}x)" if first[k] else f"{k} {_fmt(v)}" for k, v in median.items()
        )
        print(f"  {tree}: {shown}")
    paired = paired_ratios(results, args.trees[0])
    for tree, ratios in paired.items():
        shown = ", ".join(f"{k} {_spread(v)}" for k, v in ratios.items())
        print(f"  {tree}, each round against {args.trees[0]}'s in the same round: {shown}")
    return {"mode": args.mode, "rounds": args.rounds, "medians": medians, "paired": paired, "runs": results}


def paired_ratios(results: dict[str, list[Result]], base: str) -> dict[str, dict[str, list[float]]]:
    """Per tree and figure, the ratio to ``base`` within each round: the two ran minutes apart at
    most, so a drift of the machine's speed over the whole comparison cancels out of each ratio."""
    return {
        tree: {k: [run[k] / ref[k] for run, ref in zip(runs, results[base], strict=True) if ref[k]] for k in runs[0]}
        for tree, runs in results.items()
        if tree != base
    }


def _spread(ratios: list[float]) -> str:
    if not ratios:
        return "-"
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.ab", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("mode", choices=["default", "none", "hooks", "startup", "ceiling"])
    parser.add_argument("trees", nargs="+", help="source trees (checkouts) to compare; the first is the baseline")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run (thrown away)")
    parser.add_argument("--json", type=Path, help="also write the runs and medians here")
    args = parser.parse_args(argv)
    if args.mode != "startup" and not load.have_wrk():
        parser.error("needs wrk (make bench installs it)")
    result = compare(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
