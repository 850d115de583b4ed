"""Run contracts one after another against a harness and collect verdicts (with evidence on failure).

Each contract gets its own state (``Harness.begin``: a reset, a fresh epoch of the journal) and its
own slice of the connector's output. A contract whose prerequisite (``requires``, or a step it
``needs``) failed earlier in the run is BLOCKED, not FAIL: one root cause, one failure. With
``fail_fast`` the run stops after the first MUST that failed; the rest are reported as not run.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Protocol

from mockcc_contracts.contract import Contract
from mockcc_contracts.harness import Harness
from mockcc_contracts.report import Report, Result, coverage
from mockcc_contracts.verdict import Blocked, Failed, NotApplicable

Progress = Callable[[str], None]
BROKEN = ("fail", "error", "blocked")


class Output(Protocol):
    """The connector's output lines, numbered: a contract keeps the lines printed while it ran."""

    def mark(self) -> int: ...

    def since(self, mark: int) -> list[str]: ...


def _blocked(c: Contract, prerequisite: str, reason: str) -> Result:
    return Result(c.id, c.level, c.title, c.description, "blocked", 0.0, reason, blocked_by=prerequisite)


def run_one(h: Harness, c: Contract, alive: Callable[[], bool] = lambda: True, output: Output | None = None) -> Result:
    """One contract: its verdict, and on failure what the mock, the channel and the connector said."""
    failed_before = next((need for need in c.requires if h.verdicts.get(need) in BROKEN), None)
    if failed_before is not None:
        h.verdicts[c.id] = "blocked"
        return _blocked(c, failed_before, f"blocked by {failed_before}, which did not pass (not run)")
    out_mark = output.mark() if output is not None else 0
    started = time.monotonic()
    outcome, reason, blocked_by = "pass", "", ""
    evidence: list[str] = []
    setup: list[str] = []
    since_delivery = 0
    try:
        h.begin(c.id, c.level)
        since_delivery = h.delivery_mark()
        with h.clean():
            c.check(h)
    except Blocked as blocked:
        reason, evidence = blocked.reason, list(blocked.evidence)
        if h.verdicts.get(blocked.prerequisite) in BROKEN:
            outcome, blocked_by = "blocked", blocked.prerequisite
            reason = f"blocked by {blocked.prerequisite}: {reason}"
        else:
            outcome = "fail"
    except Failed as failed:
        outcome, reason, evidence = "fail", failed.reason, list(failed.evidence)
    except NotApplicable as na:
        outcome, reason = "skip", str(na)
    except Exception as exc:  # a broken connector must not stop the run: the contract errs, the next runs
        outcome, reason = "error", f"{type(exc).__name__}: {exc}"
        evidence = traceback.format_exception_only(exc)
    if not alive():
        outcome, reason = "error", (reason + "; " if reason else "") + "the connector process exited"
    if outcome in ("fail", "error", "blocked"):
        try:
            setup, seen = h.evidence(since_delivery)
            evidence += [line for line in seen if line not in evidence]  # the check may have quoted some already
        except Exception as exc:
            evidence.append(f"(evidence unavailable: {exc})")
    h.verdicts[c.id] = outcome
    return Result(
        c.id,
        c.level,
        c.title,
        c.description,
        outcome,
        round(time.monotonic() - started, 2),
        reason,
        evidence,
        setup=setup,
        output=output.since(out_mark) if output is not None else [],
        blocked_by=blocked_by,
    )


def not_run(c: Contract, reason: str, outcome: str = "skip") -> Result:
    return Result(c.id, c.level, c.title, c.description, outcome, 0.0, reason)


def run_suite(
    h: Harness,
    contracts: list[Contract],
    *,
    progress: Progress = lambda line: None,
    alive: Callable[[], bool] = lambda: True,
    output: Output | None = None,
    fail_fast: bool = False,
    strict: bool = False,
) -> Report:
    """Every contract in order; progress lines as they finish; the report with what the run covered."""
    started = time.monotonic()
    results: list[Result] = []
    for i, c in enumerate(contracts, 1):
        progress(f"[{i}/{len(contracts)}] {c.id} {c.title} ...")
        result = run_one(h, c, alive, output)
        results.append(result)
        why = f" - {result.reason}" if result.reason else ""
        progress(f"[{i}/{len(contracts)}] {c.id} {result.outcome.upper()} ({result.seconds:.1f}s){why}")
        if not alive():
            results += [not_run(rest, "the connector process exited", "error") for rest in contracts[i:]]
            break
        if fail_fast and result.level == "MUST" and result.outcome in ("fail", "error"):
            results += [not_run(rest, f"not run: --fail-fast stopped after {c.id} failed") for rest in contracts[i:]]
            break
    h.current = None
    h.collect()
    return Report(results, coverage(h), round(time.monotonic() - started, 2), strict=strict)
