"""Serialise and sign webhook bodies exactly as LivePerson does (§5.2, Appendix B).

The signature covers the exact bytes on the wire, so the body is serialised once (compact, ASCII
with ``\\uXXXX`` escapes) and those same bytes are signed and sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Literal

Algorithm = Literal["sha1", "sha256"]
Encoding = Literal["base64", "hex"]

_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
#: Every (algorithm, encoding) LivePerson may sign a delivery with, the default first: HMAC-SHA1, or HMAC-SHA256
#: on accounts switched to it, digest in base64 or, where configured, hex (protocol notes §5.2 "Signature
#: algorithm"; the base64 SHA1 vectors of Appendix B are verified, the others computed from the same inputs).
#: ``mockcc fuzz-webhooks`` and the contract suite send these and only these.
LIVEPERSON_VARIANTS: tuple[tuple[Algorithm, Encoding], ...] = (
    ("sha1", "base64"),
    ("sha256", "base64"),
    ("sha1", "hex"),
    ("sha256", "hex"),
)
_HEX_LENGTHS = {"sha1": 40, "sha256": 64}


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False)  # made once, not per call


def encode(notification: Mapping[str, object]) -> bytes:
    """The body bytes LivePerson would send: compact separators, non-ASCII escaped, never NaN."""
    return _ENCODER.encode(notification).encode("ascii")


def _digest(body: bytes, secret: str, algorithm: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), body, _DIGESTS[algorithm]).digest()


def sign(body: bytes, secret: str, algorithm: Algorithm = "sha1", encoding: Encoding = "base64") -> str:
    """``X-Liveperson-Signature`` value: ``"sha1=" + base64(HMAC(secret, body))`` (hex on request)."""
    if algorithm not in _DIGESTS:
        raise ValueError(f"unsupported signature algorithm {algorithm!r}")
    raw = _digest(body, secret, algorithm)
    text = raw.hex() if encoding == "hex" else base64.b64encode(raw).decode("ascii")
    return f"{algorithm}={text}"


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Constant-time check of a signature header; accepts sha1/sha256, base64 or hex digests."""
    if not header or not header.isascii() or "=" not in header:
        return False
    algorithm, _, value = header.strip().partition("=")
    algorithm = algorithm.lower()
    if algorithm not in _DIGESTS:
        return False
    expected = _digest(body, secret, algorithm)
    try:
        if len(value) == _HEX_LENGTHS[algorithm]:
            given = bytes.fromhex(value)
        else:
            given = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(expected, given)
