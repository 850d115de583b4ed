"""Checks over the whole run (journal and channel): LP-RUN-* (they run after every other contract)."""

from __future__ import annotations

import json

from mockcc_contracts.contract import Failed, NotApplicable, contract
from mockcc_contracts.evidence import describe_call
from mockcc_contracts.harness import Harness


@contract("LP-RUN-001", "MUST", "Every request is valid", operations=("every Send API call",))
def all_valid(h: Harness) -> None:
    """Every request the connector made during the run was valid by LivePerson's schemas and rules: the mock
    found none malformed (outcome ``invalid``) and none went to a path LivePerson does not serve. A late
    retry of an earlier contract that met a conversation the suite's reset removed does not count, nor
    a receipt for a message the suite itself made up, in a dialog LivePerson never had."""
    calls = [c for c in h.calls() if c["service"] != "control"]
    if not calls:
        raise NotApplicable("the connector made no calls")
    # A late retry of an earlier contract, refused because the suite reset the mock since, is not the
    # connector's mistake (in production the conversation would still be there).
    bad = [
        c
        for c in calls
        if c["outcome"] in ("invalid", "unmatched")
        and not (h.owns_registration and h.attribution.belongs_to_another(c))
        and not any(i in str(c.get("request_body") or "") for i in h.invented)
    ]
    if bad:
        raise Failed(f"{len(bad)} of {len(calls)} requests were invalid", [describe_call(c) for c in bad[:10]])


@contract("LP-RUN-002", "MUST", "Every channel event follows the channel protocol", operations=("channel events",))
def channel_protocol(h: Harness) -> None:
    """Every event the connector POSTed to the channel during the run matched the channel protocol
    (``schemas/channel.yaml``: the event types and the fields of each); the channel refuses one that does
    not, so the consumer never gets it. Applies to the suite's HTTP channel."""
    refusals = getattr(h.driver, "refusals", None)
    if refusals is None:
        raise NotApplicable("the channel driver is the brand's own: the suite cannot see what it refused")
    refused = refusals(None)
    if refused:
        raise Failed(
            f"the channel refused {len(refused)} event(s) of the connector",
            [
                f"{json.dumps(r.get('event'), ensure_ascii=False)[:160]}: {r['mockcc']['explanation']}"
                for r in refused[:10]
            ],
        )
