"""Secrets never leave the mock in what it records or shows (journal, state, delivery log).

Tokens are cut to a recognisable tail (enough to tell two apart, never enough to use one); client
secrets, passwords and the values of credential-bearing headers are replaced outright, whichever
field, header or body they arrive in.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

JSON = dict[str, Any]
REDACTED = "<redacted>"

#: Headers whose value is always a credential.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-lp-on-behalf", "cookie", "set-cookie"})
#: A custom header whose name holds one of these words is treated as a credential too.
_SECRET_WORDS = ("auth", "token", "secret", "key", "cookie", "password", "session")

_SECRET_PARAM = re.compile(r"((?:client_secret|password|access_token)=)[^&\s]*")
_SECRET_JSON = re.compile(
    r'("(?:client_secret|password|access_token|refresh_token|id_token|token|bearer|csrf)"\s*:\s*")(?:[^"\\]|\\.)*(")'
)
_JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")
_NAME = r'"header_name"\s*:\s*"[^"]*(?:' + "|".join(_SECRET_WORDS) + r')[^"]*"'
_HEADER_VALUE_AFTER = re.compile(r"(" + _NAME + r'\s*,\s*"header_value"\s*:\s*")(?:[^"\\]|\\.)*(")', re.IGNORECASE)
_HEADER_VALUE_BEFORE = re.compile(r'("header_value"\s*:\s*")(?:[^"\\]|\\.)*("\s*,\s*' + _NAME + ")", re.IGNORECASE)
#: Every pattern above needs one of these (lower-cased) words: text without any skips the five passes.
_CLUES = ("secret", "password", "token", "bearer", "csrf", "header_value", "eyj")


def token(value: str) -> str:
    """Keep enough of a token to tell two apart, never enough to use it."""
    return f"<redacted …{value[-6:]}>" if len(value) > 12 else REDACTED


@functools.lru_cache(maxsize=1024)  # every request repeats the same few names; invented ones cannot grow it
def is_secret_header(name: str) -> bool:
    lower = name.lower()
    return lower in SECRET_HEADERS or any(word in lower for word in _SECRET_WORDS)


def header(name: str, value: str) -> str:
    """A header's value as it may be recorded."""
    return token(value) if is_secret_header(name) else value


def text(value: str) -> str:
    """Hide secrets in a query string, a form body or a JSON body (also a truncated one)."""
    lower = value.lower()
    if not any(clue in lower for clue in _CLUES):
        return value
    value = _SECRET_PARAM.sub(rf"\1{REDACTED}", value)
    value = _SECRET_JSON.sub(rf"\1{REDACTED}\2", value)
    value = _HEADER_VALUE_AFTER.sub(rf"\1{REDACTED}\2", value)
    value = _HEADER_VALUE_BEFORE.sub(rf"\1{REDACTED}\2", value)
    return _JWT.sub(lambda m: token(m.group(0)), value)


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
