"""What CONVERSATION and SEND share: the Client-Properties header and LivePerson's profile answer."""

from __future__ import annotations

import json

from mockcc.errors import RestError
from mockcc.http import Ctx
from mockcc.schemas import validate

PROFILE_OK = {"msg": "OK User Profile set successfully"}


def client_features(ctx: Ctx) -> list[str]:
    """``features`` of the optional Client-Properties header (a JSON string)."""
    raw = ctx.header("client-properties")
    if not raw:
        return []
    try:
        props = json.loads(raw)
    except ValueError:
        raise RestError(
            "the Client-Properties header is not JSON", path="$headers.client-properties", rule="json"
        ) from None
    if (violation := validate("sendapi/client-properties", props)) is not None:
        raise RestError(
            violation.message,
            path="$headers.client-properties" + violation.path[1:],
            rule=violation.rule,
            expected=violation.expected,
        )
    return [str(f) for f in props.get("features", [])]
