"""Strict JSON: the one parser every JSON body and header of the mock goes through.

Python's ``json`` accepts what LivePerson's parser refuses and what the mock cannot hold safely:
``NaN``/``Infinity`` (then every later rendering of the state fails), numbers that overflow to
infinity (``1e999999``), duplicate keys (silently last-wins) and nesting deep enough to exhaust the
recursion limit of everything that walks the document afterwards. It also accepts a ``\\ud800``
escape without its pair: a lone surrogate, which is no character and cannot be encoded as UTF-8, so
every later answer holding it would fail to render. ``loads`` refuses all of them with a
``JsonRefused`` that says which rule was broken (and where), before anything is stored.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

#: Deepest nesting of arrays and objects accepted. LivePerson's structured content nests a few
#: levels; 64 leaves ample room and keeps every recursive walk of a document (schema validation,
#: rendering) far from Python's recursion limit.
MAX_DEPTH = 64
#: Integers must fit a signed 64-bit long (what LivePerson's Java services parse numbers into).
#: Values (array items, object members) one document may hold. Parsing strictly costs Python calls per
#: object and number, and validating a schema per value: a 1 MiB body of ``{}`` took seconds of the
#: event loop. Counted on the text before parsing. LivePerson's largest bodies (a SEND is at most 5000
#: characters; a profile's SDEs, an app manifest) hold a few hundred.
MAX_VALUES = 20_000
MAX_INT = (1 << 63) - 1
MIN_INT = -(1 << 63)


class JsonRefused(ValueError):
    """The text is not JSON the mock accepts; ``rule`` names the check, ``expected`` what would pass."""

    def __init__(self, explanation: str, *, rule: str, expected: object = None, path: str = "$") -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.rule = rule
        self.expected = expected
        self.path = path  # where in the document, as a JSONPath (``$`` when the text as a whole)


#: A ``\\u`` escape of a surrogate (paired or not): only texts holding one need the walk below.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def values_at_most(text: str, limit: int) -> int | None:
    """None when ``text`` holds at most ``limit`` values, else its count: commas, '[' and '{' plus one,
    an upper bound counted at C speed without parsing (a comma inside a string counts too: finding
    the strings first cost more than the parse it spares)."""
    count = text.count(",") + text.count("[") + text.count("{") + 1
    return count if count > limit else None


def _constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number", rule="json-number", expected="a finite number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRefused(
            f"the number {text[:40]} is out of range (a 64-bit float overflows to infinity)",
            rule="json-number",
            expected="a finite number within ±1.7976931348623157e308",
        )
    return value


def _int(text: str) -> int:
    value = int(text)
    if not MIN_INT <= value <= MAX_INT:
        raise JsonRefused(
            f"the integer {text[:40]}{'...' if len(text) > 40 else ''} does not fit in 64 bits",
            rule="json-number",
            expected=f"an integer from {MIN_INT} to {MAX_INT}",
        )
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise JsonRefused(f"the key {duplicate[:80]!r} appears twice in one object", rule="json-duplicate-key")
    return out


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_float=_float, parse_int=_int, parse_constant=_constant, strict=True
)


def depth(doc: object) -> int:
    """Nesting depth of arrays and objects (a scalar is 0), walked without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(doc, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in children if isinstance(child, dict | list))
    return deepest


def key_path(parent: str, key: str | int) -> str:
    """``$.a`` / ``$[0]`` / ``$['a b']``: the JSONPath of a child, printable whatever the key holds."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{parent}.{key}"
    shown = key.encode("utf-8", "backslashreplace").decode("utf-8").replace("'", "\\'")
    return f"{parent}['{shown}']"


def unencodable(doc: object) -> str | None:
    """The path of the first string (key or value) holding a lone surrogate, else None; no recursion."""
    stack: list[tuple[object, str]] = [(doc, "$")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return where
        elif isinstance(node, dict):
            for key, value in reversed(node.items()):
                child = key_path(where, key)
                if _SURROGATE.search(key):
                    return child
                stack.append((value, child))
        elif isinstance(node, list):
            stack.extend((node[i], key_path(where, i)) for i in range(len(node) - 1, -1, -1))
    return None


def loads(data: bytes | str, *, max_values: int | None = MAX_VALUES) -> object:
    """Parse ``data`` as strict JSON; raises ``JsonRefused`` (a ValueError) for anything it refuses.
    ``max_values`` bounds the work (None for trusted input: a seed file on the command line)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise JsonRefused("the text is not UTF-8", rule="json", expected="UTF-8 JSON") from None
    if max_values is not None and (count := values_at_most(text, max_values)) is not None:
        raise JsonRefused(
            f"the document holds up to {count} values (array items and object members, counted as its "
            f"commas, '[' and '{{' plus one); this mock takes at most {max_values} in one JSON document, "
            "to bound the work one request can cause",
            rule="json-values",
            expected=f"at most {max_values} values",
        )
    try:
        doc = _DECODER.decode(text)
    except JsonRefused:
        raise
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:  # JSONDecodeError, and int() past Python's digit limit
        raise JsonRefused(f"not valid JSON: {exc}", rule="json", expected="a JSON document") from None
    # Nesting can never exceed the number of brackets in the text: most documents skip the walk.
    if text.count("{") + text.count("[") > MAX_DEPTH and depth(doc) > MAX_DEPTH:
        raise _too_deep()
    # A surrogate can only come from an escape (the text itself was decoded strictly as UTF-8).
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and (where := unencodable(doc)) is not None:
        raise JsonRefused(
            f"the string at {where} holds a lone surrogate (a \\ud800-\\udfff escape without its pair), "
            "which is not a character and cannot be encoded as UTF-8",
            rule="utf-8",
            expected="Unicode characters (a surrogate only as half of an escaped pair)",
            path=where,
        )
    return doc


def _too_deep() -> JsonRefused:
    return JsonRefused(
        f"arrays and objects are nested more than {MAX_DEPTH} deep",
        rule="json-depth",
        expected=f"at most {MAX_DEPTH} levels",
    )
