"""The channel protocol is checked: a connector that guesses the channel's field names is told which and why."""

from __future__ import annotations

import pytest

from tests.contracts.conftest import Run, connector_cmd, outcomes


@pytest.mark.live
@pytest.mark.timeout(180)
def test_guessed_channel_field_names_are_refused_with_the_field_and_the_expected_name(run_suite: Run) -> None:
    only = ["LP-CONV-001", "LP-AGENT-001", "LP-AGENT-003", "LP-RUN-002"]
    code, report, printed = run_suite(
        connector_cmd("tests.contracts.broken_connector", "channel-field-names-guessed"),
        *[a for c in only for a in ("--only", c)],
        "--patience",
        "4",
    )
    assert code == 1, printed
    assert outcomes(report) == {
        "LP-CONV-001": "pass",  # its events (sent) are right
        "LP-AGENT-001": "fail",
        "LP-AGENT-003": "fail",
        "LP-RUN-002": "fail",
    }, printed
    results = {r["id"]: r for r in report["results"]}
    # the waiting contract names the root cause: the channel refused the event, and why
    assert "the channel refused" in results["LP-AGENT-003"]["reason"], printed
    assert "did you mean 'by'?" in results["LP-AGENT-003"]["reason"], printed
    assert "did you mean 'text'?" in results["LP-AGENT-001"]["reason"], printed
    run_wide = " ".join(results["LP-RUN-002"]["evidence"])
    for field, meant in (("closedBy", "by"), ("agent", "agentId"), ("message", "text")):
        assert f"'{field}' is not a field of" in run_wide, printed
        assert f"did you mean '{meant}'?" in run_wide, printed
    assert "missing required property 'agentId'" in run_wide, printed
