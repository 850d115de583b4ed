"""Checks over the whole run's journal: LP-RUN-* (they run after every other contract)."""

from __future__ import annotations

from mockcc_contracts.contract import Failed, NotApplicable, contract
from mockcc_contracts.evidence import describe_call
from mockcc_contracts.harness import Harness


@contract("LP-RUN-001", "MUST", "Every request is valid", operations=("every Send API call",))
def all_valid(h: Harness) -> None:
    """Every request the connector made during the run was valid by LivePerson's schemas and rules: the mock
    found none malformed (outcome ``invalid``) and none went to a path LivePerson does not serve. (A
    receipt for a message the suite itself made up, in a dialog LivePerson never had, is not counted.)"""
    calls = [c for c in h.calls() if c["service"] != "control"]
    if not calls:
        raise NotApplicable("the connector made no calls")

    def about_invented(call: dict[str, object]) -> bool:
        return any(i in str(call.get("request_body") or "") for i in h.invented)

    bad = [c for c in calls if c["outcome"] in ("invalid", "unmatched") and not about_invented(c)]
    if bad:
        raise Failed(f"{len(bad)} of {len(calls)} requests were invalid", [describe_call(c) for c in bad[:10]])
