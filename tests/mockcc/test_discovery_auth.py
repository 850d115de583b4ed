"""CSDS, Sentinel and IdP: discovery and the two tokens, as a connector first meets them."""

from __future__ import annotations

import jwt
import pytest

from mockcc.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from mockcc.schemas import validate
from tests.conftest import ACCOUNT


@pytest.mark.parametrize(
    "path",
    [
        f"/api/account/{ACCOUNT}/service/baseURI.json?version=1.0",
        f"/api/account/{ACCOUNT}/service/baseURI?version=1.0",
    ],
)
def test_csds_all_services_point_back_at_the_mock(client, path):
    r = client.get(path)
    assert r.status_code == 200
    body = r.json()
    assert validate("csds/all-baseuris", body) is None
    services = {u["service"]: u["baseURI"] for u in body["baseURIs"]}
    assert {"asyncMessagingEnt", "sentinel", "idp", "accountConfigReadWrite", "swift"} <= set(services)
    assert set(services.values()) == {"mock.test"}


@pytest.mark.parametrize("suffix", ["baseURI.json", "baseURI"])
def test_csds_one_service(client, suffix):
    r = client.get(f"/api/account/{ACCOUNT}/service/sentinel/{suffix}?version=1.0")
    assert r.json() == {"service": "sentinel", "account": ACCOUNT, "baseURI": "mock.test"}
    assert validate("csds/service-baseuri", r.json()) is None


def test_csds_public_host_is_configurable(clock):
    from starlette.testclient import TestClient

    from mockcc.app import create_app
    from mockcc.settings import Settings

    with TestClient(create_app(Settings(public_host="lp.example:8443"), clock=clock), base_url="http://127.0.0.1") as c:
        r = c.get(f"/api/account/{ACCOUNT}/service/idp/baseURI.json?version=1.0")
    assert r.json()["baseURI"] == "lp.example:8443"


def test_csds_errors(client):
    assert client.get("/api/account/nope/service/baseURI.json?version=1.0").status_code == 401
    missing = client.get(f"/api/account/{ACCOUNT}/service/baseURI.json")
    assert missing.status_code == 400
    assert missing.json()["mockcc"]["path"] == "$query.version"
    unknown = client.get(f"/api/account/{ACCOUNT}/service/nothing/baseURI.json?version=1.0")
    assert unknown.status_code == 404
    assert "sentinel" in unknown.json()["mockcc"]["expected"]


def _token(client, **kwargs):
    return client.post(f"/sentinel/api/account/{ACCOUNT}/app/token", **kwargs)


@pytest.mark.parametrize("how", ["form", "query", "form-with-grant"])
def test_sentinel_accepts_credentials_in_form_or_query(client, clock, how):
    creds = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    if how == "form":
        r = _token(client, params={"v": "1.0", "grant_type": "client_credentials"}, data=creds)
    elif how == "query":
        r = _token(
            client,
            params={"v": "1.0", "grant_type": "client_credentials", **creds},
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    else:
        r = _token(client, params={"v": "1.0"}, data={**creds, "grant_type": "client_credentials"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json;charset=utf-8"
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert validate("sentinel/token-response", body) is None
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"kid": "appjwt-13-05-17", "typ": "JWT", "alg": "RS256"}
    jwks = client.get("/sentinel/well-known/jwks").json()
    key = jwt.PyJWKSet.from_dict(jwks).keys[0].key
    claims = jwt.decode(
        body["access_token"], key, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False}
    )
    assert claims == {
        "aud": ACCOUNT,
        "azp": DEFAULT_CLIENT_ID,
        "scope": "msg.consumer",
        "iss": "Sentinel",
        "iat": int(clock.now()),
        "exp": int(clock.now()) + 3600,
    }
    assert validate("sentinel/appjwt-claims", claims) is None


def test_sentinel_v2_needs_no_version(client):
    r = client.post(
        f"/sentinel/api/v2/account/{ACCOUNT}/app/token",
        data={
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "grant_type": "client_credentials",
        },
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("params", "data", "status", "error"),
    [
        (
            {"v": "1.0", "grant_type": "client_credentials"},
            {"client_id": DEFAULT_CLIENT_ID, "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        (
            {"v": "1.0", "grant_type": "client_credentials"},
            {"client_id": "who", "client_secret": "x"},
            401,
            "invalid_client",
        ),
        (
            {"v": "1.0", "grant_type": "password"},
            {"client_id": DEFAULT_CLIENT_ID, "client_secret": "x"},
            400,
            "unsupported_grant_type",
        ),
        ({"v": "1.0", "grant_type": "client_credentials"}, {"client_id": DEFAULT_CLIENT_ID}, 401, "invalid_client"),
        ({"v": "1.0", "grant_type": "client_credentials"}, {}, 401, "invalid_client"),
        ({"v": "1.0"}, {"client_id": DEFAULT_CLIENT_ID, "client_secret": "x"}, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials"},
            {"client_id": DEFAULT_CLIENT_ID, "client_secret": "x"},
            400,
            "invalid_request",
        ),
    ],
)
def test_sentinel_refuses_with_an_oauth_error(client, params, data, status, error):
    r = _token(client, params=params, data=data)
    assert r.status_code == status
    assert r.json()["error"] == error
    assert r.json()["error_description"]
    assert validate("sentinel/oauth-error", r.json()) is None


def test_sentinel_secret_never_reaches_the_journal(client):
    _token(
        client,
        params={
            "v": "1.0",
            "grant_type": "client_credentials",
            "client_secret": DEFAULT_CLIENT_SECRET,
            "client_id": DEFAULT_CLIENT_ID,
        },
    )
    _token(
        client,
        params={"v": "1.0", "grant_type": "client_credentials"},
        data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET},
    )
    calls = client.get("/_mockcc/journal?service=sentinel").json()["calls"]
    assert len(calls) == 2
    assert DEFAULT_CLIENT_SECRET not in str(calls)


@pytest.mark.parametrize("with_v", [True, False])
@pytest.mark.parametrize("bearer", [False, True])
def test_idp_issues_a_stable_consumer_identity(client, lp, with_v, bearer):
    auth = ("Bearer " if bearer else "") + lp.app_jwt()
    url = f"/api/account/{ACCOUNT}/consumer" + ("?v=1.0" if with_v else "")
    first = client.post(url, json={"ext_consumer_id": "John_Doe_facebook12345"}, headers={"Authorization": auth})
    again = client.post(url, json={"ext_consumer_id": "John_Doe_facebook12345"}, headers={"Authorization": auth})
    other = client.post(url, json={"ext_consumer_id": "someone else"}, headers={"Authorization": auth})
    assert first.status_code == 201
    assert validate("idp/consumer-response", first.json()) is None
    claims = [jwt.decode(r.json()["token"], options={"verify_signature": False}) for r in (first, again, other)]
    assert validate("idp/consumerjws-claims", claims[0]) is None
    assert claims[0]["account_id"] == ACCOUNT
    assert claims[0]["ext_consumer_id"] == "John_Doe_facebook12345"
    assert "exp" not in claims[0]
    assert claims[0]["lp_consumer_id"] == claims[1]["lp_consumer_id"] != claims[2]["lp_consumer_id"]


def test_idp_refusals(client, lp):
    url = f"/api/account/{ACCOUNT}/consumer?v=1.0"
    assert client.post(url, json={"ext_consumer_id": "x"}).json()["body"]["errorCode"] == 40105
    assert client.post(url, json={"ext_consumer_id": "x"}, headers={"Authorization": "junk"}).status_code == 401
    bad = client.post(url, json={"ext_consumer": "x"}, headers={"Authorization": lp.app_jwt()})
    assert bad.status_code == 400
    assert bad.json()["code"] == "BAD_REQUEST"
    assert "ext_consumer_id" in bad.json()["mockcc"]["explanation"]


def test_sentinel_answers_an_unknown_account_in_oauth_terms(client):
    r = client.post(
        "/sentinel/api/account/99999999/app/token",
        params={"v": "1.0", "grant_type": "client_credentials"},
        data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET},
    )
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.json()["mockcc"]["path"] == "$path.accountId"
    assert validate("sentinel/oauth-error", r.json()) is None
