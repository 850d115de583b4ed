"""One self-contained OpenAPI document for Prism: SEND, validated against the mock's own schema.

The project's schemas reference each other by relative ``$ref`` between files, which Prism's
resolver does not follow from ``$id``; here every file becomes a component and every ``$ref``
points inside the one document. Prism dereferences everything and overflows its stack on recursive
schemas, so the recursive ones (rich content, metadata) are relaxed to "any object": the bench's
ContentEvent is still validated field by field.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any

from mockcc.schemas import schema_root

RECURSIVE = {
    "defs/rich-content": {"quickReplies": {"type": "object"}},
    "defs/metadata": {},
}


def _component(name: str) -> str:
    return name.replace("/", "_")


def _rewrite(node: Any, here: str) -> Any:
    """Rewrite ``$ref`` in the file named ``here`` (``sendapi/send-request``) to point inside the bundle."""
    if isinstance(node, dict):
        out = {k: _rewrite(v, here) for k, v in node.items() if k not in ("$id", "$schema")}
        ref = node.get("$ref")
        if isinstance(ref, str):
            target, _, pointer = ref.partition("#")
            name = here if not target else posixpath.normpath(posixpath.join(posixpath.dirname(here), target))
            name = name.removesuffix(".json")
            out["$ref"] = f"#/components/schemas/{_component(name)}{pointer}"
        return out
    if isinstance(node, list):
        return [_rewrite(v, here) for v in node]
    return node


def write(path: Path, account: str) -> Path:
    """Write the document to ``path`` and return it."""
    root = schema_root()
    components = {}
    for file in root.rglob("*.json"):
        name = file.relative_to(root).with_suffix("").as_posix()
        if name in RECURSIVE:
            components[_component(name)] = {"type": "object", "$defs": RECURSIVE[name]}
        elif not name.startswith("examples/"):
            components[_component(name)] = _rewrite(json.loads(file.read_text(encoding="utf-8")), name)
    ok = {"code": "OK", "body": {"sequence": 1}, "reqId": "1"}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "SEND for the bench", "version": "1"},
        "paths": {
            f"/api/account/{account}/messaging/consumer/conversation/send": {
                "post": {
                    "parameters": [{"name": "v", "in": "query", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/sendapi_send-request"}}
                        },
                    },
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"example": ok}}}},
                }
            }
        },
        "components": {"schemas": components},
    }
    path.write_text(json.dumps(doc))
    return path
