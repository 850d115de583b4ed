"""What a contract is: a stable id, a level, a title, one paragraph, and a check that raises on failure.

The authoring API (stable; the contract modules and brands' own contracts use only this):

    from mockcc_contracts.contract import Blocked, Failed, NotApplicable, contract
    from mockcc_contracts.harness import Harness

    @contract("LP-AREA-001", "MUST", "A short title", operations=("SEND",), requires=("LP-CONV-001",))
    def check(h: Harness) -> None:
        '''The paragraph: what the connector must do, and why.'''
        ...

A check gets the ``Harness`` (mock, channel, connector) and either returns (PASS), raises ``Failed``
with a reason and evidence lines (FAIL), raises ``NotApplicable`` when the run cannot exercise it
(SKIP), or raises ``Blocked(prerequisite_id, reason)`` when a step another contract judges failed.
``requires`` names contracts this one cannot be judged without: when one of them failed earlier in
the run, the runner reports BLOCKED without running the check, and runs prerequisites first.
``moves_clock`` marks a check that moves the mock's clock for good (it only goes forward): such
contracts run after all the others, so a connector's token bug cannot leak into their verdicts.

Registering fills ``REGISTRY``; ``mockcc_contracts.catalogue`` imports the contract modules and
orders them (this module never imports them: no import circle).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from mockcc_contracts.verdict import Blocked, Failed, NotApplicable

if TYPE_CHECKING:
    from mockcc_contracts.harness import Harness

__all__ = ["ID", "REGISTRY", "Blocked", "Check", "Contract", "Failed", "Level", "NotApplicable", "contract"]

Level = Literal["MUST", "SHOULD"]
Check = Callable[["Harness"], None]
ID = re.compile(r"^LP-[A-Z]+-\d{3}$")


@dataclass(frozen=True, slots=True)
class Contract:
    """One rule a connector must (or should) follow."""

    id: str
    level: Level
    title: str
    description: str
    check: Check = field(compare=False, repr=False)
    operations: tuple[str, ...] = ()  # what it exercises, for the coverage report
    faults: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # contracts it cannot be judged without (run first; BLOCKED when they fail)
    moves_clock: bool = False  # moves the mock's clock for good: runs after every other contract


REGISTRY: dict[str, Contract] = {}


def contract(
    id: str,
    level: Level,
    title: str,
    *,
    operations: tuple[str, ...] = (),
    faults: tuple[str, ...] = (),
    requires: tuple[str, ...] = (),
    moves_clock: bool = False,
) -> Callable[[Check], Check]:
    """Register the decorated check; its docstring is the contract's paragraph."""
    for given in (id, *requires):
        if not ID.match(given):
            raise ValueError(f"contract id {given!r} must look like LP-AREA-001")

    def register(check: Check) -> Check:
        if id in REGISTRY:
            raise ValueError(f"contract id {id} registered twice")
        text = " ".join((check.__doc__ or "").split())
        REGISTRY[id] = Contract(id, level, title, text, check, operations, faults, requires, moves_clock)
        return check

    return register
