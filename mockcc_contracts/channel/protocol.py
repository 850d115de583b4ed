"""The channel protocol's events, checked: what a connector POSTs to the channel, against ``channel/event.json``.

The protocol is described in ``schemas/channel.yaml`` (OpenAPI 3.1; consumer actions and events) with
the JSON Schemas ``schemas/channel/action.json`` and ``schemas/channel/event.json``. ``check_event``
answers like the mock's own refusals: one explanation naming the field, the rule and what was
expected, plus a "did you mean" when a field the event does not have is close to one it needs (a
connector written from prose guesses names: ``closedBy`` for ``by``, ``agent`` for ``agentId``).
"""

from __future__ import annotations

import difflib
import functools
import json
from typing import Any

from mockcc.schemas import schema_root, validate

JSON = dict[str, Any]
EVENT_SCHEMA = "channel/event"


@functools.cache
def fields_by_type() -> dict[str, tuple[str, ...]]:
    """Each event type and the fields it may carry, read from the schema (the one source)."""
    schema = json.loads((schema_root() / f"{EVENT_SCHEMA}.json").read_text(encoding="utf-8"))
    return {
        branch["if"]["properties"]["type"]["const"]: tuple(branch["then"]["properties"]) for branch in schema["allOf"]
    }


def event_types() -> tuple[str, ...]:
    """Every event type the channel knows, in the schema's order."""
    return tuple(fields_by_type())


def check_event(doc: object) -> JSON | None:
    """``None`` when ``doc`` is a valid channel event; else the ``mockcc`` explanation (explanation, path, rule,
    expected) of the most specific problem."""
    violation = validate(EVENT_SCHEMA, doc)
    if violation is None:
        return None
    explanation = violation.as_dict()
    kind = doc.get("type") if isinstance(doc, dict) else None
    allowed = fields_by_type().get(kind) if isinstance(kind, str) else None
    prefix = f"{kind} event: " if allowed is not None else "channel event: "
    required = list(violation.expected) if violation.rule == "required" and isinstance(violation.expected, list) else []
    hints = _guesses(doc, allowed, required) if isinstance(doc, dict) and allowed is not None else []
    explanation["explanation"] = prefix + str(explanation["explanation"]) + "".join(f"; {h}" for h in hints)
    if violation.rule == "required" and isinstance(violation.expected, list) and len(violation.expected) == 1:
        explanation["path"] = f"{violation.path}.{violation.expected[0]}"
    return explanation


def _guesses(doc: JSON, allowed: tuple[str, ...], required: list[str]) -> list[str]:
    """For each field the event type does not have: what it was probably meant to be."""
    unknown = [name for name in doc if name not in allowed]
    missing = [name for name in allowed if name not in doc]
    hints = []
    for name in unknown:
        meant = _closest(name, missing)
        if meant is None and len(unknown) == 1 and len(required) == 1:
            meant = required[0]  # one field too many, one required field short: the same field, renamed
        where = f"{name!r} is not a field of {doc.get('type')} events"
        if meant is not None:
            hints.append(f"{where}: did you mean {meant!r}?")
        elif required:  # (an unexpected-property explanation names it already)
            hints.append(where)
    return hints


def _closest(name: str, candidates: list[str]) -> str | None:
    lowered = name.lower()
    for candidate in candidates:
        low = candidate.lower()
        if low == lowered or (len(low) > 1 and (lowered.endswith(low) or lowered.startswith(low))):
            return candidate
    close = difflib.get_close_matches(lowered, [c.lower() for c in candidates], n=1, cutoff=0.6)
    return next((c for c in candidates if c.lower() == close[0]), None) if close else None


__all__ = ["EVENT_SCHEMA", "check_event", "event_types", "fields_by_type"]
