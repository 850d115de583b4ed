"""schemas/openapi.yaml and the mock's routes stay in step, and /openapi.json serves the document whole.

Adding a route without documenting it (or documenting an operation the mock does not serve) fails
here, with the operation named: the document is what users fuzz the mock from.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis
import yaml
from starlette.routing import Route
from starlette.testclient import TestClient

from mockcc.app import all_routes, create_app
from mockcc.openapi import bundle
from mockcc.schemas import schema_root
from mockcc.settings import Settings

METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def routed() -> set[tuple[str, str]]:
    out = set()
    for route in all_routes():
        assert isinstance(route, Route)
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)  # {name:path} -> {name}
        out |= {(method.lower(), path) for method in route.methods or () if method != "HEAD"}
    return out


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in doc["paths"].items() for method in item if method in METHODS}


def source() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((schema_root() / "openapi.yaml").read_text(encoding="utf-8"))
    return doc


def test_every_route_is_documented():
    missing = sorted(routed() - documented(source()))
    assert not missing, f"routes missing from schemas/openapi.yaml: {missing}"


def test_every_documented_operation_is_routed():
    extra = sorted(documented(source()) - routed())
    assert not extra, f"schemas/openapi.yaml documents operations the mock does not serve: {extra}"


def test_every_operation_has_an_id_and_documents_its_errors():
    for path, item in source()["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            assert operation.get("operationId"), (method, path)
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)


def test_every_operation_documents_what_the_guard_and_the_server_answer_before_it_runs():
    """mockcc/guard.py (Host 400; cross-origin 403 and content-type 415 on state-changing control calls),
    the body cap (413) and mockcc serve (408, 431, 503) can answer any request: each operation says so."""
    for path, item in source()["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            wanted = {"400", "408", "413", "431", "503"}
            if path.startswith("/_mockcc/") and method in ("post", "put", "patch", "delete"):
                wanted |= {"403", "415"}
            missing = wanted - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"


def test_a_request_the_guard_refuses_is_answered_as_documented():
    """A Host the mock does not serve, and a cross-origin control call: the answer matches the document."""
    served = bundle(schema_root())
    loaded = schemathesis.openapi.from_dict(served)
    with TestClient(create_app(Settings()), base_url="http://127.0.0.1") as client:
        host = client.get("/sentinel/well-known/jwks", headers={"Host": "evil.example"})
        origin = client.post(
            "/_mockcc/settle", json={}, headers={"Origin": "http://evil.example", "Content-Type": "application/json"}
        )
        ctype = client.post("/_mockcc/settle", content=b"{}", headers={"Content-Type": "text/plain"})
    for response, method, path, status in (
        (host, "GET", "/sentinel/well-known/jwks", 400),
        (origin, "POST", "/_mockcc/settle", 403),
        (ctype, "POST", "/_mockcc/settle", 415),
    ):
        assert response.status_code == status
        assert str(status) in served["paths"][path][method.lower()]["responses"], (method, path, status)
        loaded[path][method].validate_response(response)  # the body matches the documented schema


def walk_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + [
            ref for v in node.values() for ref in walk_refs(v)
        ]
    if isinstance(node, list):
        return [ref for item in node for ref in walk_refs(item)]
    return []


def test_openapi_json_is_the_document_bundled_into_one_file():
    with TestClient(create_app(Settings()), base_url="http://127.0.0.1") as client:
        r = client.get("/openapi.json")
    assert r.status_code == 200
    served = r.json()
    assert served == bundle(schema_root())
    assert documented(served) == documented(source())
    refs = walk_refs(served)
    assert refs
    assert all(ref.startswith("#/") for ref in refs), [ref for ref in refs if not ref.startswith("#/")]
    assert "sendapi.send-request" in served["components"]["schemas"]
    # a tool can use it as it is: schemathesis loads it and finds every operation
    loaded = schemathesis.openapi.from_dict(served)
    operations = {(op.ok().method.lower(), op.ok().path) for op in loaded.get_all_operations()}
    assert operations == documented(source())


def test_the_webhook_receiver_document_takes_every_documented_notification():
    """schemas/webhook-receiver.yaml: one operation, the X-Liveperson-* headers, both notification kinds."""
    from jsonschema import Draft202012Validator

    from mockcc_contracts.fuzz_webhooks import cases, documented

    doc = bundle(schema_root(), "webhook-receiver.yaml")
    operation = doc["paths"]["/"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"X-Liveperson-Account-Id", "X-Liveperson-Client-Id", "X-Liveperson-Signature"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**body, "components": doc["components"]})
    for name, notification in documented():
        assert validator.is_valid(notification), name
    assert not validator.is_valid({"kind": "notification", "type": "ms.SomethingElse", "body": {"changes": []}})
    signature = next(p for p in operation["parameters"] if p["name"] == "X-Liveperson-Signature")
    pattern = re.compile(signature["schema"]["pattern"])
    assert all(pattern.match(c.signature) for c in cases("s3cret", mutations=0) if c.expect == "accept" and c.signature)
    loaded = schemathesis.openapi.from_dict(doc)
    assert [op.ok().label for op in loaded.get_all_operations()] == ["POST /"]


def test_the_channel_document_describes_both_directions_with_an_example_of_every_event():
    """schemas/channel.yaml: consumer actions (paths) and channel events (webhooks), every example valid."""
    from jsonschema import Draft202012Validator

    from mockcc_contracts.channel.protocol import event_types

    doc = bundle(schema_root(), "channel.yaml")
    assert doc["openapi"].startswith("3.1")
    action = doc["paths"]["/channel/messages"]["post"]["requestBody"]["content"]["application/json"]
    event = doc["webhooks"]["channelEvent"]["post"]["requestBody"]["content"]["application/json"]
    for media in (action, event):
        validator = Draft202012Validator({**media["schema"], "components": doc["components"]})
        for name, example in media["examples"].items():
            assert validator.is_valid(example["value"]), name
    assert {e["value"]["type"] for e in event["examples"].values()} == set(event_types())
    assert {e["value"].get("type", "text") for e in action["examples"].values()} == {"text", "typing", "read", "close"}
    refused = doc["webhooks"]["channelEvent"]["post"]["responses"]["400"]["content"]["application/json"]
    assert Draft202012Validator({**refused["schema"], "components": doc["components"]}).is_valid(refused["example"])
    loaded = schemathesis.openapi.from_dict(doc)
    assert [op.ok().label for op in loaded.get_all_operations()] == ["POST /channel/messages"]


def test_every_liveperson_operation_documents_the_wrong_host_404():
    """With --split-hosts a route of a service that has its own host (mockcc.hosts.HOME) answers 404
    (rule csds-host) on another service's port: each such operation documents 404."""
    from mockcc.hosts import HOME

    operations = source()["paths"]
    checked = 0
    for route in all_routes():
        if not isinstance(route, Route) or str(route.name).split(":")[0] not in HOME:
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            checked += 1
            responses = operations[route.path][method.lower()]["responses"]
            assert "404" in responses, f"{method} {route.path} does not document 404"
    assert checked >= 15
