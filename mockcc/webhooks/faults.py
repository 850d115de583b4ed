"""Faults injected on demand per endpoint URL, so brands can test how their connector copes.

Each fault draws from its own ``random.Random(seed)``: the same fault on the same traffic fires on
the same deliveries in every run.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast, get_args

from mockcc.faults import whole

FaultKind = Literal["drop", "delay", "duplicate", "reorder", "corrupt_signature"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ANY_ENDPOINT = "*"
DEFAULT_REORDER_HOLD = 30.0
#: The longest hold a delay or reorder fault may ask for, in mock-clock seconds (one day).
MAX_DELAY = 86_400.0


@dataclass(frozen=True, slots=True)
class WebhookFault:
    """A fault for the next ``count`` deliveries to an endpoint (None = until cleared).

    ``probability`` gates each delivery (seeded by ``seed``); ``delay_seconds`` is the mock-clock
    hold for ``delay``, and for ``reorder`` the longest an event waits for a successor (default 30 s).
    """

    kind: FaultKind
    count: int | None = None
    probability: float = 1.0
    delay_seconds: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if self.count is not None and (isinstance(self.count, bool) or self.count < 1):
            raise ValueError("count must be a positive integer or null")
        if not 0.0 <= self.probability <= 1.0:  # also refuses NaN
            raise ValueError("probability must be between 0 and 1")
        if not 0.0 <= self.delay_seconds <= MAX_DELAY:
            raise ValueError(f"delay_seconds must be a finite number from 0 to {MAX_DELAY}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the control plane's representation)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebhookFault:
        """Parse the control plane's JSON; raises ValueError on unknown keys or bad values."""
        unknown = set(data) - {"kind", "count", "probability", "delay_seconds", "seed"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        kind = data.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        count = whole(data.get("count"))
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise ValueError("count must be an integer or null")
        probability = _number(data, "probability", 1.0)
        delay = _number(data, "delay_seconds", 0.0)
        seed = whole(data.get("seed", 0))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError("seed must be an integer")
        return cls(cast(FaultKind, kind), count, probability, delay, seed)


def _number(data: Mapping[str, Any], name: str, default: float) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} is out of range") from None


@dataclass(slots=True)
class _Armed:
    fault: WebhookFault
    rng: random.Random
    remaining: int | None
    fired: int = 0


class FaultBook:
    """At most one fault per endpoint URL (exact string as registered, or ``*`` for all)."""

    def __init__(self) -> None:
        self._armed: dict[str, _Armed] = {}

    def set(self, endpoint: str, fault: WebhookFault) -> None:
        """Arm ``fault`` on ``endpoint``, replacing any fault already there."""
        self._armed[endpoint] = _Armed(fault, random.Random(fault.seed), fault.count)  # noqa: S311 - repeatable on purpose

    def clear(self) -> None:
        """Disarm every fault."""
        self._armed.clear()

    def draw(self, endpoint: str, *, can_reorder: bool = True) -> WebhookFault | None:
        """The fault that fires on this delivery, if any (consumes one from its count)."""
        for key in (endpoint, ANY_ENDPOINT):
            armed = self._armed.get(key)
            if armed is None or (armed.fault.kind == "reorder" and not can_reorder):
                continue
            if armed.fault.probability < 1.0 and armed.rng.random() >= armed.fault.probability:
                continue
            armed.fired += 1
            if armed.remaining is not None:
                armed.remaining -= 1
                if armed.remaining <= 0:
                    del self._armed[key]
            return armed.fault
        return None

    def list(self) -> list[dict[str, Any]]:
        """JSON-able view: endpoint, the fault's fields, how many firings remain and have happened."""
        return [
            {"endpoint": endpoint, **armed.fault.to_dict(), "remaining": armed.remaining, "fired": armed.fired}
            for endpoint, armed in self._armed.items()
        ]
