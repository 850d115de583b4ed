"""The security rule: no page from another origin drives the mock, DNS rebinding reads nothing, seeds
posted over HTTP read no local file, and no CORS header is ever granted (mockcc/guard.py)."""

from __future__ import annotations

import pytest
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from mockcc.app import create_app
from mockcc.config import read_seed_file
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
