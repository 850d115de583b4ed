"""Every contract, in run order, and ``--only``/``--skip``: the one module that imports the contract modules.

It stands above both ``contract`` (the registry the modules fill) and ``contracts/`` (the modules), so
neither imports the other back. Run order: by area (discovery first, the run-wide checks last), then
each contract after the contracts it ``requires``; those that move the mock's clock for good run after
all the others (before the run-wide checks), so their state never leaks into another verdict.
"""

from __future__ import annotations

import mockcc_contracts.contracts  # noqa: F401 - importing the package registers every contract
from mockcc_contracts.contract import REGISTRY, Contract

AREAS = ("DISC", "CONV", "AUTH", "AGENT", "HOOK", "CONT", "RES", "RUN")


def _area_key(c: Contract) -> tuple[int, int, str]:
    area = c.id.split("-")[1]
    rank = AREAS.index(area) if area in AREAS else AREAS.index("RUN") - 1
    if area == "RUN":
        return (2, rank, c.id)
    return (1 if c.moves_clock else 0, rank, c.id)


def ordered(contracts: list[Contract]) -> list[Contract]:
    """``contracts`` by area, each after those of its prerequisites that are among them."""
    chosen = {c.id: c for c in contracts}
    done: list[Contract] = []
    placed: set[str] = set()

    def place(c: Contract, path: tuple[str, ...]) -> None:
        if c.id in placed:
            return
        if c.id in path:
            raise ValueError(f"contracts require each other in a circle: {' -> '.join((*path, c.id))}")
        for need in c.requires:
            if need in chosen:
                place(chosen[need], (*path, c.id))
        placed.add(c.id)
        done.append(c)

    for c in sorted(contracts, key=_area_key):
        place(c, ())
    return done


def all_contracts() -> list[Contract]:
    """Every registered contract in run order."""
    unknown = sorted({need for c in REGISTRY.values() for need in c.requires} - set(REGISTRY))
    if unknown:
        raise ValueError(f"contracts require unknown ids: {unknown}")
    return ordered(list(REGISTRY.values()))


def select(contracts: list[Contract], only: list[str] | None = None, skip: list[str] | None = None) -> list[Contract]:
    """``only``/``skip`` by id or id prefix (``LP-AUTH`` selects every auth contract); unknown ids refused."""

    def matches(c: Contract, pattern: str) -> bool:
        return c.id == pattern or c.id.startswith(pattern.rstrip("-") + "-")

    for pattern in [*(only or []), *(skip or [])]:
        if not any(matches(c, pattern) for c in contracts):
            raise ValueError(f"no contract matches {pattern!r} (ids look like LP-AUTH-001)")
    chosen = [c for c in contracts if not only or any(matches(c, p) for p in only)]
    return [c for c in chosen if not any(matches(c, p) for p in skip or [])]
