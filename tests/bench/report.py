"""The bench's one table, its notes and its JSON: figures from one run, read as ratios."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

JSON = dict[str, Any]


def machine() -> JSON:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    load = os.getloadavg()
    try:
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    except OSError:
        wrk = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "wrk": wrk.strip(),
    }


def _ratio(spread: JSON | None) -> str:
    if not spread:
        return "-"
    if spread["min"] == spread["max"]:
        return f"{spread['median']:.2f}x"
    return f"{spread['median']:.2f}x ({spread['min']:.2f}-{spread['max']:.2f})"


def _percent(median: float | None, spread: list[float] | None) -> str:
    if median is None:
        return "-"
    return f"{median:.0%}" + (f" ({spread[0]:.0%}-{spread[1]:.0%})" if spread and spread[0] != spread[1] else "")


def table(summary: list[JSON]) -> str:
    """Markdown: one row per server, medians over the rounds; each ratio is the median of the ratios
    taken within a round, with their spread (min-max) in brackets."""
    lines = [
        "| server | req/s | p50 ms | p99 ms | CPU us/request | vs ceiling | vs WireMock | vs Prism |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary:
        if row.get("rps") is None:
            lines.append(f"| {row['label']} | {row.get('skipped', 'not run')} | | | | | | |")
            continue
        cpu = f"{row['cpu_us']:.0f}" if row.get("cpu_us") is not None else "-"
        lines.append(
            f"| {row['label']} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {cpu} | "
            f"{_ratio(row.get('vs_ceiling'))} | {_ratio(row.get('vs_wiremock'))} | {_ratio(row.get('vs_prism'))} |"
        )
    return "\n".join(lines)


def rounds(anchor: JSON) -> str:
    """How the rounds went: the machine's load average around each, and warm-ups that never settled."""
    out = []
    for n, r in enumerate(anchor["rounds"], 1):
        unsettled = [k for k, row in r["rows"].items() if row.get("warm_stable") is False]
        line = f"- round {n}: load average {r['load_average'][0]} -> {r['load_average'][1]}"
        if unsettled:
            line += f"; never stable within the warm-up cap: {', '.join(unsettled)}"
        out.append(line)
    return "\n".join(out)


def facts(result: JSON) -> str:
    """The other figures, one per line."""
    out: list[str] = []
    machine = result.get("machine")
    if machine:
        line = (
            f"- machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}; load average "
            f"{'/'.join(map(str, machine['load_average_at_start']))} (1/5/15 min) at the start"
        )
        if "load_average_at_end" in result:
            line += f", {'/'.join(map(str, result['load_average_at_end']))} at the end"
        if "total_seconds" in result:
            phases = ", ".join(f"{name} {seconds:g} s" for name, seconds in result.get("phase_seconds", {}).items())
            line += f"; the run took {result['total_seconds']:g} s ({phases})"
        out.append(line)
    ceiling = next((row for row in result.get("rows", []) if row["key"] == "ceiling"), None)
    for row in result.get("rows", []):
        if row["key"].startswith("mockcc") and ceiling and row.get("cpu_vs_ceiling"):
            mine, theirs, spread = row["cpu_us"], ceiling["cpu_us"], row["cpu_vs_ceiling"]
            out.append(
                f"- CPU per SEND, {row['label']}: {mine:.0f} us, the ceiling's {theirs:.0f} us ({_ratio(spread)} "
                f"its CPU: {1 / spread['median']:.2f}x the ceiling's rate where both are CPU-bound)"
            )
    hooks = result.get("webhooks") or {}
    for key, label in HOOK_ROWS:
        if key in hooks:
            out.append(f"- webhooks (default seed, every event POSTed signed to a receiver on loopback), {label}: "
                       + hooks_line(hooks[key]))  # fmt: skip
    startup = {row["key"]: row["startup_s"] for row in result.get("rows", []) if row.get("startup_s") is not None}
    if startup:
        out.append(
            "- start-up to the first answered request (median of the rounds): "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in startup.items())
        )
    memory = result.get("memory")
    if memory:
        line = (
            f"- mockcc RSS (default seed, with its delivery worker): idle {memory['idle_mb']:.1f} MiB"
            + (f" ({memory['idle_server_mb']:.1f} the mock's own process)" if "idle_server_mb" in memory else "")
            + f", after load {memory['after_load_mb']:.1f} MiB ({memory['after_idle_mb']:.1f} MiB after 5 s idle)"
        )
        if "conversations" in memory:
            line += (
                f", at {memory['conversations']:,} open conversations {memory['at_scale_mb']:.1f} MiB: "
                f"{memory['per_conversation_kb']:.1f} KiB per open conversation"
            )
        out.append(line)
    sockets = result.get("consumer_socket")
    if sockets:
        sock, send = sockets["socket"], sockets["send"]
        out.append(
            f"- consumer socket PublishEvent round trip (`agent: none`, {sockets['client']}): "
            f"{sock['rps']:,.0f}/s, p50 {sock['p50_ms']:.1f} ms, p99 {sock['p99_ms']:.1f} ms, "
            f"{sock['cpu_us_per_request']:.0f} us of mockcc CPU each; SEND with the same client "
            f"{send['rps']:,.0f}/s, p50 {send['p50_ms']:.1f} ms, p99 {send['p99_ms']:.1f} ms, "
            f"{send['cpu_us_per_request']:.0f} us each ({sockets['socket_vs_send']:.2f}x SEND's rate)"
        )
    brand = result.get("sockets")
    if brand:
        idle, busy = brand["idle"], brand["busy"]
        out.append(
            f"- brand sockets: {idle['sockets']:,} idle, {idle['rss_per_socket_kb']:.1f} KiB RSS each; consumer SEND "
            f"-> socket agent notification with {busy['conversations']} busy conversations: p50 {busy['p50_ms']:.1f} "
            f"ms, p99 {busy['p99_ms']:.1f} ms (goal <= 20 ms); {busy['server_cpu_us_per_notification']:.0f} us of "
            f"mockcc CPU per socket notification (SEND with {busy['followers']} sockets following "
            f"{busy['server_cpu_us_per_send']:.0f} us, with none {busy['server_cpu_us_per_send_unfollowed']:.0f} us); "
            f"load average {busy['load_average']}"
        )
    scale = result.get("scale")
    if scale:
        out.append(
            "- opening conversations (IdP + CONVERSATION per consumer): "
            f"first chunk {scale['first_chunk_per_s']:,.0f}/s, "
            f"last chunk {scale['last_chunk_per_s']:,.0f}/s; SEND at {scale['conversations']:,} open "
            f"{scale['send']['rps']:,.0f} req/s, p99 {scale['send']['p99_ms']:.1f} ms; against a fresh mock "
            f"measured alternately {_percent(scale.get('send_vs_one_conversation'), scale.get('send_vs_one_spread'))}"
        )
    population = result.get("population")
    if population:
        out.append(
            f"- populated: {population['conversations']:,} conversations, {population['events']:,} events "
            f"(opened in {population['open_s']} s, SENT at {population['sends_per_s']:,}/s); RSS "
            f"{population['rss_idle_mb']} -> {population['rss_populated_mb']} MiB; queries (median / worst wall "
            "ms, server CPU ms per call): "
            + "; ".join(
                f"{label} {q['median_ms']} / {q['worst_ms']} ms, CPU {q['cpu_ms']} ms"
                for label, q in population["queries"].items()
            )
        )
    return "\n".join(out)


#: The webhooks phase's two loads (tests/bench/__main__.py).
HOOK_ROWS = (
    ("steady", "SEND held at the goal's load"),
    ("full_rate", "SEND at full rate"),
)


def hooks_line(row: dict[str, Any]) -> str:
    """One webhooks load: deliveries/s, SEND's rate and p99, the delivery delay, the backlog, CPU."""
    send, delay = row["send"], row["delay_ms"]
    return (
        f"{row['deliveries_per_s']:,.0f} deliveries/s while SEND ran at {send['rps']:,.0f} req/s "
        f"(p99 {send['p99_ms']:.1f} ms); SEND-to-delivery delay p50 {delay['p50']} ms, p99 {delay['p99']} ms; "
        f"{row['backlog_at_end']:,} still queued when the load stopped; CPU: the mock "
        f"{row['mock_cpu_us_per_send']:.0f} us per SEND with its deliveries' bookkeeping, the delivery worker "
        f"{row['worker_cpu_us_per_delivery']:.0f} us per delivery"
    )
