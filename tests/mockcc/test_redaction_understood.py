"""Redaction works on what the mock understood (decoded form fields and query parameters, parsed JSON
keys, webhook header objects), and happens before the journal cuts a body to its preview."""

from __future__ import annotations

import json

import pytest

from mockcc.journal import BODY_PREVIEW
from tests.conftest import ACCOUNT

TOKEN = f"/sentinel/api/account/{ACCOUNT}/app/token"
LOGIN = f"/api/account/{ACCOUNT}/login?v=1.3"
INSTALLATIONS = f"/api/account/{ACCOUNT}/configuration/app-install/installations?v=1.0"
HOOK = "ms.MessagingEventNotification.ContentEvent"


def _journal(client, service: str) -> list[dict]:
    return client.get(f"/_mockcc/journal?service={service}").json()["calls"]


def _pieces(secret: str, size: int = 8) -> list[str]:
    """Every run of ``size`` characters of ``secret``: none may be recorded, not even half a secret."""
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def _leaks(secret: str, recorded: str) -> list[str]:
    return [piece for piece in _pieces(secret) if piece in recorded]


@pytest.mark.parametrize("name", ["client%5Fsecret", "client%5fsecret", "%63lient_secret", "client_s%65cret"])
def test_sentinel_secret_spelt_with_percent_escapes_is_redacted_in_query_and_form(client, lp, name):
    query = f"{TOKEN}?v=1.0&grant_type=client_credentials&client_id={lp.client_id}&{name}={lp.secret}"
    assert client.post(query).status_code == 200
    form = f"grant_type=client_credentials&client_id={lp.client_id}&{name}={lp.secret}"
    r = client.post(f"{TOKEN}?v=1.0", content=form, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    recorded = json.dumps(_journal(client, "sentinel"))
    assert not _leaks(lp.secret, recorded)
    assert lp.client_id in recorded  # only the secret is hidden


def test_a_password_key_spelt_with_a_json_escape_is_redacted(client):
    r = client.post(
        LOGIN,
        content=r'{"username":"admin","passw\u006frd":"mockcc-admin"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    [call] = _journal(client, "agentvep")
    assert "mockcc-admin" not in call["request_body"]
    assert "admin" in call["request_body"]  # the username stays
    assert not _leaks(r.json()["bearer"], json.dumps(call))


@pytest.mark.parametrize(
    "header",
    [
        '{"header_name":"X-Auth-Token","header_value":"hook-value-Q8w7e6r5t4y3"}',
        '{"header_value":"hook-value-Q8w7e6r5t4y3","header_name":"X-Auth-Token"}',
        '{"header_name":"X-Auth-Token","other":1,"header_value":"hook-value-Q8w7e6r5t4y3"}',
        '{"header_n\\u0061me":"X-Auth-T\\u006fken","header_v\\u0061lue":"hook-value-Q8w7e6r5t4y3"}',
    ],
)
def test_a_webhook_credential_header_is_redacted_in_the_journal_copy_of_the_body(client, header):
    bearer = client.post(LOGIN, json={"username": "admin", "password": "mockcc-admin"}).json()["bearer"]
    manifest = (
        (
            '{"client_name":"hooked","capabilities":{"webhooks":{"HOOK":'
            '{"endpoint":"https://example.test/hook","headers":[HEADER]}}}}'
        )
        .replace("HOOK", HOOK)
        .replace("HEADER", header)
    )
    headers = {"Authorization": f"Bearer {bearer}", "content-type": "application/json"}
    client.post(INSTALLATIONS, content=manifest, headers=headers)
    recorded = json.dumps(_journal(client, "appinstall"))
    assert not _leaks("hook-value-Q8w7e6r5t4y3", recorded)
    assert "X-Auth-T" in recorded


def test_a_client_secret_straddling_the_preview_cut_is_not_half_kept(client):
    """The 201 of App Installation carries the new client_secret; placed across byte 4096 of the
    answer, none of it may survive the cut."""
    bearer = client.post(LOGIN, json={"username": "admin", "password": "mockcc-admin"}).json()["bearer"]
    headers = {"Authorization": f"Bearer {bearer}"}

    def create(name: str, pad: int) -> str:
        manifest = {"client_name": name, "x_notes": "d" * pad}  # a field no document lists: kept
        r = client.post(INSTALLATIONS, json=manifest, headers=headers)
        assert r.status_code == 201, r.text
        return r.text

    probe = create("probe000", 10)  # the same length of name as the next one
    secret = json.loads(probe)["client_secret"]
    start = probe.encode().index(secret.encode())
    # the secret of the next installation has 13 of its 26 characters before the cut
    straddling = create("straddle", 10 + BODY_PREVIEW - 13 - start)
    secret = json.loads(straddling)["client_secret"]
    at = straddling.encode().index(secret.encode())
    assert at + 13 == BODY_PREVIEW
    recorded = json.dumps(_journal(client, "appinstall"))
    assert not _leaks(secret, recorded)


def test_a_password_and_a_token_straddling_the_cut_of_a_request_are_not_half_kept(client, lp):
    jwt = lp.app_jwt()
    for key, secret in (("password", "Zq9-value-0123456789abcdef"), ("note", jwt)):
        head = '{"username":"admin","pad":"'
        middle = f'","{key}":"'
        pad = BODY_PREVIEW - len(head) - len(middle) - 10
        body = head + "x" * pad + middle + secret + '"}'
        assert body.index(secret) < BODY_PREVIEW < body.index(secret) + len(secret)
        client.post(LOGIN, content=body, headers={"content-type": "application/json"})
        recorded = json.dumps(_journal(client, "agentvep"))
        assert not _leaks(secret, recorded), key


def test_a_token_straddling_the_cut_of_the_query_is_not_half_kept(client, lp):
    jwt = lp.app_jwt()
    query = "version=1.0&pad=" + "q" * (2048 - 52) + "&access%5Ftoken=" + jwt
    assert query.index(jwt) < 2048 < query.index(jwt) + len(jwt)
    client.get(f"/api/account/{ACCOUNT}/service/baseURI.json?{query}")
    recorded = json.dumps(_journal(client, "csds"))
    assert not _leaks(jwt, recorded)
