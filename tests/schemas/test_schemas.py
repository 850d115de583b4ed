"""The JSON Schemas under schemas/: well-formed, consistently named, exemplified, and pointed in their errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockcc.schemas import Violation, schema_names, schema_root, validate, validator

ROOT = schema_root()
EXAMPLES = ROOT / "examples"
NAMES = schema_names()
ID_PREFIX = "https://mockcc.invalid/schemas/"

# Invalid examples are named for the rule they break; the last of these tokens in the name is that rule.
RULE_TOKENS = {
    "enum": "enum",
    "required": "required",
    "type": "type",
    "const": "const",
    "pattern": "pattern",
    "maxlength": "maxLength",
    "minlength": "minLength",
    "maxitems": "maxItems",
    "minitems": "minItems",
    "maximum": "maximum",
    "minimum": "minimum",
    "additional": "additionalProperties",
    "forbidden": "not",
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def raw_schema(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = load(ROOT / f"{name}.json")
    return doc


def examples(kind: str) -> list[Any]:
    return [
        pytest.param(name, path, id=f"{name}/{kind}/{path.stem}")
        for name in NAMES
        for path in sorted((EXAMPLES / name / kind).glob("*.json"))
    ]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def keywords(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key not in ("properties", "$defs"):
                yield from keywords(value)
            elif isinstance(value, dict):
                for sub in value.values():
                    yield from keywords(sub)
    elif isinstance(node, list):
        for item in node:
            yield from keywords(item)


def resolve_pointer(doc: Any, fragment: str) -> Any:
    node = doc
    for part in [p for p in fragment.lstrip("/").split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def send(event: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {"kind": "req", "id": "1", "type": "ms.PublishEvent", "body": {"dialogId": "d-1", **body, "event": event}}


# --- every schema file ----------------------------------------------------------------------------------


def test_the_schema_set_is_complete() -> None:
    for expected in (
        "defs/request-envelope",
        "defs/metadata",
        "defs/rich-content",
        "sendapi/send-request",
        "sendapi/conversation-request",
        "webhooks/messaging-event-notification",
        "webhooks/ex-conversation-change-notification",
        "appinstall/manifest",
        "appinstall/installation",
        "errors/auth-error",
        "errors/rest-error",
        "login/login-request",
        "login/login-response",
        "accountconfig/feature-grants",
    ):
        assert expected in NAMES
    assert not any(name.startswith("examples/") for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_draft_2020_12_with_title_and_description(name: str) -> None:
    schema = raw_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["title"]
    assert "LivePerson" in schema["description"] or "protocol notes" in schema["description"]


@pytest.mark.parametrize("name", NAMES)
def test_id_matches_the_file_path(name: str) -> None:
    assert raw_schema(name)["$id"] == f"{ID_PREFIX}{name}.json"


@pytest.mark.parametrize("name", NAMES)
def test_every_ref_resolves(name: str) -> None:
    registry: Registry[Any] = Registry().with_resources(
        (raw_schema(n)["$id"], Resource.from_contents(raw_schema(n), default_specification=DRAFT202012)) for n in NAMES
    )
    resolver = registry.resolver(base_uri=raw_schema(name)["$id"])
    for ref in refs(raw_schema(name)):
        assert not ref.startswith(("http:", "https:")), f"{ref}: cross-file refs must be relative"
        assert resolver.lookup(ref).contents is not None


@pytest.mark.parametrize("name", NAMES)
def test_discriminates_with_if_then_not_one_of(name: str) -> None:
    """oneOf/anyOf make jsonschema report "not valid under any of the given schemas" instead of the real field."""
    used = set(keywords(raw_schema(name)))
    assert not used & {"oneOf", "anyOf"}


@pytest.mark.parametrize("name", NAMES)
def test_has_at_least_two_valid_and_two_invalid_examples(name: str) -> None:
    assert len(list((EXAMPLES / name / "valid").glob("*.json"))) >= 2
    assert len(list((EXAMPLES / name / "invalid").glob("*.json"))) >= 2


def test_no_examples_for_unknown_schemas() -> None:
    folders = {path.parent.parent.relative_to(EXAMPLES).as_posix() for path in EXAMPLES.rglob("*.json")}
    assert folders <= set(NAMES)


@pytest.mark.parametrize(("name", "path"), examples("valid"))
def test_valid_example_validates(name: str, path: Path) -> None:
    violation = validate(name, load(path))
    assert violation is None, violation.message


@pytest.mark.parametrize(("name", "path"), examples("invalid"))
def test_invalid_example_fails_on_the_rule_it_is_named_for(name: str, path: Path) -> None:
    tokens = [RULE_TOKENS[t] for t in path.stem.split("-") if t in RULE_TOKENS]
    assert tokens, f"name {path.stem!r} does not say which rule it breaks"
    instance = load(path)
    violation = validate(name, instance)
    assert violation is not None
    assert violation.rule == tokens[-1], violation.message
    broken = {(error.json_path, error.validator) for error in validator(name).iter_errors(instance)}
    assert len(broken) == 1, f"breaks more than one rule: {sorted(broken)}"


@pytest.mark.parametrize(("name", "path"), examples("valid") + examples("invalid"))
def test_the_fast_and_the_explaining_validators_agree(name: str, path: Path) -> None:
    """validate() trusts jsonschema-rs for "valid"; the Python validator must see it the same way."""
    from mockcc.schemas import _fast_validator

    instance = load(path)
    assert _fast_validator(name).is_valid(instance) == validator(name).is_valid(instance)


# --- the API of mockcc.schemas --------------------------------------------------------------------------


def test_schema_root_holds_the_schemas() -> None:
    assert (schema_root() / "sendapi" / "send-request.json").is_file()


def test_validators_are_compiled_once() -> None:
    assert validator("sendapi/send-request") is validator("sendapi/send-request")


def test_unknown_schema_name_raises_key_error() -> None:
    with pytest.raises(KeyError, match="no schema named"):
        validator("sendapi/nope")


def test_valid_instance_gives_none() -> None:
    assert validate("sendapi/send-request", send({"type": "ChatStateEvent", "chatState": "COMPOSING"})) is None


def test_wrong_chat_state_points_at_the_field() -> None:
    violation = validate("sendapi/send-request", send({"type": "ChatStateEvent", "chatState": "TYPING"}))
    assert isinstance(violation, Violation)
    assert violation.path == "$.body.event.chatState"
    assert violation.rule == "enum"
    assert violation.expected == ["ACTIVE", "INACTIVE", "GONE", "COMPOSING", "PAUSE"]
    assert "TYPING" in violation.message
    assert "COMPOSING" in violation.message


def test_missing_dialog_id_points_at_the_body_and_names_the_property() -> None:
    request = send({"type": "ContentEvent", "contentType": "text/plain", "message": "hi"}, conversationId="c-1")
    del request["body"]["dialogId"]
    violation = validate("sendapi/send-request", request)
    assert violation is not None
    assert (violation.path, violation.rule, violation.expected) == ("$.body", "required", ["dialogId"])
    assert "'dialogId'" in violation.message


def test_id_of_65_characters_is_too_long() -> None:
    request = send({"type": "ChatStateEvent", "chatState": "ACTIVE"}) | {"id": "x" * 65}
    violation = validate("sendapi/send-request", request)
    assert violation is not None
    assert (violation.path, violation.rule, violation.expected) == ("$.id", "maxLength", 64)
    assert "x" * 65 not in violation.message  # the value is measured, not repeated
    assert "65 characters" in violation.message


def test_id_of_64_characters_and_numeric_ids_are_accepted() -> None:
    event = {"type": "ChatStateEvent", "chatState": "ACTIVE"}
    assert validate("sendapi/send-request", send(event) | {"id": "x" * 64}) is None
    assert validate("sendapi/send-request", send(event) | {"id": 1}) is None
    batch = [
        {"id": 1, "type": "userprofile.SetUserProfile", "body": {}},
        {"id": 2, "type": "cm.ConsumerRequestConversation", "body": {"brandId": "64467156"}},
    ]
    assert validate("sendapi/conversation-request", batch) is None


@pytest.mark.parametrize(
    "field",
    [
        pytest.param({"field": "ConversationStateField", "conversationState": "CLOSE"}, id="object"),
        pytest.param([{"field": "ConversationStateField", "conversationState": "CLOSE"}], id="array"),
    ],
)
def test_conversation_field_is_accepted_as_object_or_array(field: Any) -> None:
    request = {
        "id": 1,
        "type": "cm.UpdateConversationField",
        "body": {"conversationId": "c-1", "conversationField": field},
    }
    assert validate("sendapi/send-request", request) is None


def test_conversation_field_errors_point_into_the_array() -> None:
    field = [{"field": "CSATRate", "csatRate": 9, "csatResolutionConfirmation": True, "status": "FILLED"}]
    request = {
        "id": 1,
        "type": "cm.UpdateConversationField",
        "body": {"conversationId": "c-1", "conversationField": field},
    }
    violation = validate("sendapi/send-request", request)
    assert violation is not None
    assert (violation.path, violation.rule, violation.expected) == (
        "$.body.conversationField[0].csatRate",
        "maximum",
        5,
    )


def test_unexpected_webhook_key_is_named() -> None:
    manifest = {"client_name": "x", "capabilities": {"webhooks": {"ms.MessagingEventNotification.Typo": {}}}}
    violation = validate("appinstall/manifest", manifest)
    assert violation is not None
    assert (violation.path, violation.rule) == ("$.capabilities.webhooks", "additionalProperties")
    assert "'ms.MessagingEventNotification.Typo'" in violation.message
    assert isinstance(violation.expected, list)
    assert "cqm.ExConversationChangeNotification" in violation.expected


def test_message_stays_short_for_big_values() -> None:
    request = send({"type": "ContentEvent", "contentType": "hosted/file", "message": "x" * 5000})
    violation = validate("sendapi/send-request", request)
    assert violation is not None
    assert (violation.path, violation.rule) == ("$.body.event.message", "type")
    assert len(violation.message) < 200


def test_as_dict_is_the_mockcc_error_object() -> None:
    violation = validate("idp/consumer-request", {})
    assert violation is not None
    as_dict = violation.as_dict()
    assert as_dict == {
        "explanation": violation.message,
        "path": "$",
        "rule": "required",
        "expected": ["ext_consumer_id"],
    }
    assert validate("defs/mockcc-explanation", as_dict) is None
    assert (
        validate("errors/rest-error", {"code": "BAD_REQUEST", "body": {"msg": "Bad Request"}, "mockcc": as_dict})
        is None
    )


# --- Appendix B: LivePerson's signed webhook test vectors ----------------------------------------------

APPENDIX_B = [
    pytest.param(
        "webhooks/messaging-event-notification",
        "appendix-b-vector-1",
        "sha1=e/TfS0wv1HbvEsMqcBMmFLcMslI=",
        id="chat-state-vector",
    ),
    pytest.param(
        "webhooks/ex-conversation-change-notification",
        "appendix-b-vector-2",
        "sha1=CKiT6u4nb4Mpi0tdbCbgBXKAF1E=",
        id="conversation-closed-vector",
    ),
]


@pytest.mark.parametrize(("name", "stem", "signature"), APPENDIX_B)
def test_appendix_b_vectors_are_stored_verbatim_and_accepted(name: str, stem: str, signature: str) -> None:
    raw = (EXAMPLES / name / "valid" / f"{stem}.json").read_bytes()
    digest = hmac.new(b"rl9hacst6kqilbofup64n11ga3", raw, hashlib.sha1).digest()
    assert "sha1=" + base64.b64encode(digest).decode() == signature
    assert validate(name, json.loads(raw)) is None


# --- openapi.yaml ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return doc


def test_openapi_is_3_1(openapi: dict[str, Any]) -> None:
    assert str(openapi["openapi"]).startswith("3.1.")
    assert openapi["paths"]


def test_openapi_refs_resolve(openapi: dict[str, Any]) -> None:
    found = list(refs(openapi))
    assert any(not ref.startswith("#") for ref in found)
    for ref in found:
        target, _, fragment = ref.partition("#")
        doc: Any = openapi
        if target:
            assert (ROOT / target).is_file(), ref
            assert target.removesuffix(".json") in NAMES, ref
            doc = load(ROOT / target)
        assert resolve_pointer(doc, fragment) is not None, ref


def test_openapi_documents_the_mocked_paths(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    for path in (
        "/api/account/{accountId}/service/baseURI.json",
        "/api/account/{accountId}/service/{serviceName}/baseURI",
        "/sentinel/api/account/{accountId}/app/token",
        "/sentinel/api/v2/account/{accountId}/app/token",
        "/sentinel/well-known/jwks",
        "/api/account/{accountId}/consumer",
        "/api/account/{accountId}/messaging/consumer/conversation",
        "/api/account/{accountId}/messaging/consumer/conversation/send",
        "/api/account/{accountId}/configuration/app-install/installations/{appId}",
    ):
        assert path in paths
    installation = paths["/api/account/{accountId}/configuration/app-install/installations/{appId}"]
    assert {"get", "put", "delete"} <= set(installation)
