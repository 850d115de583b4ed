"""Query strings and form bodies, decoded strictly: each name and value must be UTF-8 once
percent-decoded.

``urllib.parse`` replaces bytes that are not UTF-8 with U+FFFD, so ``client_id=%ED%A0%80`` (an encoded
surrogate) or ``%FF`` would quietly become another string than the one sent; the mock refuses such a
parameter instead (``NotUtf8`` names it), as it refuses a JSON string holding a lone surrogate.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

Pairs = list[tuple[str, str]]


class NotUtf8(ValueError):
    """A parameter whose name or value is not UTF-8 once percent-decoded; ``name`` is the readable part."""

    def __init__(self, name: str) -> None:
        super().__init__(f"parameter {name!r} is not UTF-8 once percent-decoded")
        self.name = name


def _decode(raw: bytes) -> str | None:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse(raw: bytes) -> Pairs:
    """``a=1&b=%20`` -> ``[("a", "1"), ("b", " ")]``, blank values kept, empty pieces skipped; raises
    ``NotUtf8`` for the first parameter that does not decode (its name, as far as it is readable)."""
    pairs: Pairs = []
    for piece in raw.split(b"&") if raw else ():
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        name = _decode(raw_name)
        if name is None:
            raise NotUtf8(unquote_to_bytes(raw_name).decode("utf-8", "backslashreplace"))
        value = _decode(raw_value)
        if value is None:
            raise NotUtf8(name)
        pairs.append((name, value))
    return pairs


def path(name: str, prefix: str) -> str:
    """The JSONPath-like place of parameter ``name`` (``$query.v``, ``$query['a b']``)."""
    return f"{prefix}.{name}" if name.isidentifier() else f"{prefix}[{name!r}]"
