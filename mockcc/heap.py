"""The garbage collector set for a long-running server (``mockcc serve``), not for a library.

CPython's cycle collector rescans, on each pass, every tracked object of the generations it collects.
What the process holds once it serves (45,000 objects: modules, schemas, the seed) is frozen: never
scanned again, it lives as long as the process anyway. What it stores while it serves (messages, the
delivery log, the journal) is kept as flat tuples the collector stops tracking after their first pass
(``Events``, ``DeliveryLog``, ``Journal``), so the older generations stay small and their passes short,
and full passes (as long as the whole heap) stay rare. A young pass runs once
2,000 new objects are alive (the default is 700): short passes (a few ms here), not rare long ones. A
threshold of 20,000 had been chosen while the stored messages were still tracked, and then made each young
pass 30-60 ms (a bounded store frees one old object for each new one, and CPython's count nets the two, so
the young generation grew far past the threshold before a pass came). Garbage cycles are still collected:
memory stays bounded (``make soak`` watches it). Measured in ARCHITECTURE.md.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 2_000


def tune_for_serving() -> None:
    """Freeze what exists now and collect the young generation a little less often (the older thresholds kept)."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
