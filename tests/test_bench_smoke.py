"""The bench harness works (`make bench` itself stays out of `make test`): wrk's output is read right,
the table carries the ratios, and a tiny run of the harness starts its servers and writes its JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import anchor, load, report

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


def _round(ceiling: float, mockcc: float, wiremock: float, prism: float) -> dict:
    rates = {"ceiling": ceiling, "mockcc": mockcc, "wiremock": wiremock, "prism": prism}
    rows = {
        k: {"rps": v, "p50_ms": 1.0, "p99_ms": 2.0, "cpu_us": 1e6 / v, "warm_stable": True} for k, v in rates.items()
    }
    return {"load_average": [1.0, 1.0], "rows": rows}


def test_ratios_are_taken_within_a_round_then_their_median_and_spread_shown():
    found = [anchor.Contender(k, k, lambda _: None) for k in ("ceiling", "mockcc", "wiremock", "prism")]  # type: ignore[arg-type, return-value]
    rounds = [_round(10_000, 6_000, 5_000, 1_500), _round(5_000, 2_000, 2_000, 1_000), _round(8_000, 4_000, 1_000, 800)]
    summary = anchor.summarise(found, rounds)
    mockcc = summary[1]
    assert mockcc["rps"] == 4_000  # the median rate
    assert mockcc["vs_ceiling"] == {"median": 0.5, "min": 0.4, "max": 0.6}  # 0.6, 0.4, 0.5: per round
    assert mockcc["vs_wiremock"]["median"] == pytest.approx(1.2)  # 1.2, 1.0, 4.0
    assert mockcc["cpu_vs_ceiling"]["median"] == pytest.approx(2.0)
    row = report.table(summary).splitlines()[3]
    assert row == "| mockcc | 4,000 | 1.0 | 2.0 | 250 | 0.50x (0.40-0.60) | 1.20x (1.00-4.00) | 4.00x (2.00-5.00) |"


def test_warming_stops_once_two_windows_agree(monkeypatch: pytest.MonkeyPatch):
    rates = iter([3_000.0, 5_000.0, 6_900.0, 7_000.0, 7_100.0])
    monkeypatch.setattr(load, "wrk", lambda *a, **k: load.Run(next(rates), 1, 2, 1, 0, 0, 3))
    warmed = load.warm("http://x", "", most=60)
    assert warmed.rates == [3_000.0, 5_000.0, 6_900.0, 7_000.0]
    assert warmed.stable
    rates = iter([1_000.0, 2_000.0, 3_000.0])
    assert load.warm("http://x", "", most=3 * load.WINDOW).stable is False  # never settled within the cap: marked so


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
    assert all(row["requests"] > 0 for row in result["anchor"]["rounds"][0]["rows"].values())
    assert all(row["startup_s"] > 0 for row in result["rows"])
    assert result["memory"]["idle_mb"] > 0
    assert len(result["anchor"]["rounds"]) == 1
    sockets = result["consumer_socket"]
    assert sockets["socket"]["requests"] > 0
    assert sockets["socket"]["failures"] == 0
    assert sockets["send"]["requests"] > 0
    assert "consumer socket PublishEvent round trip" in done.stdout


def test_the_in_process_notification_harness_measures_what_the_followers_add() -> None:
    """``make bench``'s in-process figure: the same publishes with and without sockets following (no timing
    asserted: only that the harness runs and measures both sides; a follower that missed a notification
    would leave the harness waiting on its outbox, and the test's time-out would fail it)."""
    from tests.bench.sockets import in_process

    mine = in_process(followers=3, publishes=200)
    assert mine["followers"] == 3
    assert mine["us_per_publish_followed"] > 0
    assert mine["us_per_publish_unfollowed"] > 0


def test_ab_reads_each_round_against_the_base_trees_run_in_that_round() -> None:
    """A machine twice as fast in round 2 moves both trees alike: the paired ratio stays put."""
    from tests.bench.ab import paired_ratios

    runs = {"old": [{"cpu_us": 100.0}, {"cpu_us": 50.0}], "new": [{"cpu_us": 90.0}, {"cpu_us": 45.0}]}
    assert paired_ratios(runs, "old") == {"new": {"cpu_us": [0.9, 0.9]}}
