"""What CONVERSATION and SEND share: the Client-Properties header."""

from __future__ import annotations

from mockcc import strictjson
from mockcc.errors import BadRequest
from mockcc.http import Ctx
from mockcc.schemas import validate


def client_features(ctx: Ctx) -> list[str]:
    """``features`` of the optional Client-Properties header (a JSON string)."""
    raw = ctx.header("client-properties")
    if not raw:
        return []
    try:
        props = strictjson.loads(raw)
    except strictjson.JsonRefused as exc:
        raise BadRequest(
            f"the Client-Properties header is not JSON the mock accepts: {exc.explanation}",
            path="$headers.client-properties" + exc.path[1:],
            rule=exc.rule,
            expected=exc.expected,
        ) from None
    if (violation := validate("sendapi/client-properties", props)) is not None:
        raise BadRequest(
            violation.message,
            path="$headers.client-properties" + violation.path[1:],
            rule=violation.rule,
            expected=violation.expected,
        )
    assert isinstance(props, dict)  # noqa: S101 - the schema guarantees an object
    return [str(f) for f in props.get("features", [])]
