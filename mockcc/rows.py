"""Flat rows: how the bounded stores (messages, the delivery log, the journal) keep what they hold.

CPython's cycle collector stops tracking a tuple of strings and numbers after its first pass; it keeps
tracking one that holds a dict, or another tuple, and rescans it on every pass until it is dropped. A
store of hundreds of thousands of entries kept as dicts made every pass that long (ARCHITECTURE.md
"Performance"). So a store keeps each entry as one flat tuple, with a mapping of plain values laid out
at its end as key, value, key, value, and makes the dict again when read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any


def laid_out(pairs: Iterable[tuple[Any, Any]]) -> Iterator[Any]:
    """``(k1, v1), (k2, v2)`` as ``k1, v1, k2, v2``: a row's tail."""
    return itertools.chain.from_iterable(pairs)


def read_back(tail: Sequence[Any]) -> dict[Any, Any]:
    """The mapping ``laid_out`` laid out."""
    items = iter(tail)
    return dict(zip(items, items, strict=False))
