"""The fair anchor: every server warmed until its rate is stable, one after another, the whole
comparison repeated; ratios are taken within a round and reported as their median and spread.

WireMock's JIT needs far longer than a fixed 5 s warm-up to settle (its rate moved 5.0-7.4k between
runs warmed that long), so each server is loaded in 2 s windows until two consecutive windows agree
within 5 % (at most ``warm_most`` seconds; a server that never settles is marked so). Then one measured
run, with the server's CPU time per request from /proc (its whole process tree): on a shared machine
that figure moves far less with the neighbours than req/s does. The rounds alternate the order of the
servers, so none always runs first or last.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench import load, servers
from tests.bench.client import ACCOUNT, QUIET, consumer, send_body
from tests.bench.servers import TOOLS, Server, tree_cpu_seconds

JSON = dict[str, Any]
ANCHORS = ("ceiling", "wiremock", "prism")
_CANNED_HEADERS = {"Authorization": "bench", "X-LP-ON-BEHALF": "bench"}


@dataclass(frozen=True)
class Contender:
    """One server of the comparison: how to start it and what to send it."""

    key: str
    label: str
    start: Callable[[Path], AbstractContextManager[Server]]
    mockcc: bool = False  # needs a consumer and a conversation first (real tokens, real dialog)
    every_round: bool = True  # False: measured in the first round only (a row no goal is read from)


def contenders(smoke: bool) -> list[Contender]:
    def quiet(workdir: Path) -> AbstractContextManager[Server]:
        config = workdir / "quiet.json"
        config.write_text(json.dumps(QUIET))
        return servers.mockcc("--config", str(config))

    found = [
        Contender(
            "ceiling",
            "bare Starlette + uvicorn + jsonschema-rs, validated SEND (the ceiling)",
            lambda _: servers.python_server("tests.bench.ceiling", "ceiling"),
        ),
        Contender("mockcc", "mockcc SEND, default seed (echo agent)", lambda _: servers.mockcc(), mockcc=True),
        Contender(
            "mockcc_none", "mockcc SEND, `agent: none` (first round only)", quiet, mockcc=True, every_round=False
        ),
    ]
    if not smoke:
        found.append(
            Contender(
                "ceiling_mockcc_protocol",
                "the ceiling's app on mockcc's HTTP protocol instead of uvicorn's (first round only)",
                lambda _: servers.python_server(
                    "tests.bench.ceiling", "ceiling_mockcc_protocol", args=("--mockcc-protocol",)
                ),
                every_round=False,
            )
        )
    if not smoke and (TOOLS / "wiremock").exists() and (TOOLS / "prism").exists():
        found += [
            Contender(
                "wiremock",
                "WireMock 3.13 standalone, canned SEND stub",
                lambda d: servers.wiremock(d / "wiremock", ACCOUNT),
            ),
            Contender(
                "prism", "Prism 5.16, SEND with request validation", lambda d: servers.prism(d / "prism", ACCOUNT)
            ),
        ]
    return found


def _url(server: Server) -> str:
    return server.base_url + servers.SEND_PATH.format(account=ACCOUNT) + "?v=3"


def run_one(contender: Contender, workdir: Path, seconds: float, warm_most: float) -> JSON:
    """Start one server, warm it until stable, measure it once; its figures and CPU per request."""
    with contender.start(workdir) as server:
        if contender.mockcc:
            headers, dialog = consumer(server, "bench-send")
            body = send_body(dialog)
        else:
            headers, body = _CANNED_HEADERS, send_body("00000000-0000-4000-8000-000000000000")
        url = _url(server)
        if not load.have_wrk():  # the smoke run without wrk: the small Python client, no warm-up
            run = load.python_load(url, body, headers, seconds)
            return {"key": contender.key, "startup_s": server.startup_s, **run.as_dict()}
        script = load.post_script(body, headers)
        warmup = load.warm(url, script, warm_most)
        cpu_before = tree_cpu_seconds(server.pid)
        run = load.wrk(url, script, seconds)
        cpu_us = (tree_cpu_seconds(server.pid) - cpu_before) * 1e6 / max(1, run.requests)
        return {
            "key": contender.key,
            "startup_s": server.startup_s,
            "warmup_rates": [round(r) for r in warmup.rates],
            "warm_stable": warmup.stable,
            "cpu_us": cpu_us,
            **run.as_dict(),
        }


def _order(items: list[Contender], n: int) -> Iterator[Contender]:
    """Round ``n``'s servers: every one in the first round, then those measured every round; the order
    alternates, so none always runs first or last."""
    picked = [c for c in items if n == 0 or c.every_round]
    return iter(picked if n % 2 == 0 else reversed(picked))


def compare(rounds: int, seconds: float, warm_most: float, smoke: bool = False) -> JSON:
    """``rounds`` rounds of every contender; each round's rows, then medians and spreads."""
    found = contenders(smoke)
    per_round: list[JSON] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            load_before = round(os.getloadavg()[0], 2)
            rows = {}
            for contender in _order(found, n):
                row = run_one(contender, Path(tmp), seconds, warm_most)
                rows[contender.key] = row
                warm = (
                    f", warmed {len(row['warmup_rates']) * load.WINDOW:g} s"
                    f"{'' if row['warm_stable'] else ' (never stable)'}"
                    if "warmup_rates" in row
                    else ""
                )
                cpu = f", CPU {row['cpu_us']:.0f} us/request" if "cpu_us" in row else ""
                shown = f"{row['rps']:,.0f} req/s, p99 {row['p99_ms']:.1f} ms{cpu}{warm}"
                print(f"  round {n + 1} {contender.key}: {shown}", flush=True)
            per_round.append({"load_average": [load_before, round(os.getloadavg()[0], 2)], "rows": rows})
    return {"rounds": per_round, "summary": summarise(found, per_round)}


def _spread(values: list[float]) -> JSON:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(found: list[Contender], per_round: list[JSON]) -> list[JSON]:
    """Per contender: median req/s, p50, p99 and CPU per request; each ratio to an anchor taken within
    a round (both measured minutes apart on the same machine), then its median, min and max."""
    out = []
    for contender in found:
        rows = [r["rows"][contender.key] for r in per_round if contender.key in r["rows"]]
        entry: JSON = {"key": contender.key, "label": contender.label, "rounds": len(rows)}
        for field in ("rps", "p50_ms", "p99_ms", "cpu_us", "startup_s"):
            if all(field in row for row in rows):
                entry[field] = statistics.median(row[field] for row in rows)
        entry["never_stable"] = sum(1 for row in rows if row.get("warm_stable") is False)
        for anchor in ANCHORS:
            ratios = [
                r["rows"][contender.key]["rps"] / r["rows"][anchor]["rps"]
                for r in per_round
                if anchor in r["rows"] and contender.key in r["rows"] and r["rows"][anchor]["rps"]
            ]
            if ratios:
                entry[f"vs_{anchor}"] = _spread(ratios)
        cpu_ratios = [
            r["rows"][contender.key]["cpu_us"] / r["rows"]["ceiling"]["cpu_us"]
            for r in per_round
            if r["rows"].get("ceiling", {}).get("cpu_us") and "cpu_us" in r["rows"].get(contender.key, {})
        ]
        if cpu_ratios:
            entry["cpu_vs_ceiling"] = _spread(cpu_ratios)
        out.append(entry)
    return out
