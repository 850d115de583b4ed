"""Every refusal the mock can make carries the mockcc explanation object (explanation, path, rule),
beside LivePerson's own keys, in the answer and in the journal; and every leniency is noted."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from mockcc import auth_errors, errors
from tests.conftest import ACCOUNT, CONVERSATION, SEND, publish

TEXT = {"type": "ContentEvent", "contentType": "text/plain", "message": "x"}
CONV = f"/_mockcc/accounts/{ACCOUNT}/conversations"
INSTALLATIONS = f"/api/account/{ACCOUNT}/configuration/app-install/installations"
GRANTS = f"/api/account/{ACCOUNT}/configuration/provision/featureGrants?v=1.0"


def _explained(item: dict[str, Any], where: str) -> None:
    mockcc = item.get("mockcc")
    assert isinstance(mockcc, dict), f"{where}: no mockcc object in {item}"
    assert isinstance(mockcc.get("explanation"), str), where
    assert mockcc["explanation"].strip(), where
    assert isinstance(mockcc.get("rule"), str), where
    assert mockcc["rule"], where
    assert str(mockcc.get("path", "")).startswith("$"), where


def _refusals(client, lp, ext_id) -> list[tuple[str, Any]]:
    """(what, response) for every kind of refusal, service by service."""
    conv = lp.open(ext_id)
    headers = lp.headers(ext_id)
    bearer = client.post(f"/api/account/{ACCOUNT}/login?v=1.3", json={"username": "admin", "password": "mockcc-admin"})
    admin = {"Authorization": f"Bearer {bearer.json()['bearer']}"}
    created = client.post(INSTALLATIONS + "?v=1.0", json={"client_name": "walk"}, headers=admin).json()
    app = f"{INSTALLATIONS}/{created['id']}?v=1.0"
    out: list[tuple[str, Any]] = []

    def add(what: str, method: str, path: str, **kwargs: Any) -> None:
        out.append((what, client.request(method, path, **kwargs)))

    csds = f"/api/account/{ACCOUNT}/service"
    add("csds no version", "GET", f"{csds}/baseURI.json")
    add("csds wrong version", "GET", f"{csds}/baseURI.json?version=2.0")
    add("csds unknown account", "GET", "/api/account/999/service/baseURI.json?version=1.0")
    add("csds unknown service", "GET", f"{csds}/nothing/baseURI.json?version=1.0")
    token = f"/sentinel/api/account/{ACCOUNT}/app/token"
    add("sentinel no v", "POST", f"{token}?grant_type=client_credentials")
    add("sentinel grant", "POST", f"{token}?v=1.0&grant_type=password")
    add("sentinel no secret", "POST", f"{token}?v=1.0&grant_type=client_credentials&client_id=x")
    add("sentinel wrong secret", "POST", f"{token}?v=1.0&grant_type=client_credentials&client_id=x&client_secret=y")
    add("sentinel form type", "POST", f"{token}?v=1.0", content=b"{}", headers={"content-type": "application/json"})
    add("sentinel not utf-8", "POST", f"{token}?v=1.0&x=%FF")
    idp = f"/api/account/{ACCOUNT}/consumer?v=1.0"
    add("idp no token", "POST", idp, json={"ext_consumer_id": "a"})
    add("idp bad token", "POST", idp, json={"ext_consumer_id": "a"}, headers={"Authorization": "nope"})
    add("idp schema", "POST", idp, json={}, headers={"Authorization": lp.app_jwt()})
    add("idp wrong v", "POST", f"/api/account/{ACCOUNT}/consumer?v=9", json={})
    add("conversation schema", "POST", CONVERSATION, json=[{}], headers=headers)
    add("conversation order", "POST", CONVERSATION, json=[{"type": "cm.ConsumerRequestConversation"}], headers=headers)
    profile = {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}}
    request = {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}}
    first = {"kind": "req", "id": "3", "type": "ms.PublishEvent", "body": {"event": TEXT}}
    add(
        "conversation brand",
        "POST",
        CONVERSATION,
        json=[profile, {**request, "body": {"brandId": "9"}}],
        headers=headers,
    )
    add("conversation already open", "POST", CONVERSATION, json=[profile, request, first], headers=headers)
    add(
        "send no app jwt", "POST", SEND, json=publish(conv, TEXT), headers={"X-LP-ON-BEHALF": headers["X-LP-ON-BEHALF"]}
    )
    add("send no jws", "POST", SEND, json=publish(conv, TEXT), headers={"Authorization": headers["Authorization"]})
    add("send bad jws", "POST", SEND, json=publish(conv, TEXT), headers={**headers, "X-LP-ON-BEHALF": "x"})
    add("send no v", "POST", SEND.replace("?v=3", ""), json=publish(conv, TEXT), headers=headers)
    add("send too long", "POST", SEND, json=publish(conv, {**TEXT, "message": "m" * 6000}), headers=headers)
    add("send schema", "POST", SEND, json=publish(conv, {"type": "ContentEvent"}), headers=headers)
    add("send unknown dialog", "POST", SEND, json=publish("nope", TEXT), headers=headers)
    add("send json", "POST", SEND, content=b"{", headers={**headers, "content-type": "application/json"})
    add("send media type", "POST", SEND, content=b"{}", headers={**headers, "content-type": "text/plain"})
    add("login wrong", "POST", f"/api/account/{ACCOUNT}/login?v=1.3", json={"username": "admin", "password": "no"})
    add("login v", "POST", f"/api/account/{ACCOUNT}/login?v=x", json={"username": "admin", "password": "no"})
    add("appinstall no bearer", "GET", INSTALLATIONS + "?v=1.0")
    add("appinstall no if-match", "PUT", app, json={"client_name": "walk"}, headers=admin)
    add("appinstall duplicate", "POST", INSTALLATIONS + "?v=1.0", json={"client_name": "walk"}, headers=admin)
    add("appinstall unknown", "GET", f"{INSTALLATIONS}/nope?v=1.0", headers=admin)
    add("appinstall override", "POST", app, json={}, headers=admin)
    add("grants no bearer", "GET", GRANTS)
    add("grants schema", "POST", GRANTS, json={"appDataList": 1}, headers=admin)
    add("idp authenticate without consumer_auth", "POST", f"/api/account/{ACCOUNT}/authenticate", json={})
    add("idp signup unknown account", "POST", "/api/account/999/signup", json={})
    history = f"/messaging_history/api/account/{ACCOUNT}/conversations"
    add("history no bearer", "POST", f"{history}/search", json={})
    add("history schema", "POST", f"{history}/search", json={"start": "x"}, headers=admin)
    add("history by id schema", "POST", f"{history}/conversation/search", json={}, headers=admin)
    add("swift temp url", "GET", f"/v1/AUTH_async-images/{ACCOUNT}/x.png")
    add("unknown route", "GET", "/nowhere")
    add("wrong method", "DELETE", f"{csds}/baseURI.json?version=1.0")
    add("body too large", "POST", SEND, content=b"x" * (1024 * 1024 + 1), headers=headers)
    add("control unknown conversation", "GET", f"{CONV}/nope")
    add("control agent before join", "POST", f"{CONV}/{conv}/agent/text", json={"text": "hi"})
    add("control unknown action", "POST", f"{CONV}/{conv}/agent/dance", json={})
    add("control bad fault", "POST", "/_mockcc/faults", json={"kind": "nope"})
    add("control bad clock", "POST", "/_mockcc/clock/advance", json={"seconds": -1})
    add("control journal filter", "GET", "/_mockcc/journal?service=nope")
    add("control unknown delivery", "POST", "/_mockcc/webhooks/deliveries/999/replay", json={})
    add("guard host", "GET", "/_mockcc/state", headers={"host": "evil.example"})
    add("guard content type", "POST", "/_mockcc/reset", content=b"{}", headers={"content-type": "text/plain"})
    add("guard cross origin", "POST", "/_mockcc/reset", json={}, headers={"origin": "http://evil.example"})
    for kind in ("401", "429", "500", "503", "400", "403"):
        client.post("/_mockcc/faults", json={"kind": kind, "count": 1, "scope": "send"})
        add(f"fault {kind}", "POST", SEND, json=publish(conv, TEXT), headers=headers)
    client.post(f"{CONV}/{conv}/agent/join", json={})
    add("control receipt ahead", "POST", f"{CONV}/{conv}/agent/receipt", json={"status": "READ", "sequenceList": [99]})
    client.post(f"{CONV}/{conv}/agent/close", json={})
    add("send closed", "POST", SEND, json=publish(conv, TEXT), headers=headers)
    add("control resume open", "POST", f"{CONV}/{lp.open(ext_id)}/agent/resume", json={"text": "back"})
    return out


def test_every_refusal_the_mock_makes_is_explained(client, lp, ext_id):
    refusals = _refusals(client, lp, ext_id)
    statuses = set()
    for what, r in refusals:
        assert r.status_code >= 400, f"{what}: not refused ({r.status_code} {r.text[:200]})"
        statuses.add(r.status_code)
        body = r.json()
        if isinstance(body, list):  # CONVERSATION's per-item answer: each refused item is explained
            refused = [item for item in body if item.get("code") != "OK"]
            assert refused, what
            for item in refused:
                _explained(item, what)
        else:
            _explained(body, what)
    assert statuses >= {400, 401, 403, 404, 405, 409, 412, 413, 415, 429, 500, 503}
    recorded = client.get("/_mockcc/journal?limit=5000").json()["calls"]
    unexplained = [
        (c["method"], c["path"], c["status"]) for c in recorded if c["status"] >= 400 and not c["explanation"]
    ]
    assert not unexplained


def test_every_api_error_class_renders_the_explanation():
    """The classes no HTTP walk reaches in-process (the server's 408/431) render it the same way."""
    classes = {c for module in (errors, auth_errors) for _, c in inspect.getmembers(module, inspect.isclass)}
    for cls in sorted(classes, key=lambda c: c.__name__):
        if not issubclass(cls, errors.ApiError) or cls in (errors.ApiError,):
            continue
        error = cls(40102, "why") if cls is auth_errors.AuthError else cls("why", path="$x", rule="r")
        _explained(error.body(), cls.__name__)


@pytest.mark.parametrize("header", ["Authorization", "X-LP-ON-BEHALF"])
def test_a_bearer_prefix_on_a_send_api_token_is_accepted_with_a_lenient_note(client, lp, ext_id, header):
    conv = lp.open(ext_id)
    headers = lp.headers(ext_id)
    headers[header] = f"Bearer {headers[header]}"
    assert client.post(SEND, json=publish(conv, TEXT), headers=headers).status_code == 200
    [call] = client.get("/_mockcc/journal?service=send").json()["calls"]
    assert len(call["lenient"]) == 1
    assert call["lenient"][0].startswith(f"{header}: 'Bearer <token>' accepted")


def test_no_content_type_is_accepted_with_a_lenient_note_and_a_plain_call_has_none(client, lp, ext_id):
    conv = lp.open(ext_id)
    assert lp.text(ext_id, conv, "plain").status_code == 200
    body = b'{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"%s","event":%s}}'
    body = body % (conv.encode(), b'{"type":"ContentEvent","contentType":"text/plain","message":"x"}')
    assert client.post(SEND, content=body, headers=lp.headers(ext_id)).status_code == 200
    plain, bare = client.get("/_mockcc/journal?service=send").json()["calls"]
    assert plain["lenient"] == []
    assert bare["lenient"] == ["no Content-Type: the body was read as JSON; LivePerson's APIs expect application/json"]
