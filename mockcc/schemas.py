"""The JSON Schemas of the Connector API, loaded once and turned into short, pointed violations.

Every message the mock accepts or emits has a schema under ``schemas/`` (shipped in the wheel as
``mockcc/_schemas``). ``validate`` answers with a single ``Violation`` rather than jsonschema's error
tree, because a brand's CI log needs one sentence that names the field, the broken rule and what was
expected. The schemas discriminate with ``if``/``then`` instead of ``oneOf``, so jsonschema reports
errors at the real field; ``best_match`` is then keyed to prefer the deepest error.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:  # jsonschema is imported on the first invalid instance: start-up does not pay for it
    import jsonschema.exceptions  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv
    import jsonschema.protocols  # type: ignore[import-untyped, unused-ignore]
    from referencing import Registry

__all__ = ["Violation", "schema_names", "schema_root", "validate", "validator"]

_EXAMPLES_DIR = "examples"
#: Values an invalid instance may hold for the Python validator to explain it (its best match walks
#: every error: 15,000 SDEs took over a second of the event loop); a larger one is explained from
#: jsonschema-rs's own errors, in milliseconds, with a plainer sentence.
EXPLAIN_VALUES = 2_000
_MAX_SHOWN = 60  # characters of an offending value quoted in a message; bodies can be 5000 chars


def schema_root() -> Path:
    """Where the schema files live: ``mockcc/_schemas`` in a wheel, else the repo's ``schemas/``."""
    packaged = resources.files("mockcc").joinpath("_schemas")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "schemas"


@dataclass(frozen=True, slots=True)
class Violation:
    """The one error worth reporting for an invalid instance.

    ``path`` is a JSONPath (``$.body.event.chatState``; ``$`` for the root), ``rule`` the failing
    JSON Schema keyword, ``expected`` that keyword's value (for ``required`` the missing names, for
    ``additionalProperties`` the allowed names), and ``message`` a sentence for humans.
    """

    path: str
    rule: str
    expected: object
    message: str

    def as_dict(self) -> dict[str, object]:
        """The ``mockcc`` object the mock adds to every error body it returns."""
        return {"explanation": self.message, "path": self.path, "rule": self.rule, "expected": self.expected}


def schema_names() -> list[str]:
    """Every schema name, such as ``sendapi/send-request`` (relative path without ``.json``)."""
    return sorted(name for name, _ in _schema_files())


def validator(name: str) -> jsonschema.protocols.Validator:
    """The compiled validator for ``name``; raises ``KeyError`` for an unknown name."""
    return _validator(name)


def validate(name: str, instance: object) -> Violation | None:
    """Check ``instance`` against schema ``name``; ``None`` when valid, else the most specific violation.

    Valid requests (the hot path) are checked by jsonschema-rs in microseconds; only an invalid one
    goes through the Python validator, whose errors carry what the explanation needs.
    """
    payload: Any = instance  # any JSON value; the stubs' JSON alias is narrower than ``object``
    fast = _fast_validator(name)
    if fast.is_valid(payload):
        return None
    if _more_values_than(payload, EXPLAIN_VALUES):
        return _fast_violation(fast, payload)
    import jsonschema.exceptions  # type: ignore[import-untyped, unused-ignore]

    error = jsonschema.exceptions.best_match(validator(name).iter_errors(payload), key=_relevance)
    return None if error is None else _violation(error)


def _more_values_than(instance: object, limit: int) -> bool:
    """Whether ``instance`` holds more than ``limit`` values; stops counting there (no recursion)."""
    count = 0
    stack = [instance]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _fast_violation(fast: jsonschema_rs.Validator, instance: Any) -> Violation | None:
    """The deepest of jsonschema-rs's errors as a Violation (for instances too large to explain slowly)."""
    error = max(fast.iter_errors(instance), key=lambda e: len(e.instance_path), default=None)
    if error is None:
        return None
    path = "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.instance_path)
    rule = str(error.schema_path[-1]) if error.schema_path else "schema"
    expected = {k: v for k, v in error.kind.as_dict().items() if k != "name"} or None
    return Violation(path=path, rule=rule, expected=expected, message=f"{path}: {_shorten(error.message)}")


def _schema_files() -> list[tuple[str, Path]]:
    root = schema_root()
    files = []
    for path in root.rglob("*.json"):
        relative = path.relative_to(root)
        if relative.parts[0] != _EXAMPLES_DIR:
            files.append((relative.with_suffix("").as_posix(), path))
    return files


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {name: json.loads(path.read_text(encoding="utf-8")) for name, path in _schema_files()}


@functools.cache
def _registry() -> Registry[Any]:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    # Every file is registered under its $id, so relative refs between files resolve offline.
    resources_ = [
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in _schemas().values()
    ]
    return Registry().with_resources(resources_).crawl()


@functools.cache
def _fast_validator(name: str) -> jsonschema_rs.Validator:
    schemas = _schemas()
    if name not in schemas:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(sorted(schemas))}")
    registry = jsonschema_rs.Registry([(schema["$id"], schema) for schema in schemas.values()])
    return jsonschema_rs.validator_for(schemas[name], registry=registry, validate_formats=False)


@functools.cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schemas = _schemas()
    if name not in schemas:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(sorted(schemas))}")
    import jsonschema.validators  # type: ignore[import-untyped, unused-ignore]

    cls = jsonschema.validators.validator_for(schemas[name])
    return cls(schemas[name], registry=_registry())


def _relevance(error: jsonschema.exceptions.ValidationError) -> tuple[int, bool, bool]:
    """Sort key for ``best_match``: deeper errors win, then non-weak keywords, then type-matching ones.

    ``best_match`` takes the maximum among top-level errors but the minimum among an ``anyOf``/``oneOf``
    error's context, so the key is inverted for errors that have a parent; both ways the deepest wins.
    """
    depth = len(error.absolute_path)
    strong = error.validator not in ("anyOf", "oneOf")
    typed = _matches_type(error)
    if error.parent is None:
        return (depth, strong, typed)
    return (-depth, not strong, not typed)


def _matches_type(error: jsonschema.exceptions.ValidationError) -> bool:
    schema = error.schema
    if not isinstance(schema, dict) or "type" not in schema:
        return False
    expected = schema["type"]
    types = [expected] if isinstance(expected, str) else list(expected)
    import jsonschema.validators  # type: ignore[import-untyped, unused-ignore]

    checker = jsonschema.validators.Draft202012Validator.TYPE_CHECKER
    return any(checker.is_type(error.instance, t) for t in types)


def _violation(error: jsonschema.exceptions.ValidationError) -> Violation:
    path: str = error.json_path
    rule = str(error.validator)
    expected, problem = _describe(rule, error.validator_value, error.instance, error.schema)
    message = f"{path} {problem}" if problem else f"{path}: {_shorten(error.message)}"
    return Violation(path=path, rule=rule, expected=expected, message=message)


def _describe(rule: str, value: Any, instance: object, schema: object) -> tuple[object, str]:
    """What the keyword expected, and the problem phrased after the path; ``""`` when unknown."""
    if rule == "required" and isinstance(instance, dict):
        missing = [name for name in value if name not in instance]
        return missing, f"is missing required {_plural('property', missing)} {_names(missing)}"
    if rule == "additionalProperties" and isinstance(instance, dict) and isinstance(schema, dict):
        allowed = list(schema.get("properties", {}))
        extra = [key for key in instance if key not in allowed]
        return allowed, f"has unexpected {_plural('property', extra)} {_names(extra)}; allowed: {', '.join(allowed)}"
    if rule == "not" and isinstance(value, dict) and list(value) == ["required"]:
        return value["required"], f"must not have property {_names(value['required'])}"
    if rule == "not" and isinstance(value, dict) and list(value) == ["const"]:
        return value, f"must not be {_show(value['const'])}"
    if rule in ("minLength", "minItems") and value == 1:
        return value, "must not be empty"
    if rule in _BOUNDS:
        return value, f"must {_BOUNDS[rule].format(value)}; got {_measure(rule, instance)}"
    if rule == "enum":
        return value, f"must be one of {', '.join(_show(v) for v in value)}; got {_show(instance)}"
    if rule == "const":
        return value, f"must be {_show(value)}; got {_show(instance)}"
    if rule == "type":
        wanted = value if isinstance(value, str) else " or ".join(value)
        return value, f"must be of type {wanted}; got {_json_type(instance)}"
    if rule == "pattern":
        return value, f"must match the pattern {value!r}; got {_show(instance)}"
    return value, ""


def _plural(word: str, items: list[Any]) -> str:
    return word if len(items) == 1 else {"property": "properties"}.get(word, word + "s")


def _names(names: list[Any]) -> str:
    return ", ".join(repr(name) for name in names)


_BOUNDS = {
    "maxLength": "be at most {} characters long",
    "minLength": "be at least {} characters long",
    "maxItems": "have at most {} items",
    "minItems": "have at least {} items",
    "maximum": "be <= {}",
    "minimum": "be >= {}",
    "exclusiveMaximum": "be < {}",
    "exclusiveMinimum": "be > {}",
    "maxProperties": "have at most {} properties",
    "minProperties": "have at least {} properties",
}


def _measure(rule: str, instance: object) -> str:
    if rule.endswith("Length") and isinstance(instance, str):
        return f"{len(instance)} characters"
    if rule.endswith("Items") and isinstance(instance, list):
        return f"{len(instance)} items"
    if rule.endswith("Properties") and isinstance(instance, dict):
        return f"{len(instance)} properties"
    return _show(instance)


def _json_type(instance: object) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int):
        return "integer"
    if isinstance(instance, float):
        return "number"
    if isinstance(instance, str):
        return "string"
    if isinstance(instance, list):
        return "array"
    return "object"


def _show(value: object) -> str:
    """A value quoted briefly: scalars as JSON, containers summarised, never a whole body."""
    if isinstance(value, dict):
        keys = ", ".join(str(k) for k in list(value)[:5])
        return f"an object with keys [{keys}{', ...' if len(value) > 5 else ''}]"
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    return _shorten(json.dumps(value, ensure_ascii=False))


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."
