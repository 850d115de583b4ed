"""Run contracts one after another against a harness and collect results (with evidence on failure)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from mockcc_contracts.contract import Contract, Failed, NotApplicable
from mockcc_contracts.harness import Harness
from mockcc_contracts.report import Report, Result, coverage

Progress = Callable[[str], None]


def run_one(h: Harness, c: Contract, alive: Callable[[], bool] = lambda: True) -> Result:
    """One contract: its verdict, and on failure what the mock and the channel saw while it ran."""
    h.used = []
    since_call, since_delivery = h.mark(), h.delivery_mark()
    started = time.monotonic()
    outcome, reason, evidence = "pass", "", []
    try:
        with h.clean():
            c.check(h)
    except Failed as failed:
        outcome, reason, evidence = "fail", failed.reason, list(failed.evidence)
    except NotApplicable as na:
        outcome, reason = "skip", str(na)
    except Exception as exc:  # a broken connector must not stop the run: the contract errs, the next runs
        outcome, reason = "error", f"{type(exc).__name__}: {exc}"
        evidence = traceback.format_exception_only(exc)
    if not alive():
        outcome, reason = "error", (reason + "; " if reason else "") + "the connector process exited"
    if outcome in ("fail", "error"):
        try:
            evidence += h.evidence(since_call, since_delivery, h.used)
        except Exception as exc:
            evidence.append(f"(evidence unavailable: {exc})")
    return Result(
        c.id, c.level, c.title, c.description, outcome, round(time.monotonic() - started, 2), reason, evidence
    )


def run_suite(
    h: Harness,
    contracts: list[Contract],
    *,
    progress: Progress = lambda line: None,
    alive: Callable[[], bool] = lambda: True,
) -> Report:
    """Every contract in order; progress lines as they finish; the report with what the run covered."""
    started = time.monotonic()
    results = []
    for i, c in enumerate(contracts, 1):
        progress(f"[{i}/{len(contracts)}] {c.id} {c.title} ...")
        result = run_one(h, c, alive)
        results.append(result)
        why = f" - {result.reason}" if result.reason else ""
        progress(f"[{i}/{len(contracts)}] {c.id} {result.outcome.upper()} ({result.seconds:.1f}s){why}")
        if not alive():
            for rest in contracts[i:]:
                results.append(
                    Result(
                        rest.id,
                        rest.level,
                        rest.title,
                        rest.description,
                        "error",
                        0.0,
                        "the connector process exited",
                        [],
                    )
                )
            break
    h.collect()
    return Report(results, coverage(h), round(time.monotonic() - started, 2))
