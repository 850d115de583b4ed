"""Faults injected on demand per endpoint URL, so brands can test how their connector copes.

Each fault draws from its own ``random.Random(seed)``: the same fault on the same traffic fires on
the same deliveries in every run.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast, get_args

from mockcc.errors import ConfigError
from mockcc.faults import whole
from mockcc.types import JSON

FaultKind = Literal["drop", "delay", "duplicate", "reorder", "corrupt_signature"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ANY_ENDPOINT = "*"
DEFAULT_REORDER_HOLD = 30.0
#: The longest hold a delay or reorder fault may ask for, in mock-clock seconds (one day).
MAX_DELAY = 86_400.0
FIELDS = {"kind", "count", "probability", "delay_seconds", "seed"}
RULE = "webhook-fault"  # the mockcc rule a refused webhook fault names


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
            raise ConfigError(f"kind must be one of {', '.join(FAULT_KINDS)}", rule=RULE)
        if self.count is not None and (isinstance(self.count, bool) or self.count < 1):
            raise ConfigError("count must be a positive integer or null", rule=RULE)
        if not 0.0 <= self.probability <= 1.0:  # also refuses NaN
            raise ConfigError("probability must be between 0 and 1", rule=RULE)
        if not 0.0 <= self.delay_seconds <= MAX_DELAY:
            raise ConfigError(f"delay_seconds must be a finite number from 0 to {MAX_DELAY}", rule=RULE)

    @classmethod
    def parse(cls, doc: object) -> WebhookFault:
        """The control plane's JSON (without ``endpoint``); raises ``ConfigError`` on unknown keys or bad values."""
        if not isinstance(doc, dict):
            raise ConfigError('a webhook fault is an object like {"kind": "drop", "count": 1}', rule=RULE)
        unknown = set(doc) - FIELDS
        if unknown:
            raise ConfigError(f"unknown fault fields: {', '.join(sorted(unknown))}", rule=RULE)
        kind = doc.get("kind")
        if kind not in FAULT_KINDS:
            raise ConfigError(f"kind must be one of {', '.join(FAULT_KINDS)}", rule=RULE)
        count = whole(doc.get("count"))
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise ConfigError("count must be an integer or null", rule=RULE)
        probability = _number(doc, "probability", 1.0)
        delay = _number(doc, "delay_seconds", 0.0)
        seed = whole(doc.get("seed", 0))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError("seed must be an integer", rule=RULE)
        return cls(cast(FaultKind, kind), count, probability, delay, seed)

    @classmethod
    def parse_armed(cls, doc: object) -> tuple[str, WebhookFault]:
        """``{"endpoint": URL, ...fault}`` (the control plane's POST and a seed's ``webhook_faults`` entry)."""
        endpoint = doc.get("endpoint") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or not isinstance(endpoint, str) or not endpoint:
            raise ConfigError(
                "endpoint (the webhook URL the fault applies to) is required", path="$.endpoint", rule="required"
            )
        return endpoint, cls.parse({k: v for k, v in doc.items() if k != "endpoint"})

    def as_dict(self) -> JSON:
        """JSON-able form (the control plane's representation)."""
        return asdict(self)


def _number(doc: JSON, name: str, default: float) -> float:
    value = doc.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be a number", rule=RULE)
    try:
        return float(value)
    except OverflowError:
        raise ConfigError(f"{name} is out of range", rule=RULE) from None


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
            {"endpoint": endpoint, **armed.fault.as_dict(), "remaining": armed.remaining, "fired": armed.fired}
            for endpoint, armed in self._armed.items()
        ]
