"""Secrets never leave the mock in what it records or shows (journal, state, delivery log).

Tokens are cut to a recognisable tail (enough to tell two apart, never enough to use one); client
secrets, passwords and the values of credential-bearing headers are replaced outright, whichever
field, header or body they arrive in.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any
from urllib.parse import unquote_plus

JSON = dict[str, Any]
REDACTED = "<redacted>"

#: Headers whose value is always a credential.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-lp-on-behalf", "cookie", "set-cookie"})
#: A custom header whose name holds one of these words is treated as a credential too.
_SECRET_WORDS = ("auth", "token", "secret", "key", "cookie", "password", "session")

#: JSON keys and query/form parameter names whose value is a secret (compared lower-cased, decoded).
SECRET_KEYS = frozenset(
    {"client_secret", "password", "access_token", "refresh_token", "id_token", "token", "bearer", "csrf"}
)
_SECRET_PARAM = re.compile(r"((?:client_secret|password|access_token)=)[^&\s]*")
#: A JSON member whose value is a string: its key (still escaped) and the value (maybe cut short).
_JSON_MEMBER = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:\s*")(?:[^"\\]|\\.)*("|$)')
_JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")
_NAME = r'"header_name"\s*:\s*"[^"]*(?:' + "|".join(_SECRET_WORDS) + r')[^"]*"'
_HEADER_VALUE_AFTER = re.compile(r"(" + _NAME + r'\s*,\s*"header_value"\s*:\s*")(?:[^"\\]|\\.)*(")', re.IGNORECASE)
_HEADER_VALUE_BEFORE = re.compile(r'("header_value"\s*:\s*")(?:[^"\\]|\\.)*("\s*,\s*' + _NAME + ")", re.IGNORECASE)
#: Every secret this module finds needs one of these (lower-cased) words, or an escape that could spell
#: one (``\u`` in JSON, ``%`` or ``+`` in a query or form): text without any is recorded as it is.
_CLUES = ("secret", "password", "token", "bearer", "csrf", "header_value", "eyj", "\\u", "%")


def token(value: str) -> str:
    """Keep enough of a token to tell two apart, never enough to use it."""
    return f"<redacted …{value[-6:]}>" if len(value) > 12 else REDACTED


@functools.lru_cache(maxsize=1024)  # every request repeats the same few names; invented ones cannot grow it
def is_secret_header(name: str) -> bool:
    lower = name.lower()
    return lower in SECRET_HEADERS or any(word in lower for word in _SECRET_WORDS)


def is_secret_key(name: str) -> bool:
    """Whether a JSON key or a parameter name (as decoded) holds a secret."""
    return name.lower() in SECRET_KEYS


def header(name: str, value: str) -> str:
    """A header's value as it may be recorded."""
    return token(value) if is_secret_header(name) else value


def _clueless(value: str) -> bool:
    lower = value.lower()
    return not any(clue in lower for clue in _CLUES)


def _free_text(value: str) -> str:
    """Secrets inside a string: ``password=...`` spelt out, and tokens."""
    return _JWT.sub(lambda m: token(m.group(0)), _SECRET_PARAM.sub(rf"\1{REDACTED}", value))


def query(value: str) -> str:
    """A query string or form body as it may be recorded: a parameter whose *decoded* name is a secret
    (``client%5Fsecret`` too) keeps its name and loses its value; tokens in any value are cut."""
    if _clueless(value) and "+" not in value:
        return value
    pieces = []
    for piece in value.split("&"):
        name, sep, raw = piece.partition("=")
        if sep and is_secret_key(unquote_plus(name, errors="replace")):
            piece = f"{name}={REDACTED}"
        elif sep:
            piece = f"{name}={_free_text(raw)}"
        pieces.append(piece)
    return "&".join(pieces)


def body(raw: bytes) -> str:
    """A request or response body as it may be recorded, whole (cut it after, never before: a secret
    straddling the cut would keep its first half). JSON is redacted as parsed, so an escaped key
    (``"passw\u006frd"``) or a webhook header object in any key order is understood; a form by its
    decoded field names; anything else (malformed JSON included) by patterns on the text."""
    text = raw.decode("utf-8", errors="replace")
    if _clueless(text):
        return text
    start = text.lstrip()[:1]
    if start in ("{", "["):
        try:
            redacted, changed = _walk(json.loads(text))
        except (ValueError, RecursionError):
            return _patterns(text)
        if not changed:
            return text
        shown = json.dumps(redacted, ensure_ascii=False, separators=(",", ":"))
        return shown.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate as its escape
    if "=" in text and start not in ('"', ""):
        return query(text)
    return _patterns(text)


def _walk(node: Any) -> tuple[Any, bool]:
    """``node`` with every secret member, credential header object and token replaced; and whether any was."""
    if isinstance(node, str):
        shown = _free_text(node) if not _clueless(node) else node
        return shown, shown is not node
    if isinstance(node, list):
        items = [_walk(item) for item in node]
        return [item for item, _ in items], any(changed for _, changed in items)
    if not isinstance(node, dict):
        return node, False
    out: dict[str, Any] = {}
    changed = False
    credential = isinstance(node.get("header_name"), str) and is_secret_header(node["header_name"])
    for key, value in node.items():
        if is_secret_key(key) or (credential and key == "header_value"):
            out[key] = REDACTED
            changed = True
        else:
            out[key], child_changed = _walk(value)
            changed = changed or child_changed
    return out, changed


def _secret_member(match: re.Match[str]) -> str:
    try:
        key = json.loads(f'"{match.group(1)}"')
    except ValueError:
        key = match.group(1)
    if not is_secret_key(str(key)):
        return match.group(0)
    return f'"{match.group(1)}"{match.group(2)}{REDACTED}{match.group(3)}'


def _patterns(value: str) -> str:
    """Text that is not JSON the parser takes (nor a form): secrets found by their shape."""
    value = _JSON_MEMBER.sub(_secret_member, value)
    value = _HEADER_VALUE_AFTER.sub(rf"\1{REDACTED}\2", value)
    value = _HEADER_VALUE_BEFORE.sub(rf"\1{REDACTED}\2", value)
    return _free_text(value)


def installation(app: JSON) -> JSON:
    """An app installation as the control plane shows it: no client secret, no credential header value."""
    shown = copy.deepcopy(app)
    shown["client_secret"] = REDACTED
    capabilities = shown.get("capabilities")
    webhooks = capabilities.get("webhooks") if isinstance(capabilities, dict) else None
    for config in webhooks.values() if isinstance(webhooks, dict) else ():
        headers = config.get("headers") if isinstance(config, dict) else None
        for item in headers if isinstance(headers, list) else ():
            if isinstance(item, dict) and is_secret_header(str(item.get("header_name", ""))):
                item["header_value"] = REDACTED
    return shown
