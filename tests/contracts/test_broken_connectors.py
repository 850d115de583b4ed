"""The catalogue of broken connectors: each fails exactly the contracts that catch its bug, with evidence.

Each case is the reference connector with one bug a brand could ship (``broken_connector.py``), run by
``mockcc contract`` in its own processes (suite, mock, connector) and limited with ``--only`` to the
contracts that catch it plus one it must still pass. The cases run in parallel (MOCKCC_CATALOGUE_JOBS,
default 3), started together when the first one is needed. ``make test`` runs the CORE cases (the
three false passes of issue 18 and one per area); ``make catalogue`` runs them all. The matrix of
bug -> contracts is docs/contracts-matrix.md; ``test_every_contract_is_caught`` keeps the two true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockcc_contracts.catalogue import all_contracts
from tests.contracts.broken_connector import FLAWS
from tests.contracts.conftest import connector_cmd

MATRIX = Path(__file__).resolve().parents[2] / "docs" / "contracts-matrix.md"
ALL = os.environ.get("MOCKCC_CATALOGUE") == "all"
JOBS = int(os.environ.get("MOCKCC_CATALOGUE_JOBS", "3"))


@dataclass(frozen=True)
class Case:
    flaw: str
    failing: frozenset[str]  # the contracts that must fail
    passing: frozenset[str] = frozenset()  # run too, and must pass
    core: bool = False  # in make test (else only make catalogue)


def case(flaw: str, failing: str, passing: str = "", *, core: bool = False) -> Case:
    return Case(flaw, frozenset(failing.split()), frozenset(passing.split()), core)


CASES = [
    # the three false passes of issue 18
    case("silent-drop-on-5xx", "LP-RES-002 LP-RES-003 LP-RES-005", "LP-RES-001", core=True),
    case("retry-forever-on-5xx", "LP-RES-002", "LP-RES-005", core=True),
    case("500-on-unknown-types", "LP-HOOK-008", "LP-HOOK-006", core=True),
    # tokens
    case("new-app-jwt-every-request", "LP-AUTH-001 LP-AUTH-006", "LP-AUTH-004"),
    case("never-renews-app-jwt", "LP-AUTH-002 LP-AUTH-003", "LP-AUTH-001", core=True),
    case("renewal-per-request", "LP-AUTH-006", "LP-AUTH-001"),
    case("consumer-jws-every-message", "LP-AUTH-004", "LP-CONV-001"),
    case("any-401-renews-app-jwt", "LP-AUTH-005", "LP-AUTH-003"),
    # retries
    case("no-backoff-on-429", "LP-RES-001", "LP-CONV-001"),
    case("gives-up-on-network-errors", "LP-RES-005", "LP-RES-003"),
    case("tells-then-keeps-retrying", "LP-RES-002 LP-RES-003", "LP-CONV-001"),
    case("retries-4xx", "LP-RES-003", "LP-RES-001"),
    case("short-timeout-resends", "LP-RES-006", "LP-RES-005"),
    # ordering, duplicates
    case("concurrent-sends", "LP-CONV-007", "LP-CONV-002", core=True),
    case("no-reordering", "LP-HOOK-005", "LP-HOOK-004"),
    case("duplicates-shown", "LP-HOOK-004", "LP-HOOK-005"),
    case("dedupe-before-signature-check", "LP-RES-004", "LP-HOOK-004"),
    # signatures and answers
    case("no-signature-check", "LP-HOOK-002 LP-HOOK-003", "LP-AGENT-001", core=True),
    case("sha1-base64-only", "LP-HOOK-009", "LP-HOOK-002"),
    case("slow-webhooks", "LP-HOOK-001", "LP-CONV-001", core=True),
    case("404-for-unknown-conversations", "LP-HOOK-006", "LP-HOOK-007"),
    case("private-notes-forwarded", "LP-HOOK-007", "LP-AGENT-001"),
    case("stale-changes-applied", "LP-HOOK-010", "LP-AGENT-004"),
    # content
    case("truncates-long-messages", "LP-CONT-001", "LP-CONT-002"),
    case("strips-emoji", "LP-CONT-002", "LP-AGENT-001", core=True),
    case("html-escaped-agent-text", "LP-AGENT-001", "LP-CONV-001"),
    case("text-only", "LP-AGENT-002 LP-AGENT-007", "LP-AGENT-001", core=True),
    case("quick-replies-lost", "LP-AGENT-008", "LP-AGENT-001"),
    # conversations and their lifecycle
    case("conversation-for-another-brand", "LP-CONV-001", "LP-DISC-001"),
    case("send-api-host-hard-coded", "LP-DISC-001 LP-RUN-001"),
    case("keeps-closed-conversation", "LP-CONV-003", "LP-CONV-001", core=True),
    case("conversation-per-message", "LP-CONV-002", "LP-CONV-001"),
    case("consumer-close-ignored", "LP-CONV-004", "LP-CONV-001"),
    case("forgets-on-restart", "LP-CONV-008", "LP-CONV-001"),
    case("closed-not-forwarded", "LP-AGENT-003", "LP-AGENT-001"),
    case("transfer-shown-as-close", "LP-AGENT-004", "LP-AGENT-003"),
    case("resumed-conversation-unknown", "LP-AGENT-005", "LP-AGENT-003"),
    case("managers-shown-as-agents", "LP-AGENT-006", "LP-AGENT-001"),
    # receipts and typing
    case("no-receipts", "LP-CONV-006", "LP-AGENT-001"),
    case("receipts-with-string-sequences", "LP-CONV-006 LP-RUN-001", "LP-AGENT-001"),
    case("agent-receipts-dropped", "LP-AGENT-010", "LP-CONV-006"),
    case("ignores-chat-states", "LP-CONV-005 LP-AGENT-009", "LP-AGENT-010"),
    case("no-typing-no-receipts", "LP-CONV-005 LP-CONV-006", "LP-AGENT-001"),
    # the channel protocol (its detailed evidence: test_channel_protocol.py)
    case("channel-field-names-guessed", "LP-AGENT-001 LP-AGENT-003 LP-RUN-002", "LP-CONV-001"),
]
CAUGHT_ELSEWHERE: dict[str, str] = {}
#: Flaws other tests use, not in the catalogue: the reference itself, and one the signature evidence test reads.
NOT_CASES = {"none", "signature-compared-as-hex"}


def _run(c: Case, workdir: Path) -> tuple[int, dict[str, Any], str]:
    """``mockcc contract`` against the flawed connector, in a process of its own."""
    report = workdir / f"{c.flaw}.json"
    only = [a for cid in sorted(c.failing | c.passing) for a in ("--only", cid)]
    command = [sys.executable, "-m", "mockcc", "contract", "--connector-cmd"]
    command += [connector_cmd("tests.contracts.broken_connector", c.flaw), *only, "--patience", "8"]
    done = subprocess.run([*command, "--json", str(report)], capture_output=True, text=True, timeout=600, check=False)
    doc = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return done.returncode, doc, done.stdout[-20_000:] + done.stderr[-5_000:]


@pytest.fixture(scope="module")
def catalogue() -> Any:
    """Every selected case, started at once in parallel; ``catalogue[flaw]`` waits for its verdict."""
    chosen = [c for c in CASES if ALL or c.core]
    with tempfile.TemporaryDirectory(prefix="mockcc-catalogue-") as workdir, ThreadPoolExecutor(JOBS) as pool:
        futures: dict[str, Future[tuple[int, dict[str, Any], str]]] = {
            c.flaw: pool.submit(_run, c, Path(workdir)) for c in chosen
        }
        yield futures
        for future in futures.values():
            future.cancel()


LEVELS = {c.id: c.level for c in all_contracts()}


@pytest.mark.live
@pytest.mark.timeout(900)
@pytest.mark.parametrize("c", CASES, ids=[c.flaw for c in CASES])
def test_a_broken_connector_fails_exactly_its_contracts(catalogue: Any, c: Case) -> None:
    if not (ALL or c.core):
        pytest.skip("in make catalogue (MOCKCC_CATALOGUE=all), not make test")
    code, report, printed = catalogue[c.flaw].result()
    got = {r["id"]: r["outcome"] for r in report.get("results", [])}
    assert {cid for cid, outcome in got.items() if outcome == "fail"} == c.failing, printed
    assert {cid for cid, outcome in got.items() if outcome == "pass"} == c.passing, printed
    assert code == (1 if any(LEVELS[cid] == "MUST" for cid in c.failing) else 0), printed
    failed = [r for r in report["results"] if r["outcome"] == "fail"]
    assert all(r["reason"] and r["evidence"] for r in failed), printed


def test_every_flaw_has_a_case_and_every_contract_is_caught() -> None:
    """No flaw without a case, and no contract that no broken connector fails (that would be a defect)."""
    assert {c.flaw for c in CASES} == set(FLAWS) - NOT_CASES
    caught = {cid for c in CASES for cid in c.failing} | set(CAUGHT_ELSEWHERE)
    assert caught == set(LEVELS), f"never shown failing: {sorted(set(LEVELS) - caught)}"
    assert len(CASES) >= 20


def test_the_matrix_document_matches_the_catalogue() -> None:
    """docs/contracts-matrix.md lists every flaw with exactly the contracts its case asserts, both ways."""
    by_flaw, by_contract = {}, {}
    for line in MATRIX.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            by_flaw[cells[0].strip("`")] = set(cells[2].replace(",", " ").split())
        elif len(cells) >= 4 and cells[0] in LEVELS:
            by_contract[cells[0]] = {w.strip("`,") for w in cells[3].split() if w.startswith("`")}
    assert by_flaw == {c.flaw: set(c.failing) for c in CASES}
    assert by_contract == {cid: {c.flaw for c in CASES if cid in c.failing} for cid in LEVELS}
