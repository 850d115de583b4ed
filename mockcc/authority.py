"""The request's authority (``Host``, or an absolute-form target's), parsed once and strictly.

RFC 3986 §3.2.2-3.2.3, held tighter where the mock never needs the slack: ``host`` is a bracketed
IPv6 address, an IPv4 address or a name of letters, digits, ``-``, ``.``, ``_`` and ``~`` (no
percent-encoding, no sub-delimiters, no userinfo); ``port``, when present, is 1-5 digits up to 65535.
``127.0.0.1:@evil.com``, ``[::1]evil.com`` and ``host:80:81`` are refused, so no consumer of the host
(the guard, CSDS's ``baseURI``) can ever hand a connector another host than the one it named.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

#: Where the guard leaves the parsed ``Authority`` in the ASGI scope, for every consumer of the host.
SCOPE_KEY = "mockcc.authority"
#: Where ``mockcc serve`` leaves an absolute-form target's authority (the app never sees the target).
TARGET_KEY = "mockcc.target_authority"
_NAME = re.compile(r"[A-Za-z0-9._~-]{1,253}")
_PORT = re.compile(r"[0-9]{1,5}")


class BadAuthority(ValueError):
    """Not an authority the mock accepts; the message says why."""


@dataclass(frozen=True, slots=True)
class Authority:
    """A parsed authority: ``host`` lower-cased (an IPv6 address without brackets), ``port`` or None."""

    host: str
    port: int | None = None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


@functools.lru_cache(maxsize=256)  # every request names its host: a client repeats one (a refusal is never kept)
def parse(value: str) -> Authority:
    """``Host`` (or a target's authority) -> ``Authority``; raises ``BadAuthority``."""
    text = value.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise BadAuthority("an IPv6 address opened with '[' is never closed")
        literal, rest = text[1:end], text[end + 1 :]
        try:
            host = str(ipaddress.IPv6Address(literal))
        except ValueError:
            raise BadAuthority(f"{literal[:60]!r} between brackets is not an IPv6 address") from None
        if rest and not rest.startswith(":"):
            raise BadAuthority(f"{rest[:60]!r} follows the IPv6 address; only ':' and a port may")
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_ = text.partition(":")
        port_text = port_text_ if colon else None
        if not _NAME.fullmatch(host):
            raise BadAuthority(
                f"host {host[:60]!r} is not a name of letters, digits, '-', '.', '_' or '~' (nor an IPv4 address)"
            )
        host = host.lower()
    port = None
    if port_text is not None:
        if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
            raise BadAuthority(f"port {port_text[:60]!r} is not a number from 0 to 65535 (digits only)")
        port = int(port_text)
    return Authority(host, port)


def of_target(target: bytes) -> str | None:
    """The authority of an absolute-form request target (``http://host:port/path``), as sent; None for
    the usual origin form (``/path``) and for ``*``."""
    if target.startswith(b"/") or target == b"*":
        return None
    _, sep, rest = target.partition(b"://")
    raw = rest if sep else target
    end = min((i for i in (raw.find(b"/"), raw.find(b"?"), raw.find(b"#")) if i >= 0), default=len(raw))
    return raw[:end].decode("latin-1")
