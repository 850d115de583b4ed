"""What a check raises besides returning: the connector broke the rule, could not be judged, or was blocked.

A leaf: the contracts, the harness and the runner all raise or catch these, and it imports nothing of
the suite (``mockcc_contracts.contract`` re-exports them for contract authors).
"""

from __future__ import annotations


class Failed(AssertionError):
    """The connector broke the contract: ``reason`` is the one-line why, ``evidence`` what was seen."""

    def __init__(self, reason: str, evidence: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.evidence = evidence or []


class NotApplicable(Exception):
    """The run could not exercise this contract (say why); reported as skipped."""


class Blocked(Failed):
    """A step this contract needs, and another contract judges, failed (``prerequisite`` is that id).

    The runner reports BLOCKED (not FAIL) when that contract failed (or was blocked) earlier in the run;
    otherwise the step's failure is this contract's own FAIL, with the reason kept.
    """

    def __init__(self, prerequisite: str, reason: str, evidence: list[str] | None = None) -> None:
        super().__init__(reason, evidence)
        self.prerequisite = prerequisite
