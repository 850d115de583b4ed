"""Consumer identity for the Messaging Window API: IdP signup and authenticate, real RS256 JWTs.

The brand's key is the seed's ``consumer_auth``; the consumer JWT's ``sub`` is the consumer id, the same
one a ConsumerJWS for the same external id carries (one population), and it expires on the mock's clock.
"""

from __future__ import annotations

import base64
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mockcc.ids import lp_consumer_id
from mockcc.schemas import validate
from mockcc.tokens import TokenExpired
from tests.conftest import ACCOUNT, LP, quiet_seed

BRAND_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NOW = 1_700_000_000
SIGNUP = f"/api/account/{ACCOUNT}/signup"
AUTHENTICATE = f"/api/account/{ACCOUNT}/authenticate"


def public_pem(key: rsa.RSAPrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return raw.decode()


def bare_base64(key: rsa.RSAPrivateKey) -> str:
    """The form LivePerson's console takes: the DER key in base64, no armour."""
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def brand_jwt(sub: str = "+972-3-5555-555", *, key: rsa.RSAPrivateKey = BRAND_KEY, **claims: Any) -> str:
    payload = {"sub": sub, "iss": "https://brand.example", "aud": f"acc:{ACCOUNT}", "iat": NOW, "exp": NOW + 600}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm="RS256")


@pytest.fixture
def seed() -> dict[str, Any]:
    return quiet_seed(consumer_auth={"public_key": public_pem(BRAND_KEY), "issuer": "https://brand.example"})


def test_signup_issues_an_unauthenticated_consumer_jwt_that_expires_on_the_mock_clock(client):
    r = client.post(SIGNUP)
    assert r.status_code == 200, r.text
    assert validate("idp/consumer-jwt-response", r.json()) is None
    token = r.json()["jwt"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == f"acc:{ACCOUNT}"
    assert claims["iss"] == "https://idp.liveperson.net"
    assert len(claims["sub"]) == 64
    assert claims["exp"] == NOW + 3600
    mock = client.app.state.mock
    read = mock.tokens.read_consumer_jwt(token)
    assert (read.consumer_id, read.account_id, read.authenticated) == (claims["sub"], ACCOUNT, False)
    assert claims["sub"] in mock.accounts[ACCOUNT].consumers
    assert client.post(SIGNUP).json()["jwt"] != token  # every signup is a new consumer
    client.post("/_mockcc/clock/advance", json={"seconds": 3600})
    with pytest.raises(TokenExpired):
        mock.tokens.read_consumer_jwt(token)


def test_signup_takes_no_body_but_refuses_one_that_is_not_json(client):
    assert client.post(SIGNUP, json={}).status_code == 200
    bad = client.post(SIGNUP, content=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["mockcc"]["path"] == "$"
    assert client.post("/api/account/nope/signup").status_code == 401


def test_authenticate_names_the_same_consumer_a_consumer_jws_does(client, lp: LP):
    r = client.post(AUTHENTICATE, json={"authCode": brand_jwt("customer-42")})
    assert r.status_code == 200, r.text
    read = client.app.state.mock.tokens.read_consumer_jwt(r.json()["jwt"])
    assert read.authenticated
    assert read.consumer_id == lp_consumer_id(ACCOUNT, "customer-42")
    jws = lp.jws("customer-42")
    assert client.app.state.mock.tokens.read_consumer_jws(jws).lp_consumer_id == read.consumer_id
    claims = jwt.decode(r.json()["jwt"], options={"verify_signature": False})
    assert claims["exp"] == NOW + 600  # it lives as long as the brand's token
    assert claims["lp.ext"]["sub"] == "customer-42"


def test_authenticate_takes_the_bare_base64_key_and_a_jwks(client):
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(BRAND_KEY.public_key(), as_dict=True)
    for spec in ({"public_key": bare_base64(BRAND_KEY)}, {"jwks": {"keys": [{**jwk, "kid": "k1"}]}}):
        assert client.post("/_mockcc/reset", json=quiet_seed(consumer_auth=spec)).status_code == 200
        token = jwt.encode({"sub": "c", "exp": NOW + 60}, BRAND_KEY, algorithm="RS256", headers={"kid": "k1"})
        assert client.post(AUTHENTICATE, json={"authCode": token}).status_code == 200


@pytest.mark.parametrize(
    ("auth_code", "says"),
    [
        (brand_jwt(key=OTHER_KEY), "signature"),
        (brand_jwt(exp=NOW - 1), "expired"),
        (brand_jwt(sub=None), "sub"),
        (brand_jwt(iss="https://someone.else"), "iss"),
        ("not-a-jwt", "not a JWT"),
    ],
    ids=["wrong-key", "expired", "no-sub", "wrong-issuer", "garbage"],
)
def test_authenticate_refuses_a_bad_brand_token_with_the_reason(client, auth_code, says):
    r = client.post(AUTHENTICATE, json={"authCode": auth_code})
    assert r.status_code == 401
    assert r.json()["code"] == "UNAUTHORIZED"
    assert says in r.json()["mockcc"]["explanation"]
    assert r.json()["mockcc"]["rule"] == "authCode"


def test_authenticate_without_consumer_auth_or_authcode_is_refused(client):
    assert client.post(AUTHENTICATE, json={}).status_code == 400
    client.post("/_mockcc/reset", json=quiet_seed())
    r = client.post(AUTHENTICATE, json={"authCode": brand_jwt()})
    assert r.status_code == 401
    assert r.json()["mockcc"]["rule"] == "consumer-auth"


@pytest.mark.parametrize(
    "spec", [{"public_key": "not a key"}, {"jwks": {"keys": [{"kty": "RSA"}]}}, {"issuer": "x"}, {"key": "x"}]
)
def test_a_seed_with_a_bad_consumer_auth_is_refused_whole(client, spec):
    r = client.post("/_mockcc/reset", json=quiet_seed(consumer_auth=spec))
    assert r.status_code == 400
    assert "consumer_auth" in r.text


def test_tokens_of_one_kind_are_not_another(client, lp: LP):
    tokens = client.app.state.mock.tokens
    from mockcc.tokens import TokenInvalid

    with pytest.raises(TokenInvalid):
        tokens.read_consumer_jwt(lp.jws("someone"))
    with pytest.raises(TokenInvalid):
        tokens.read_consumer_jwt(lp.app_jwt())
    with pytest.raises(TokenInvalid):
        tokens.read_consumer_jws(client.post(SIGNUP).json()["jwt"])
