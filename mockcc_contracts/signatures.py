"""Why a connector refused LivePerson's deliveries: how the signature it got was built, checked again here.

A connector that refuses correctly signed notifications loses every agent message, and the delivery
log alone says only ``attempt 1: 401``. ``explain_refusals`` re-verifies each refused delivery with the
installation's secret and, when the signature was right, says how LivePerson builds the header
(protocol notes §5.2, Appendix B) and what exactly the connector was sent.
"""

from __future__ import annotations

from typing import Any

from mockcc.webhooks.signing import LIVEPERSON_VARIANTS, verify

JSON = dict[str, Any]
HOW = (
    "X-Liveperson-Signature is 'sha1=' + base64(HMAC-SHA1(key = the client secret as UTF-8, message = the raw "
    "request body bytes, before any JSON parsing)); LivePerson may also sign with sha256 or send a hex digest "
    "(accept {variants}; protocol notes §5.2, test vectors in Appendix B)"
)


def refused_signed(deliveries: list[JSON], secret: str) -> list[JSON]:
    """Deliveries the connector answered 401/403 although their signature verifies with ``secret``."""
    out = []
    for d in deliveries:
        if d.get("status") not in (401, 403) or d.get("fault") or not isinstance(d.get("body"), str):
            continue
        header = _signature(d)
        if header and verify(d["body"].encode("utf-8"), secret, header):
            out.append(d)
    return out


def explain_refusals(deliveries: list[JSON], secret: str) -> list[str]:
    """Evidence lines when the connector refused correctly signed deliveries (none otherwise)."""
    refused = refused_signed(deliveries, secret)
    if not refused:
        return []
    first = refused[0]
    body = str(first["body"])
    variants = ", ".join(f"{a}/{e}" for a, e in LIVEPERSON_VARIANTS)
    return [
        f"signature: the connector refused {len(refused)} correctly signed deliveries (answered "
        f"{sorted({d['status'] for d in refused})}); each signature verifies against the body with the client secret",
        f"  how it is built: {HOW.format(variants=variants)}",
        f"  delivery #{first.get('id')} was sent X-Liveperson-Signature: {_signature(first)}",
        f"  over these {len(body.encode('utf-8'))} body bytes: {body[:160]}{'...' if len(body) > 160 else ''}",
    ]


def _signature(delivery: JSON) -> str | None:
    headers = delivery.get("headers") or {}
    return next((str(v) for k, v in headers.items() if k.lower() == "x-liveperson-signature"), None)
