"""``GET /openapi.json``: ``schemas/openapi.yaml`` bundled into one self-contained JSON document; and the
seed's schema on its own (``GET /_mockcc/schemas/seed.json``), for editors.

The YAML refers to the JSON Schema files beside it (``csds/all-baseuris.json``), which a client that
fetched the document over HTTP could not resolve. Bundling copies every referenced file into
``components/schemas`` (``csds/all-baseuris.json`` -> ``csds.all-baseuris``) and rewrites each
``$ref`` to point there, so schemathesis or any OpenAPI tool can use the served document as it is.
"""

from __future__ import annotations

import copy
import functools
import json
import posixpath
from pathlib import Path
from typing import Any

from mockcc.schemas import schema_root
from mockcc.types import JSON


def component_name(file: str) -> str:
    """``sendapi/send-request.json`` -> ``sendapi.send-request`` (a valid components key)."""
    return file.removesuffix(".json").replace("/", ".")


def _rewrite(node: Any, base: str, wanted: set[str], home: str = "#/components/schemas/", root: str = "") -> Any:
    """Copy ``node`` with every ``$ref`` pointing into the bundle; ``base`` is the file it came from
    ("" for the OpenAPI document itself), ``wanted`` collects the files still to copy, ``home`` is where
    the copies go and ``root`` the file at the bundle's top, whose own references stay as they are."""
    if isinstance(node, list):
        return [_rewrite(item, base, wanted, home, root) for item in node]
    if not isinstance(node, dict):
        return node
    out: JSON = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            target, _, fragment = value.partition("#")
            if target:
                file = posixpath.normpath(posixpath.join(posixpath.dirname(base), target))
            elif base:
                file = base
            else:
                out[key] = value  # a reference inside the OpenAPI document stays as it is
                continue
            if file == root:
                out[key] = f"#{fragment}"
                continue
            wanted.add(file)
            out[key] = f"{home}{component_name(file)}{fragment}"
        elif key in ("$id", "$schema") and base:
            continue  # the bundle is the base now; a file's own $id would re-root its references
        else:
            out[key] = _rewrite(value, base, wanted, home, root)
    return out


def standalone(root: Path, name: str) -> JSON:
    """The schema file ``name`` (``control/seed.json``) with the files it refers to copied into its ``$defs``:
    one document an editor can fetch from the mock and complete a seed file with."""
    doc = json.loads((root / name).read_text(encoding="utf-8"))
    wanted: set[str] = set()
    out: JSON = {"$schema": doc.get("$schema"), **_rewrite(doc, name, wanted, "#/$defs/", name)}
    defs: JSON = out.setdefault("$defs", {})
    done: set[str] = set()
    while wanted - done:
        file = sorted(wanted - done)[0]
        done.add(file)
        loaded = json.loads((root / file).read_text(encoding="utf-8"))
        defs[component_name(file)] = _rewrite(loaded, file, wanted, "#/$defs/", name)
    return out


def bundle(root: Path, name: str = "openapi.yaml") -> JSON:
    """The OpenAPI document ``name`` under ``root`` with every external schema copied in."""
    import yaml  # loaded when the document is first asked for, not at start-up

    doc = yaml.safe_load((root / name).read_text(encoding="utf-8"))
    wanted: set[str] = set()
    out: JSON = _rewrite(doc, "", wanted)
    schemas: JSON = out.setdefault("components", {}).setdefault("schemas", {})
    done: set[str] = set()
    while wanted - done:
        file = sorted(wanted - done)[0]
        done.add(file)
        loaded = json.loads((root / file).read_text(encoding="utf-8"))
        schemas[component_name(file)] = _rewrite(loaded, file, wanted)
    return out


@functools.cache
def document() -> JSON:
    """The bundled document, built once per process (the files do not change under a running mock)."""
    return bundle(schema_root())


@functools.cache
def seed_schema() -> JSON:
    """``schemas/control/seed.json`` on its own, as ``GET /_mockcc/schemas/seed.json`` serves it."""
    return standalone(schema_root(), "control/seed.json")


def served() -> JSON:
    """A copy a caller may change."""
    return copy.deepcopy(document())
