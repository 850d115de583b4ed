"""Deliberately broken connectors fail exactly the contracts they break, with evidence.

Each is the reference connector with one flaw (``broken_connector.py``), started by the suite as a
separate process. Each run is limited (``--only``) to the contracts the flaw targets plus one it
must still pass, so the whole file stays fast.
"""

from __future__ import annotations

import pytest

from tests.contracts.conftest import Run, connector_cmd, outcomes

CASES = [
    # flaw, contracts run, contracts that must fail, words the evidence must hold, extra options
    (
        "no-signature-check",
        ["LP-HOOK-002", "LP-HOOK-003", "LP-AGENT-001"],
        {"LP-HOOK-002", "LP-HOOK-003"},
        "answered 200",
        [],
    ),
    ("new-app-jwt-every-request", ["LP-AUTH-001", "LP-AUTH-004"], {"LP-AUTH-001"}, "sentinel POST", []),
    ("no-backoff-on-429", ["LP-RES-001", "LP-CONV-001"], {"LP-RES-001"}, "after a 429", []),
    ("private-notes-forwarded", ["LP-HOOK-007", "LP-AGENT-001"], {"LP-HOOK-007"}, "internal note", []),
    ("duplicates-shown", ["LP-HOOK-004", "LP-HOOK-005"], {"LP-HOOK-004"}, "2 times", []),
    ("slow-webhooks", ["LP-HOOK-001", "LP-CONV-001"], {"LP-HOOK-001"}, "ReadTimeout", ["--webhook-timeout", "1"]),
    # the Send API sent to the CSDS host (CSDS asked first): the mock answers each service on its own port
    ("send-api-host-hard-coded", ["LP-DISC-001", "LP-RUN-001"], {"LP-DISC-001", "LP-RUN-001"}, "CSDS hands out", []),
]


@pytest.mark.live
@pytest.mark.timeout(180)
@pytest.mark.parametrize(("flaw", "only", "failing", "evidence", "extra"), CASES, ids=[c[0] for c in CASES])
def test_a_broken_connector_fails_exactly_its_contracts(
    run_suite: Run, flaw: str, only: list[str], failing: set[str], evidence: str, extra: list[str]
) -> None:
    args = [a for contract in only for a in ("--only", contract)]
    code, report, printed = run_suite(
        connector_cmd("tests.contracts.broken_connector", flaw), *args, "--patience", "8", *extra
    )
    assert code == 1, printed  # a MUST failed
    got = outcomes(report)
    assert {cid for cid, outcome in got.items() if outcome == "fail"} == failing, printed
    assert {cid for cid, outcome in got.items() if outcome == "pass"} == set(only) - failing, printed
    failed = [r for r in report["results"] if r["outcome"] == "fail"]
    assert all(r["evidence"] for r in failed), printed
    assert any(evidence in " ".join([r["reason"], *r["evidence"]]) for r in failed), printed
    assert "FAIL" in printed
    assert "The run covered:" in printed
