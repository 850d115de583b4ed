"""The whole suite passes against the reference connector, started by ``--connector-cmd``; the reports are right.

It runs at the top of LivePerson's guidance (its default 5xx pauses, 5, 10 and 15 s; 429 retried after
2 s, then 4 s), so it also proves isolation: a slow but correct connector passes every contract, whatever
the order and timing of the others. LP-RES-002 waits for it to give up (30 s) instead of leaving its
retries to hit a later contract's reset mock, where LP-RUN-001 would count them as invalid.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mockcc_contracts.catalogue import all_contracts
from tests.contracts.conftest import Run, connector_cmd, outcomes

SLOW = "CONNECTOR_RATE_LIMIT_PAUSE=2"  # the 5xx pauses are at the top of the guidance already


@pytest.mark.live
@pytest.mark.timeout(300)
def test_the_reference_connector_passes_every_contract(run_suite: Run, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, report, printed = run_suite(connector_cmd("connector_ref", env=SLOW), "--junit", str(junit))
    assert code == 0, printed
    assert set(outcomes(report).values()) == {"pass"}, printed
    outage = next(r for r in report["results"] if r["id"] == "LP-RES-002")
    assert outage["seconds"] >= 29  # it waited for the connector to give up after 5 + 10 + 15 s
    assert set(outcomes(report)) == {c.id for c in all_contracts()}
    # progress lines, the table and the coverage
    for shown in ("[1/", "LP-DISC-001", "PASS", "The run covered:"):
        assert shown in printed
    covered = report["covered"]
    assert {"CSDS (domain discovery)", "Sentinel (AppJWT)", "IdP (ConsumerJWS)"} <= set(
        covered["LivePerson operations"]
    )
    assert "CONVERSATION cm.ConsumerRequestConversation" in covered["LivePerson operations"]
    assert {"ContentEvent", "RichContentEvent", "ExConversationChangeNotification"} <= set(
        covered["notification types delivered"]
    )
    assert {"Send API 429", "Send API 503", "webhook reorder", "webhook duplicate"} <= set(covered["faults exercised"])
    suite = ET.parse(junit).getroot()  # noqa: S314 - our own file
    assert (suite.tag, suite.get("failures"), suite.get("errors")) == ("testsuite", "0", "0")
    assert len(suite.findall("testcase")) == len(all_contracts())


def test_only_and_skip_select_by_id_or_prefix(run_suite: Run) -> None:
    from mockcc.__main__ import main

    assert main(["contract", "--list", "--only", "LP-AUTH", "--skip", "LP-AUTH-002"]) == 0
    assert main(["contract", "--list", "--only", "LP-NOPE-001"]) == 2
    assert main(["contract"]) == 2  # neither --connector-cmd nor --mock/--channel


@pytest.mark.timeout(120)
def test_a_connector_that_never_gets_ready_is_reported(run_suite: Run) -> None:
    code, _, printed = run_suite(
        connector_cmd("tests.contracts.never_ready"), "--startup-timeout", "3", "--only", "LP-CONV-001"
    )
    assert code == 2
    # what happened, and when: it exited (status 0) before it listened; not "did not become ready within 3s"
    assert "the connector exited with status 0" in printed
    assert "s after it started, before it was ready" in printed
    assert "within 3s" not in printed
    assert "never listening" in printed
