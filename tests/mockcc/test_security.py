"""The security rule: no page from another origin drives the mock, DNS rebinding reads nothing, seeds
posted over HTTP read no local file, and no CORS header is ever granted (mockcc/guard.py)."""

from __future__ import annotations

import json

import pytest
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from mockcc.app import create_app, journal_refusals
from mockcc.config import read_seed_file
from mockcc.errors import HeadersTooLarge
from mockcc.settings import Settings
from tests.conftest import ACCOUNT, quiet_seed

JSON_CTYPE = {"content-type": "application/json"}
AGENT = f"/_mockcc/accounts/{ACCOUNT}/conversations/{{}}/agent/{{}}"


def _state(client):
    return client.get("/_mockcc/state").json()["accounts"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/_mockcc/reset"),
        ("GET", "/_mockcc/state"),
        ("GET", f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0"),
        ("GET", "/no/such/path"),
    ],
)
def test_a_foreign_host_is_refused_everywhere(client, method, path):
    r = client.request(method, path, headers={"host": "evil.example", **JSON_CTYPE})
    assert r.status_code == 400
    assert r.json()["code"] == "BAD_REQUEST"
    assert r.json()["mockcc"]["rule"] == "host"
    assert "evil.example" not in r.json()["mockcc"]["expected"]
    assert "evil.example" not in str(r.json()["mockcc"]["expected"])


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8080", "localhost:1", "LOCALHOST", "[::1]:9", "mock.test"])
def test_the_mock_answers_to_its_own_names(client, host):
    r = client.get(f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0", headers={"host": host})
    assert r.status_code == 200, r.text


def test_bound_and_public_names_are_served(clock):
    app = create_app(Settings(host="mock.lan", public_host="lp.example:8443"), clock=clock)
    with TestClient(app, base_url="http://mock.lan:8080") as c:
        assert c.get("/_mockcc/health").status_code == 200
        assert c.get("/_mockcc/health", headers={"host": "lp.example"}).status_code == 200
        assert c.get("/_mockcc/health", headers={"host": "other.example"}).status_code == 400


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_state_changing_control_calls_need_json(client, lp, ext_id, ctype):
    conv = lp.open(ext_id)
    assert client.post(AGENT.format(conv, "join"), json={}).status_code == 200
    client.post("/_mockcc/faults", json={"kind": "429", "count": 5})
    before = _state(client)
    headers = {"content-type": ctype} if ctype else {}
    calls = [
        ("POST", "/_mockcc/reset"),
        ("POST", AGENT.format(conv, "transfer")),
        ("POST", AGENT.format(conv, "close")),
        ("POST", "/_mockcc/clock/advance"),
        ("DELETE", "/_mockcc/faults"),
    ]
    for method, path in calls:
        r = client.request(method, path, content=b"" if ctype is None else b'{"seconds": 5}', headers=headers)
        assert r.status_code == 415, (path, r.text)
        assert r.json()["mockcc"]["rule"] == "content-type"
    assert _state(client) == before
    assert len(client.get("/_mockcc/faults").json()["faults"]) == 1


def test_json_with_a_charset_passes(client):
    r = client.post("/_mockcc/reset", content=b"", headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"origin": "http://evil.example"}, 403),
        ({"origin": "null"}, 403),
        ({"origin": "http://mock.test:9999"}, 403),  # another port is another origin
        ({"sec-fetch-site": "cross-site"}, 403),
        ({"origin": "http://mock.test"}, 200),  # the console, same origin
        ({"origin": "http://mock.test", "sec-fetch-site": "same-origin"}, 200),
        ({"sec-fetch-site": "same-site"}, 200),
        ({"sec-fetch-site": "none"}, 200),  # typed in the address bar / curl-like tools
    ],
)
def test_cross_origin_control_calls_are_refused(client, headers, status):
    client.post("/_mockcc/faults", json={"kind": "429", "count": 5})
    r = client.post("/_mockcc/reset", json={}, headers=headers)
    assert r.status_code == status, r.text
    assert (client.get("/_mockcc/faults").json()["faults"] == []) == (status == 200)
    if status == 403:
        assert r.json()["code"] == "FORBIDDEN"
        assert r.json()["mockcc"]["rule"] == "cross-origin"


def test_no_cors_header_is_ever_granted(client):
    preflight = client.options(
        "/_mockcc/reset",
        headers={"origin": "http://evil.example", "access-control-request-method": "POST"},
    )
    reads = client.get("/_mockcc/state", headers={"origin": "http://evil.example"})
    for r in (preflight, reads):
        assert not [k for k in r.headers if k.lower().startswith("access-control-")]


def test_a_route_added_later_inherits_the_rule(clock):
    """A new control endpoint (the console's, say) is guarded without doing anything itself."""

    async def generous(request):
        return JSONResponse({"changed": True}, headers={"Access-Control-Allow-Origin": "*"})

    app = create_app(Settings(seed_doc=quiet_seed()), clock=clock)
    app.router.routes.append(Route("/_mockcc/console/do", generous, methods=["POST"]))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert c.post("/_mockcc/console/do", content=b"x", headers={"content-type": "text/plain"}).status_code == 415
        assert c.post("/_mockcc/console/do", json={}, headers={"origin": "http://evil.example"}).status_code == 403
        assert c.post("/_mockcc/console/do", json={}, headers={"host": "evil.example"}).status_code == 400
        ok = c.post("/_mockcc/console/do", json={})
        assert ok.status_code == 200
        assert "access-control-allow-origin" not in ok.headers


def test_a_seed_over_http_reads_no_local_file(client, tmp_path):
    secret = tmp_path / "secrets.yaml"
    secret.write_text("- password: hunter2\n- {broken: [\n")
    before = _state(client)
    for name in (str(secret), "secrets.yaml", "/etc/passwd"):
        r = client.post("/_mockcc/seed", json=quiet_seed(agent={"type": "script", "file": name}))
        assert r.status_code == 400
        assert "--script-dir" in r.json()["mockcc"]["explanation"]
        assert "hunter2" not in r.text
        assert "broken" not in r.text
    assert _state(client) == before


def test_script_files_only_from_inside_the_script_dir(clock, tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "ok.yaml").write_text("- say: hello\n")
    (tmp_path / "outside.yaml").write_text("- say: secret\n")
    app = create_app(Settings(seed_doc=quiet_seed(), script_dir=scripts), clock=clock)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert c.post("/_mockcc/seed", json=quiet_seed(agent={"type": "script", "file": "ok.yaml"})).status_code == 200
        for name in ("../outside.yaml", str(tmp_path / "outside.yaml")):
            r = c.post("/_mockcc/seed", json=quiet_seed(agent={"type": "script", "file": name}))
            assert r.status_code == 400
            assert "outside --script-dir" in r.json()["mockcc"]["explanation"]
            assert "secret" not in r.text


def test_the_command_lines_config_may_name_script_files(tmp_path):
    (tmp_path / "agent.yaml").write_text("- say: from the config\n")
    config = tmp_path / "seed.yaml"
    config.write_text(f"accounts:\n  - account_id: '1'\n    agent: {{type: script, file: {tmp_path / 'agent.yaml'}}}\n")
    doc = read_seed_file(config)
    assert doc["accounts"][0]["agent"]["steps"] == [{"say": "from the config"}]


@pytest.mark.parametrize("method", ["PUT", "TRACE", "PATCH"])
def test_a_method_no_route_takes_is_a_405_not_a_guard_refusal(client, method):
    """Found by schemathesis: the guard answered 415 where the route would say 405 and change nothing."""
    r = client.request(method, "/_mockcc/state")
    assert r.status_code == 405
    assert r.json()["mockcc"]["rule"] == "method"


def test_calls_that_take_no_input_still_need_the_json_type_and_refuse_fields(client):
    assert client.post("/_mockcc/settle").status_code == 415
    assert client.post("/_mockcc/settle", json={}).status_code == 200
    assert client.post("/_mockcc/settle", json={"x": 1}).status_code == 400
    assert client.request("DELETE", "/_mockcc/faults", json=[]).status_code == 400


def test_the_guards_refusals_are_journaled_with_their_rule(client):
    """A refused call is the one a test never sees (a page in a browser, a rebound name): the journal keeps it."""
    csds = f"/api/account/{ACCOUNT}/service/baseURI.json"
    client.get(csds, params={"version": "1.0"}, headers={"host": "evil.example"})
    client.post("/_mockcc/reset", content=b"x", headers={"content-type": "text/plain"})
    client.post("/_mockcc/reset", json={}, headers={"origin": "http://evil.example"})
    client.post("/_mockcc/settle", json={})  # accepted: control calls that pass are not recorded
    calls = client.get("/_mockcc/journal").json()["calls"]
    seen = [
        (c["service"], c["account_id"], c["path"], c["status"], c["outcome"], c["explanation"]["rule"]) for c in calls
    ]
    assert seen == [
        ("csds", ACCOUNT, csds, 400, "invalid", "host"),
        ("control", None, "/_mockcc/reset", 415, "invalid", "content-type"),
        ("control", None, "/_mockcc/reset", 403, "rejected", "cross-origin"),
    ]
    assert calls[1]["request_body"] == "x"
    refused = client.get("/_mockcc/journal", params={"service": "control"}).json()["calls"]
    assert [c["status"] for c in refused] == [415, 403]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            f"GET /api/account/{ACCOUNT}/service/baseURI.json?version=1.0 HTTP/1.1\r\nX-H: 1\r\n".encode(),
            ("GET", f"/api/account/{ACCOUNT}/service/baseURI.json", "version=1.0", "csds", ACCOUNT),
        ),
        (b"POST /_mockcc/res", ("POST", "/_mockcc/res", "", "unmatched", None)),  # cut inside the request line
        (b"\x16\x03\x01\x02\x00\x01", ("", "", "", "unmatched", None)),  # a TLS hello on a plain-HTTP port
    ],
)
def test_the_servers_refusals_are_journaled_too(client, head, expected):
    """What ``mockcc serve`` refuses before parsing (431, 408) is journaled from what arrived of it."""
    record = journal_refusals(client.app)
    record(head, HeadersTooLarge("more than 100 header lines", path="$headers", rule="header-limit", expected=100))
    [call] = client.app.state.mock.journal.query()
    assert (call.method, call.path, call.query, call.service, call.account_id) == expected
    assert (call.status, call.outcome, call.explanation["rule"]) == (431, "rejected", "header-limit")
    assert json.loads(call.response_body)["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"


@pytest.mark.parametrize("host", ["[", "a b", "evil.example:x", ""])
def test_a_host_that_is_no_url_is_refused_and_journaled(client, host):
    r = client.get("/_mockcc/health?x=1", headers={"host": host})
    assert (r.status_code, r.json()["mockcc"]["rule"]) == (400, "host")
    [call] = client.get("/_mockcc/journal").json()["calls"]
    assert (call["path"], call["query"], call["status"]) == ("/_mockcc/health", "x=1", 400)
