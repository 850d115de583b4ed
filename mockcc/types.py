"""Type aliases shared across the mock."""

from __future__ import annotations

from typing import Any

#: A JSON object as parsed (keys verbatim from the wire).
JSON = dict[str, Any]
