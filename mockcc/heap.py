"""The garbage collector set for a long-running server (``mockcc serve``), not for a library.

CPython's cycle collector, at its defaults, ran a young-generation pass every 700 allocations and a full
pass over every tracked object now and then. Under load the full passes stopped the event loop for 25-120
ms (the start-up objects alone: 45,000 modules, schemas and seed, 30 ms each time), and they were SEND's
p99 and the deliveries' delay. What the process holds once it serves is frozen (never scanned again:
it lives as long as the process anyway), and young passes run once 20,000 new objects are alive, so the
collector runs far less often and scans less when it does. Garbage cycles are still collected, a little
later: memory stays bounded (``make soak`` watches it). Measured in ARCHITECTURE.md.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000


def tune_for_serving() -> None:
    """Freeze what exists now and collect the young generation less often (the older thresholds kept)."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
