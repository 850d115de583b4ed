"""Verdicts a stranger can trust: the root cause named at once, BLOCKED instead of a cascade of FAILs,
SHOULD failures that neither wait out the patience nor turn CI red, start-up errors that say what happened.

Each connector is the reference connector with one flaw (``broken_connector.py``), a separate process.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mockcc.__main__ import main
from tests.contracts.conftest import Run, connector_cmd, outcomes

FAST = "CONNECTOR_SERVER_ERROR_PAUSES=0.2,0.2,0.2"


def group_gone(pidfile: Path) -> bool:
    """The connector's whole process group has ended."""
    import os

    pgid = int(pidfile.read_text().split()[1])
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.live
@pytest.mark.timeout(240)
def test_one_root_cause_is_named_at_once_and_the_verdict_comes_in_under_two_minutes(
    run_suite: Run, tmp_path: Path
) -> None:
    """A connector that never renews its AppJWT: the mock's 401 with its explanation is the why, the
    contract does not wait out its patience, the clock jump leaks into no other contract."""
    pidfile = tmp_path / "pid"
    code, report, printed = run_suite(
        connector_cmd(
            "tests.contracts.broken_connector", "never-renews-app-jwt", env=f"{FAST} CONNECTOR_PIDFILE={pidfile}"
        )
    )
    assert code == 1, printed
    got = outcomes(report)
    # the two AppJWT contracts, and the one renewing it under load (LP-AUTH-006 moves the clock past expiry too)
    assert {cid for cid, outcome in got.items() if outcome != "pass"} == {
        "LP-AUTH-002",
        "LP-AUTH-003",
        "LP-AUTH-006",
    }, printed
    expiry = next(r for r in report["results"] if r["id"] == "LP-AUTH-002")
    assert expiry["reason"].startswith("LivePerson refused the connector's call: 401 send POST"), printed
    assert "the AppJWT expired at" in expiry["reason"]  # the mock's own explanation, quoted
    assert expiry["seconds"] < 20  # it did not wait out its patience (20 s)
    assert any("was not delivered to LivePerson" in line for line in expiry["output"])  # the connector's words
    assert report["seconds"] < 120, printed
    assert group_gone(pidfile)  # a failing run stops the connector too


@pytest.mark.live
@pytest.mark.timeout(180)
def test_a_contract_whose_prerequisite_failed_is_blocked(run_suite: Run, tmp_path: Path) -> None:
    """The connector never forwards the close: LP-AGENT-003 fails; LP-CONV-003 and LP-AGENT-005, which need
    that close, are BLOCKED by it (JUnit skipped), not three failures of one bug."""
    junit = tmp_path / "junit.xml"
    chosen = ["LP-CONV-003", "LP-AGENT-005", "LP-AGENT-003", "LP-CONV-001", "LP-AGENT-001"]
    code, report, printed = run_suite(
        connector_cmd("tests.contracts.broken_connector", "closed-not-forwarded"),
        *[a for c in chosen for a in ("--only", c)],
        "--patience",
        "6",
        "--junit",
        str(junit),
        "--verbose",
    )
    assert code == 1, printed
    assert outcomes(report) == {
        "LP-CONV-001": "pass",
        "LP-AGENT-003": "fail",
        "LP-CONV-003": "blocked",
        "LP-AGENT-001": "pass",
        "LP-AGENT-005": "blocked",
    }, printed
    assert [r["id"] for r in report["results"]].index("LP-AGENT-003") < [r["id"] for r in report["results"]].index(
        "LP-CONV-003"
    )  # the prerequisite runs first
    blocked = next(r for r in report["results"] if r["id"] == "LP-CONV-003")
    assert blocked["blocked_by"] == "LP-AGENT-003"
    assert blocked["reason"].startswith("blocked by LP-AGENT-003")
    failed = next(r for r in report["results"] if r["id"] == "LP-AGENT-003")
    assert failed["output"], printed  # the connector's lines during that contract are its evidence
    assert "  | " in printed  # --verbose printed them as they came
    suite = ET.parse(junit).getroot()  # noqa: S314 - our own file
    assert (suite.get("failures"), suite.get("skipped")) == ("1", "2")
    case = next(c for c in suite.iter("testcase") if str(c.get("name")).startswith("LP-CONV-003"))
    skipped = case.find("skipped")
    assert skipped is not None
    assert str(skipped.get("message")).startswith("blocked by LP-AGENT-003")
    failing = next(c for c in suite.iter("testcase") if str(c.get("name")).startswith("LP-AGENT-003"))
    assert "connector output while it ran" in str(failing.findtext("system-out"))
    assert "LP-CONV-003 BLOCKED" in printed


@pytest.mark.live
@pytest.mark.timeout(180)
def test_a_connector_that_cannot_open_a_conversation_fails_one_contract_not_all(run_suite: Run) -> None:
    """The CONVERSATION request names another account as brandId: LP-CONV-001 fails at once, quoting the
    mock's refusal; what needs a conversation is BLOCKED by it; discovery is still judged (and holds)."""
    chosen = ["LP-DISC-001", "LP-CONV-001", "LP-CONV-002", "LP-AUTH-001", "LP-AGENT-001", "LP-HOOK-002"]
    code, report, printed = run_suite(
        connector_cmd("tests.contracts.broken_connector", "conversation-for-another-brand"),
        *[a for c in chosen for a in ("--only", c)],
    )
    assert code == 1, printed
    assert outcomes(report) == {
        "LP-DISC-001": "pass",
        "LP-CONV-001": "fail",
        "LP-CONV-002": "blocked",
        "LP-AUTH-001": "blocked",
        "LP-AGENT-001": "blocked",
        "LP-HOOK-002": "blocked",
    }, printed
    first = next(r for r in report["results"] if r["id"] == "LP-CONV-001")
    assert first["reason"].startswith("LivePerson refused the connector's call: 400 conversation POST"), printed
    assert "brandId '12345678' is not this account" in first["reason"], printed
    assert first["seconds"] < 15, printed  # not the 20 s patience
    assert sum(r["seconds"] for r in report["results"] if r["outcome"] == "blocked") == 0  # not even run


@pytest.mark.live
@pytest.mark.timeout(120)
def test_fail_fast_stops_at_the_first_must_that_fails(run_suite: Run) -> None:
    code, report, printed = run_suite(
        connector_cmd("tests.contracts.broken_connector", "never-renews-app-jwt"), "--only", "LP-AUTH", "--fail-fast"
    )
    assert code == 1, printed
    assert outcomes(report) == {
        "LP-AUTH-001": "pass",
        "LP-AUTH-003": "fail",
        "LP-AUTH-004": "skip",
        "LP-AUTH-005": "skip",
        "LP-AUTH-002": "skip",
        "LP-AUTH-006": "skip",
    }
    assert all(
        r["reason"] == "not run: --fail-fast stopped after LP-AUTH-003 failed"
        for r in report["results"]
        if r["outcome"] == "skip"
    )


@pytest.mark.live
@pytest.mark.timeout(180)
def test_should_failures_are_reported_quickly_and_do_not_fail_the_run(run_suite: Run, tmp_path: Path) -> None:
    """Typing and receipts missing: two SHOULDs not met, each decided once the connector went quiet (not
    after the 20 s patience); exit status 0 and JUnit skipped with the reason, consistent."""
    junit, pidfile = tmp_path / "junit.xml", tmp_path / "pid"
    chosen = ["LP-CONV-001", "LP-AGENT-001", "LP-CONV-005", "LP-CONV-006"]
    code, report, printed = run_suite(
        connector_cmd("tests.contracts.broken_connector", "no-typing-no-receipts", env=f"CONNECTOR_PIDFILE={pidfile}"),
        *[a for c in chosen for a in ("--only", c)],
        "--junit",
        str(junit),
    )
    assert code == 0, printed
    assert outcomes(report) == {
        "LP-CONV-001": "pass",
        "LP-AGENT-001": "pass",
        "LP-CONV-005": "fail",
        "LP-CONV-006": "fail",
    }
    for r in report["results"]:
        if r["outcome"] == "fail":
            assert r["seconds"] < 15, r  # not the 20 s patience
            assert "the connector did nothing more for" in r["reason"]
    suite = ET.parse(junit).getroot()  # noqa: S314 - our own file
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "2")
    assert "2 SHOULD not met" in printed
    assert group_gone(pidfile)  # a normal end stops the connector


@pytest.mark.timeout(60)
def test_a_mistyped_command_says_what_happened(run_suite: Run) -> None:
    code, _, printed = run_suite("no-such-connector-mockcc --port 1")
    assert code == 2
    assert "the connector exited with status 127" in printed
    assert "did not find the command" in printed
    assert "within" not in printed  # not "did not become ready within 60s"


def test_help_lists_every_subcommand_and_every_contract_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    for sub in ("mockcc serve", "mockcc contract", "mockcc fuzz-webhooks"):
        assert sub in top
    with pytest.raises(SystemExit):
        main(["contract", "--help"])
    text = capsys.readouterr().out
    for option in (
        "--connector-cmd",
        "--fail-fast",
        "--strict",
        "--verbose",
        "--patience",
        "--junit",
        "MOCKCC_CSDS_HOST",
    ):
        assert option in text
    assert "Exit status: 0 every MUST held" in text
    assert "130/143 interrupted." in text  # the description ends where its sentence does
