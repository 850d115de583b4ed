"""The UMS envelope (§1.4-1.5 of the notes): request frames in, ``resp`` frames out.

``parse`` reads one text frame strictly (the same parser as HTTP bodies) into a ``Request``: ``id``
(a string of 1-64 characters, or an integer, answered as the string ``reqId``), ``type`` (both
spellings: ``cm.X`` and ``.ams.cm.X``; ``aam.`` is ``cqm.``, ``userprofile.`` is ``up.``; the SDK's
``.GetClock``), optional ``body``, ``metadata`` (a single element may come bare) and top-level
``headers``. A frame that cannot be a request raises ``FrameRefused``; it is answered 400 with the
mockcc explanation and changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from mockcc import strictjson
from mockcc.types import JSON

#: Request-type prefixes that name the same service (§1.5 [INFERRED]).
ALIASES = {"aam": "cqm", "userprofile": "up"}
ID_LIMIT = 64
STRING_RESP = ".ReqBody$StringResp"
#: Answers' text body is at most this long (LivePerson's StringResp limit).
STRING_LIMIT = 128


class FrameRefused(Exception):
    """A frame that is not a request this socket can take: answered 400 (``req_id`` when it was readable)."""

    def __init__(self, explanation: str, *, rule: str, path: str = "$", req_id: str | None = None) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.rule = rule
        self.path = path
        self.req_id = req_id


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    type: str  # as sent
    name: str  # canonical: "cm.UpdateConversationField", "routing.SetAgentState", "GetClock"
    body: object
    metadata: list[JSON] | None
    headers: object


def canonical(kind: str) -> str:
    """``.ams.aam.SubscribeExConversations`` -> ``cqm.SubscribeExConversations``; ``.GetClock`` -> ``GetClock``."""
    name = kind[1:] if kind.startswith(".") else kind
    if name.startswith("ams."):
        name = name[4:]
    head, _, tail = name.rpartition(".")
    head = ALIASES.get(head, head)
    return f"{head}.{tail}" if head else tail


def as_list(value: object) -> list[object]:
    """LivePerson's "single element arrays": a bare element is a list of one."""
    return value if isinstance(value, list) else [value]


def parse(text: str | bytes) -> Request:
    try:
        frame = strictjson.loads(text)
    except strictjson.JsonRefused as exc:
        raise FrameRefused(
            f"the frame is not strict JSON: {exc.explanation}", rule=exc.rule, req_id=_lenient_id(text)
        ) from None
    if not isinstance(frame, dict):
        raise FrameRefused("a frame must be a JSON object with kind, id and type", rule="type")
    raw_id = frame.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        raise FrameRefused("id is required: a string of 1-64 characters (or an integer)", rule="required", path="$.id")
    req_id = str(raw_id)
    if not 1 <= len(req_id) <= ID_LIMIT:
        raise FrameRefused(f"id must be 1-{ID_LIMIT} characters", rule="maxLength", path="$.id", req_id=req_id[:64])
    if frame.get("kind") != "req":
        raise FrameRefused(
            'kind must be "req": a client sends requests only', rule="const", path="$.kind", req_id=req_id
        )
    kind = frame.get("type")
    if not isinstance(kind, str) or not kind:
        raise FrameRefused("type is required: the request type", rule="required", path="$.type", req_id=req_id)
    metadata: list[JSON] | None = None
    if frame.get("metadata") is not None:
        items = as_list(frame["metadata"])
        metadata = [item for item in items if isinstance(item, dict)]
        if len(metadata) != len(items):
            raise FrameRefused(
                "metadata must be objects (or one bare object)", rule="type", path="$.metadata", req_id=req_id
            )
    return Request(req_id, kind, canonical(kind), frame.get("body"), metadata, frame.get("headers"))


def _lenient_id(text: str | bytes) -> str | None:
    """The id of a frame strict JSON refused, read leniently, so the refusal still reaches its caller."""
    try:
        frame = json.loads(text)
    except Exception:
        return None
    raw = frame.get("id") if isinstance(frame, dict) else None
    return str(raw)[:ID_LIMIT] if isinstance(raw, str | int) and not isinstance(raw, bool) else None


def response(req_id: str | None, code: int, kind: str, body: object) -> JSON:
    out: JSON = {"kind": "resp"}
    if req_id is not None:
        out["reqId"] = req_id
    out["code"] = code
    out["type"] = kind
    out["body"] = body
    return out


def short(text: str) -> str:
    """A StringResp body: at most 128 characters."""
    return text if len(text) <= STRING_LIMIT else text[: STRING_LIMIT - 1] + "…"
