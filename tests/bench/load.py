"""Load from ``wrk`` (Debian package; a C client, so the server is what gets measured).

One thread, keep-alive connections, a warm-up run that is thrown away, then the measured run.
Latency percentiles come from wrk's ``--latency`` distribution.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

CONNECTIONS = 32

_POST = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{headers}
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Run:
    """One measured wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    seconds: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not found:
        return float("nan")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse(out: str, seconds: float) -> Run:
    """The figures of wrk's ``--latency`` output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Run(
        rps=float(rate.group(1)) if rate else 0.0,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
        requests=int(total.group(1)) if total else 0,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
        seconds=seconds,
    )


def post_script(body: str, headers: dict[str, str]) -> str:
    lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    return _POST.format(body=json.dumps(body), headers=lines)


_ROTATE = """
local requests, turn = {{}}, 0
init = function(args)
{requests}
end
request = function()
  turn = turn % #requests + 1
  return requests[turn]
end
"""


def rotating_post_script(posts: list[tuple[str, dict[str, str]]]) -> str:
    """POSTs of ``(body, headers)`` taken in turn, one per request (wrk formats each once, at start)."""

    def lua_table(headers: dict[str, str]) -> str:
        pairs = {"Content-Type": "application/json", **headers}
        return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in pairs.items()) + "}"

    lines = "\n".join(
        f'  requests[{i}] = wrk.format("POST", nil, {lua_table(headers)}, {json.dumps(body)})'
        for i, (body, headers) in enumerate(posts, 1)
    )
    return _ROTATE.format(requests=lines)


def paced(script: str, rate: float, url: str, connections: int = CONNECTIONS) -> str:
    """``script`` held near ``rate`` requests/s: each connection waits before its next request (wrk's
    ``delay()``). A request's own time is part of each connection's cycle, so the wait is calibrated in
    up to three 2 s runs (thrown away: they double as warm-up) until one lands within 5 %; the caller
    reports the rate reached, not the rate asked for."""

    def at(wait_ms: float) -> str:
        return script + f"\ndelay = function() return {wait_ms:.3f} end\n"

    cycle_ms = connections * 1000 / rate  # each connection's time per request at ``rate``
    wait_ms = cycle_ms
    for _ in range(3):
        reached = wrk(url, at(wait_ms), 2.0, connections).rps
        if not reached or abs(reached - rate) <= 0.05 * rate:
            break
        own_ms = connections * 1000 / reached - wait_ms  # what a request adds to its connection's cycle
        wait_ms = max(0.0, cycle_ms - own_ms)
    return at(wait_ms)


def wrk(url: str, script: str, seconds: float, connections: int = CONNECTIONS) -> Run:
    """One wrk run of ``seconds`` with ``script`` (Lua)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "load.lua"
        path.write_text(script)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(path), url],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 120,
        ).stdout
    return parse(out, seconds)


def measure(url: str, script: str, warmup: float, seconds: float) -> Run:
    """Warm up (thrown away), then measure."""
    if warmup > 0:
        wrk(url, script, warmup)
    return wrk(url, script, seconds)


WINDOW = 2.0  # seconds per warm-up window (at least two per server and round: 3 s made the run 8+ minutes)
STABLE = 0.05  # two consecutive windows within this fraction of each other: warm


@dataclass
class Warmup:
    """How a server was warmed: each window's rate, and whether the last two agreed."""

    rates: list[float]
    stable: bool

    @property
    def seconds(self) -> float:
        return len(self.rates) * WINDOW


def warm(url: str, script: str, most: float, window: float = WINDOW, tolerance: float = STABLE) -> Warmup:
    """Load in ``window``-second runs until two consecutive rates are within ``tolerance`` (a JIT has
    settled, caches are full), or ``most`` seconds have gone; those runs are thrown away."""
    rates: list[float] = []
    while len(rates) * window < most:
        rates.append(wrk(url, script, window).rps)
        if len(rates) >= 2 and abs(rates[-1] - rates[-2]) <= tolerance * max(rates[-1], rates[-2]):
            return Warmup(rates, True)
    return Warmup(rates, not most)


# Opening many conversations: each consumer needs a ConsumerJWS from the IdP, then a CONVERSATION
# call with it. One Lua state interleaves both: IdP answers feed a stack of tokens, and a token
# waiting is always spent first. The caller stops wrk (SIGINT) once the mock holds enough.
_OPEN = """
local app = {app}
local idp = {idp}
local conv = {conv}
local body = {body}
local prefix = {prefix}
local tokens = {{}}
local asked = 0
request = function()
  if #tokens > 0 then
    local jws = table.remove(tokens)
    return wrk.format("POST", conv, {{["Authorization"] = app, ["X-LP-ON-BEHALF"] = jws,
      ["Content-Type"] = "application/json"}}, body)
  end
  asked = asked + 1
  return wrk.format("POST", idp, {{["Authorization"] = app, ["Content-Type"] = "application/json"}},
    '{{"ext_consumer_id":"' .. prefix .. asked .. '"}}')
end
response = function(status, headers, body)
  local jws = body:match('"token"%s*:%s*"([^"]+)"')
  if jws then table.insert(tokens, jws) end
end
"""


def open_script(account: str, app_jwt: str, prefix: str) -> str:
    """Lua that opens conversations for new consumers ``prefix1``, ``prefix2``, ... until stopped."""
    conversation = [
        {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
        {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": account}},
    ]
    return _OPEN.format(
        app=json.dumps(app_jwt),
        idp=json.dumps(f"/api/account/{account}/consumer?v=1.0"),
        conv=json.dumps(f"/api/account/{account}/messaging/consumer/conversation?v=3"),
        body=json.dumps(json.dumps(conversation)),
        prefix=json.dumps(prefix),
    )


def python_load(url: str, body: str, headers: dict[str, str], seconds: float, connections: int = 4) -> Run:
    """Without wrk (the smoke run in ``make test``): a small httpx client; its own cost caps the figure."""
    import asyncio
    import statistics

    import httpx

    latencies: list[float] = []
    failures = 0

    async def worker(http: httpx.AsyncClient, stop: float) -> None:
        nonlocal failures
        while time.monotonic() < stop:
            started = time.perf_counter()
            r = await http.post(url, content=body, headers={**headers, "content-type": "application/json"})
            latencies.append((time.perf_counter() - started) * 1000)
            failures += r.status_code >= 300

    async def run() -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            stop = time.monotonic() + seconds
            await asyncio.gather(*(worker(http, stop) for _ in range(connections)))

    asyncio.run(run())
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    return Run(len(latencies) / seconds, q[49], q[98], len(latencies), failures, 0, seconds)


def open_conversations(base_url: str, script: str, done: Callable[[], bool], timeout: float = 600) -> None:
    """Run ``script`` under wrk until ``done()`` says the conversations are there, then stop wrk."""
    run_until(base_url, script, done, timeout)


def run_until(base_url: str, script: str, done: Callable[[], bool], timeout: float = 1800) -> None:
    """Run ``script`` (Lua) under wrk until ``done()``, polled every 0.1 s, then stop wrk."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "load.lua"
        path.write_text(script)
        proc = subprocess.Popen(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{int(timeout)}s", "-s", str(path), base_url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + timeout
            while not done() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
