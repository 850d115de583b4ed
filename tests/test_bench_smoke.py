"""The bench harness works (`make bench` itself stays out of `make test`): wrk's output is read right,
the table carries the ratios, and a tiny run of the harness starts its servers and writes its JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import load, report

WRK_OUT = """Running 10s test @ http://127.0.0.1:1/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.40ms  300.00us  12.00ms   90.00%
  Latency Distribution
     50%    2.31ms
     75%    2.50ms
     90%    2.80ms
     99%    1.20s
  131072 requests in 10.00s, 20.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  13107.20
"""


def test_wrk_output_is_read_in_milliseconds():
    run = load.parse(WRK_OUT, 10)
    assert run.rps == 13107.2
    assert run.p50_ms == pytest.approx(2.31)
    assert run.p99_ms == pytest.approx(1200.0)
    assert run.requests == 131072
    assert run.non_2xx == 7
    assert run.socket_errors == 3


def test_the_table_gives_each_row_its_ratios_to_the_anchors():
    rows = [
        {"key": "ceiling", "label": "ceiling", "rps": 10_000.0, "p50_ms": 1.0, "p99_ms": 2.0},
        {"key": "mockcc", "label": "mockcc", "rps": 6_000.0, "p50_ms": 2.0, "p99_ms": 5.0},
        {"key": "wiremock", "label": "WireMock", "rps": 5_000.0, "p50_ms": 3.0, "p99_ms": 9.0},
        {"key": "prism", "label": "Prism", "rps": 1_500.0, "p50_ms": 9.0, "p99_ms": 30.0},
    ]
    mockcc_row = report.table(rows).splitlines()[3]
    assert mockcc_row == "| mockcc | 6,000 | 2.0 | 5.0 | 0.60x | 1.20x | 4.00x |"


@pytest.mark.live
@pytest.mark.timeout(200)
def test_a_tiny_run_of_the_harness_writes_its_table_and_json(tmp_path: Path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "| mockcc SEND, default seed (echo agent) |" in done.stdout
    result = json.loads(out.read_text())
    keys = [row["key"] for row in result["rows"]]
    assert keys == ["ceiling", "mockcc", "mockcc_none"]
    assert all(row["requests"] > 0 for row in result["rows"])
    assert result["memory"]["idle_mb"] > 0
    sockets = result["consumer_socket"]
    assert sockets["socket"]["requests"] > 0
    assert sockets["socket"]["failures"] == 0
    assert sockets["send"]["requests"] > 0
    assert "consumer socket PublishEvent round trip" in done.stdout
    assert set(result["startup_s"]) == {"mockcc (default seed)", "mockcc (agent: none)"}
