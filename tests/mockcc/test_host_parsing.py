"""The request's host is parsed once, strictly (RFC 3986 host, digits-only port), and every consumer
(the guard, CSDS's baseURI, the login's directory) uses that one value."""

from __future__ import annotations

import pytest

from mockcc.authority import Authority, BadAuthority, of_target, parse
from mockcc.guard import Guard
from tests.conftest import ACCOUNT

CSDS = f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:@evil.com",
        "[::1]evil.com",
        "127.0.0.1:80:81",
        "127.0.0.1:8o",
        "127.0.0.1:",
        "127.0.0.1:99999",
        "localhost:+80",
        "127.0.0.1:80/evil",
        "user@127.0.0.1",
        "127.0.0.1%2f",
        "[::1",
        "[evil]:80",
    ],
)
def test_a_host_that_is_not_a_strict_authority_is_refused_and_never_handed_out(client, host):
    r = client.get(CSDS, headers={"host": host})
    assert r.status_code == 400, r.text
    assert r.json()["mockcc"]["rule"] == "host"
    assert r.json()["mockcc"]["path"] == "$headers.host"


@pytest.mark.parametrize(
    ("host", "base"),
    [
        ("127.0.0.1:8080", "127.0.0.1:8080"),
        ("LOCALHOST:1", "localhost:1"),
        ("[::1]:9", "[::1]:9"),
        ("localhost", "localhost"),
    ],
)
def test_csds_hands_out_the_parsed_authority(clock, host, base):
    from starlette.testclient import TestClient

    from mockcc.app import create_app
    from mockcc.settings import Settings

    with TestClient(create_app(Settings(), clock=clock)) as c:
        r = c.get(CSDS, headers={"host": host})
        assert r.status_code == 200, r.text
        assert {e["baseURI"] for e in r.json()["baseURIs"]} == {base}


def test_the_parser():
    assert parse("127.0.0.1:8080") == Authority("127.0.0.1", 8080)
    assert parse("[::1]") == Authority("::1")
    assert str(parse("[0:0::1]:80")) == "[::1]:80"
    assert str(parse("Mock.Test")) == "mock.test"
    with pytest.raises(BadAuthority):
        parse("")
    assert of_target(b"/path?q") is None
    assert of_target(b"*") is None
    assert of_target(b"http://evil.example/_mockcc/faults") == "evil.example"
    assert of_target(b"http://127.0.0.1:9?x") == "127.0.0.1:9"


def _guard() -> Guard:
    async def never(*_: object) -> None:
        raise AssertionError

    return Guard(lambda *_: None, bind_host="127.0.0.1", public_host=None, refused=never)  # type: ignore[arg-type]


def test_two_host_headers_are_refused_whichever_comes_first():
    guard = _guard()
    for pair in ([b"127.0.0.1", b"evil.example"], [b"evil.example", b"127.0.0.1"], [b"127.0.0.1", b"127.0.0.1"]):
        error, named = guard.check("GET", "/_mockcc/health", [(b"host", pair[0]), (b"host", pair[1])])
        assert error is not None
        assert error.rule == "host"
        assert "2 Host headers" in error.explanation
        assert named is None


def test_an_absolute_form_target_must_name_the_host():
    guard = _guard()
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    error, _ = guard.check("POST", "/_mockcc/faults", headers, target="evil.example")
    assert error is not None
    assert error.rule == "host"
    assert "target's authority wins" in error.explanation
    error, named = guard.check("POST", "/_mockcc/faults", headers, target="127.0.0.1")
    assert error is None
    assert named == Authority("127.0.0.1")
