"""What a contract is: a stable id, a level, a title, one paragraph, and a check that raises on failure.

Contracts register themselves with ``@contract(...)`` in the ``mockcc_contracts.contracts`` modules.
A check gets the ``Harness`` (mock, channel, connector) and either returns, raises ``Failed`` with a
reason and evidence lines, or raises ``NotApplicable`` when the run cannot exercise it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mockcc_contracts.harness import Harness

Level = Literal["MUST", "SHOULD"]
Check = Callable[["Harness"], None]
ID = re.compile(r"^LP-[A-Z]+-\d{3}$")


class Failed(AssertionError):
    """The connector broke the contract; ``evidence`` says what was seen."""

    def __init__(self, reason: str, evidence: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.evidence = evidence or []


class NotApplicable(Exception):
    """The run could not exercise this contract (say why); reported as skipped."""


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


REGISTRY: dict[str, Contract] = {}
AREAS = ("DISC", "AUTH", "CONV", "AGENT", "HOOK", "CONT", "RES", "RUN")  # run order: discovery first, run-wide last


def contract(
    id: str,
    level: Level,
    title: str,
    *,
    operations: tuple[str, ...] = (),
    faults: tuple[str, ...] = (),
) -> Callable[[Check], Check]:
    """Register the decorated check; its docstring is the contract's paragraph."""
    if not ID.match(id):
        raise ValueError(f"contract id {id!r} must look like LP-AREA-001")

    def register(check: Check) -> Check:
        if id in REGISTRY:
            raise ValueError(f"contract id {id} registered twice")
        text = " ".join((check.__doc__ or "").split())
        REGISTRY[id] = Contract(id, level, title, text, check, operations, faults)
        return check

    return register


def all_contracts() -> list[Contract]:
    """Every contract in run order (by area, then id; the run-wide ones, LP-RUN-*, last)."""
    import mockcc_contracts.contracts  # noqa: F401 - registers them

    def key(c: Contract) -> tuple[int, str]:
        area = c.id.split("-")[1]
        return (AREAS.index(area) if area in AREAS else len(AREAS) - 1, c.id)

    return sorted(REGISTRY.values(), key=key)


def select(contracts: list[Contract], only: list[str] | None = None, skip: list[str] | None = None) -> list[Contract]:
    """``only``/``skip`` by id or id prefix (``LP-AUTH`` selects every auth contract); unknown ids refused."""

    def matches(c: Contract, pattern: str) -> bool:
        return c.id == pattern or c.id.startswith(pattern.rstrip("-") + "-")

    for pattern in [*(only or []), *(skip or [])]:
        if not any(matches(c, pattern) for c in contracts):
            raise ValueError(f"no contract matches {pattern!r} (ids look like LP-AUTH-001)")
    chosen = [c for c in contracts if not only or any(matches(c, p) for p in only)]
    return [c for c in chosen if not any(matches(c, p) for p in skip or [])]
