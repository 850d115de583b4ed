"""AppJWTs, ConsumerJWSs and consumer JWTs: real RS256 tokens, checked the way LivePerson checks them.

A consumer JWT (IdP ``signup``/``authenticate``, for the Messaging Window API socket) has ``sub`` = the
consumer id and an ``exp`` on the mock's clock; a brand's own JWT (``authenticate``'s ``authCode``) is
checked against the key or JWKS the seed's ``consumer_auth`` names.

One RSA key per mock process signs both kinds (LivePerson's v1 AppJWTs are signed with a static
key whose ``kid`` is ``appjwt-13-05-17``); its public half is served as a JWKS by Sentinel.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import types
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from mockcc.clock import Clock

if TYPE_CHECKING:  # PyJWT and cryptography load with the first token (or on ``prepare``'s thread)
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

KID = "appjwt-13-05-17"
APPJWT_LIFETIME = 3600
SCOPE = "msg.consumer"
VERIFIED_CACHE = 10_000  # tokens whose signature is known good
ISSUER = "Sentinel"
#: The consumer JWT's issuer and audience prefix, as LivePerson's documented example tokens carry them.
IDP_ISSUER = "https://idp.liveperson.net"
#: [INFERRED] how long a signup (unauthenticated) consumer JWT lives; LivePerson documents no number.
SIGNUP_LIFETIME = 3600
#: ``acr`` of a consumer JWT: "0" for a signup identity (LivePerson's ACR0, unauthenticated), else "loa1".
UNAUTHENTICATED = "0"


#: Time claims are checked on the mock's clock below, never by PyJWT against the wall clock: a token
#: issued after /_mockcc/clock/advance has an ``iat`` in the wall clock's future.
_MOCK_CLOCK_CHECKS: jwt.types.Options = {
    "verify_exp": False,
    "verify_aud": False,
    "verify_iat": False,
    "verify_nbf": False,
}


Claims = TypeVar("Claims", "AppJwt", "ConsumerJws", "ConsumerJwt")


class TokenInvalid(Exception):
    """The token is malformed, badly signed or expired; the message says which."""


class TokenExpired(TokenInvalid):
    """A well-signed token whose ``exp`` has passed on the mock's clock (``authenticated``: not a signup one)."""

    def __init__(self, message: str, *, authenticated: bool = True) -> None:
        super().__init__(message)
        self.authenticated = authenticated


@dataclass(frozen=True, slots=True)
class AppJwt:
    """The claims the Send API relies on, read from a verified AppJWT."""

    aud: str
    azp: str
    scope: str
    iss: str
    iat: int
    exp: int


@dataclass(frozen=True, slots=True)
class ConsumerJws:
    """The claims of a verified ConsumerJWS."""

    account_id: str
    ext_consumer_id: str
    lp_consumer_id: str


@dataclass(frozen=True, slots=True)
class ConsumerJwt:
    """The claims of a verified consumer JWT (Messaging Window API): ``sub`` is the consumer id."""

    account_id: str
    consumer_id: str
    exp: int
    authenticated: bool


def _jwt() -> types.ModuleType:
    """PyJWT, imported on first use."""
    import jwt

    return jwt


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenService:
    """Issues and verifies both token kinds against the mock's clock."""

    def __init__(self, clock: Clock, key: rsa.RSAPrivateKey | None = None) -> None:
        self._clock = clock
        self._given = key
        self._keys: tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey] | None = None
        self._lock = threading.Lock()
        #: (kind, token) -> its verified, parsed claims; a token sent as the other kind is read afresh.
        self._verified: OrderedDict[tuple[object, str], AppJwt | ConsumerJws | ConsumerJwt] = OrderedDict()

    def _pair(self) -> tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey]:
        """The key pair, made on first use: generating 2048-bit RSA takes 50-500 ms, longer than the
        rest of start-up, and most test apps never issue a token."""
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    from cryptography.hazmat.primitives.asymmetric import rsa

                    key = self._given or rsa.generate_private_key(public_exponent=65537, key_size=2048)
                    self._keys = (key, key.public_key())
        return self._keys

    def prepare(self) -> None:
        """Make the key and load PyJWT on a thread now (``mockcc serve``), so neither start-up nor the
        first token waits; OpenSSL releases the GIL while it searches for primes."""

        def work() -> None:
            self._pair()
            import jwt  # noqa: F401 - loaded here so the first token does not pay for it

        threading.Thread(target=work, name="mockcc-keygen", daemon=True).start()

    def jwks(self) -> dict[str, Any]:
        """The public key as a JWK Set, for ``/sentinel/well-known/jwks``."""
        numbers = self._pair()[1].public_numbers()
        jwk = {"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256", "n": _b64(numbers.n), "e": _b64(numbers.e)}
        return {"keys": [jwk]}

    def issue_app_jwt(self, account_id: str, client_id: str) -> str:
        iat = int(self._clock.now())
        claims = {
            "aud": account_id,
            "azp": client_id,
            "scope": SCOPE,
            "iss": ISSUER,
            "exp": iat + APPJWT_LIFETIME,
            "iat": iat,
        }
        return str(_jwt().encode(claims, self._pair()[0], algorithm="RS256", headers={"kid": KID, "typ": "JWT"}))

    def issue_consumer_jws(self, account_id: str, ext_consumer_id: str, lp_consumer_id: str) -> str:
        claims = {"account_id": account_id, "ext_consumer_id": ext_consumer_id, "lp_consumer_id": lp_consumer_id}
        return str(_jwt().encode(claims, self._pair()[0], algorithm="RS256", headers={"kid": KID, "typ": "JWT"}))

    def issue_consumer_jwt(
        self, account_id: str, consumer_id: str, exp: int, *, authenticated: bool, ext: dict[str, Any] | None = None
    ) -> str:
        """The IdP's consumer JWT (signup, authenticate): ``sub`` the consumer id, ``aud`` ``acc:{account}``."""
        claims: dict[str, Any] = {
            "sub": consumer_id,
            "aud": f"acc:{account_id}",
            "iss": IDP_ISSUER,
            "acr": "loa1" if authenticated else UNAUTHENTICATED,
            "exp": exp,
            "iat": int(self._clock.now()),
        }
        if ext:
            claims["lp.ext"] = ext
        return str(_jwt().encode(claims, self._pair()[0], algorithm="RS256", headers={"kid": KID, "typ": "JWT"}))

    def read_consumer_jwt(self, token: str) -> ConsumerJwt:
        """Verify signature, issuer, audience and expiry (on the mock's clock); ``TokenExpired`` when only
        the time is wrong, so a socket can tell the client to fetch a fresh token."""
        claims = self._remembered(token, _consumer_jwt)
        now = self._clock.now()
        if now >= claims.exp:
            raise TokenExpired(
                f"the consumer JWT expired at {claims.exp} and the mock clock reads {int(now)}",
                authenticated=claims.authenticated,
            )
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        """Verified claims (PyJWT checks the signature; time claims are the callers' to check)."""
        pyjwt = _jwt()
        try:
            claims: dict[str, Any] = pyjwt.decode(
                token, self._pair()[1], algorithms=["RS256"], options=_MOCK_CLOCK_CHECKS
            )
        except pyjwt.InvalidTokenError as exc:
            raise TokenInvalid(f"not a token signed by this mock ({exc})") from exc
        return claims

    def _remembered(self, token: str, parse: Callable[[dict[str, Any]], Claims]) -> Claims:
        """The token's claims, verified and parsed once, then remembered (bounded LRU, one per token)."""
        key = (parse, token)
        if (cached := self._verified.get(key)) is not None:
            self._verified.move_to_end(key)
            return cached  # type: ignore[return-value]
        claims = parse(self._decode(token))
        self._verified[key] = claims
        if len(self._verified) > VERIFIED_CACHE:
            self._verified.popitem(last=False)
        return claims

    def read_app_jwt(self, token: str) -> AppJwt:
        """Verify the signature and expiry; return the claims (their values are the caller's to check).

        The signature and claims are read once per token; expiry is checked on the mock's clock every call."""
        claims = self._remembered(token, _app_jwt)
        now = self._clock.now()
        if now >= claims.exp:
            raise TokenInvalid(f"the AppJWT expired at {claims.exp} and the mock clock reads {int(now)}")
        return claims

    def read_consumer_jws(self, token: str) -> ConsumerJws:
        return self._remembered(token, _consumer_jws)


def _app_jwt(claims: dict[str, Any]) -> AppJwt:
    exp = claims.get("exp")
    if not isinstance(exp, int):
        raise TokenInvalid("the AppJWT has no integer exp claim")
    return AppJwt(
        aud=str(claims.get("aud", "")),
        azp=str(claims.get("azp", "")),
        scope=str(claims.get("scope", "")),
        iss=str(claims.get("iss", "")),
        iat=int(claims.get("iat", 0)),
        exp=exp,
    )


def _consumer_jws(claims: dict[str, Any]) -> ConsumerJws:
    try:
        return ConsumerJws(
            account_id=str(claims["account_id"]),
            ext_consumer_id=str(claims["ext_consumer_id"]),
            lp_consumer_id=str(claims["lp_consumer_id"]),
        )
    except KeyError as exc:
        raise TokenInvalid(f"the ConsumerJWS lacks the {exc.args[0]} claim") from exc


def _consumer_jwt(claims: dict[str, Any]) -> ConsumerJwt:
    aud, sub, exp = claims.get("aud"), claims.get("sub"), claims.get("exp")
    if claims.get("iss") != IDP_ISSUER or not isinstance(aud, str) or not aud.startswith("acc:"):
        raise TokenInvalid(f"not a consumer JWT from this mock's IdP (iss {IDP_ISSUER!r}, aud 'acc:<account>')")
    if not isinstance(sub, str) or not sub or not isinstance(exp, int):
        raise TokenInvalid("the consumer JWT lacks its sub or integer exp claim")
    return ConsumerJwt(aud[4:], sub, exp, claims.get("acr") != UNAUTHENTICATED)


#: Seed specs whose public keys were parsed (each seed has few; reset re-reads them).
_BRAND_KEY_CACHE = 64


def _brand_keys(spec: str) -> list[tuple[str | None, Any]]:
    """(kid, public key) pairs from a seed's ``consumer_auth`` (JSON text): a PEM key, or a JWKS.

    LivePerson's console takes the brand's key as bare base64 (no PEM armour); both forms are read.
    """
    from cryptography.hazmat.primitives import serialization

    doc = json.loads(spec)
    keys: list[tuple[str | None, Any]] = []
    pem = doc.get("public_key")
    if isinstance(pem, str):
        text = pem.strip()
        if "-----BEGIN" not in text:
            text = "-----BEGIN PUBLIC KEY-----\n" + text.rstrip(".") + "\n-----END PUBLIC KEY-----\n"
        try:
            keys.append((None, serialization.load_pem_public_key(text.encode())))
        except ValueError as exc:
            raise ValueError(f"public_key is not an RSA public key in PEM or bare base64 ({exc})") from None
    jwks = doc.get("jwks")
    if isinstance(jwks, dict):
        algorithms = _jwt().algorithms
        for i, jwk in enumerate(jwks.get("keys") or []):
            try:
                keys.append((jwk.get("kid"), algorithms.RSAAlgorithm.from_jwk(jwk)))
            except (_jwt().InvalidKeyError, AttributeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"jwks.keys[{i}] is not an RSA JWK ({exc})") from None
    if not keys:
        raise ValueError("consumer_auth needs a public_key (PEM or bare base64) or a jwks with RSA keys")
    return keys


_cached_brand_keys = functools.lru_cache(maxsize=_BRAND_KEY_CACHE)(_brand_keys)


def check_brand_keys(spec: dict[str, Any]) -> None:
    """Parse a seed's ``consumer_auth`` keys now, so a bad key refuses the seed (ValueError says why)."""
    _cached_brand_keys(json.dumps(spec, sort_keys=True))


def verify_brand_jwt(spec: dict[str, Any], token: str, now: float) -> dict[str, Any]:
    """The claims of a brand's JWT (the ``authCode`` of IdP authenticate), checked as LivePerson's
    authentication connector would: RS256 by one of the seeded keys, ``exp`` on the mock's clock, a
    ``sub``, and ``iss`` when the seed names one. Raises ``TokenInvalid`` saying which check failed."""
    pyjwt = _jwt()
    keys = _cached_brand_keys(json.dumps(spec, sort_keys=True))
    try:
        kid = pyjwt.get_unverified_header(token).get("kid")
    except pyjwt.InvalidTokenError as exc:
        raise TokenInvalid(f"the authCode is not a JWT ({exc})") from None
    candidates = [key for key_id, key in keys if kid is None or key_id in (None, kid)]
    if not candidates:
        raise TokenInvalid(f"the authCode's kid {kid!r} is none of the seeded JWKS's keys")
    claims: dict[str, Any] | None = None
    for key in candidates:
        try:
            claims = pyjwt.decode(token, key, algorithms=["RS256"], options=_MOCK_CLOCK_CHECKS)
            break
        except pyjwt.InvalidSignatureError:
            continue
        except pyjwt.InvalidTokenError as exc:
            raise TokenInvalid(f"the authCode is refused ({exc})") from None
    if claims is None:
        raise TokenInvalid("the authCode's signature matches none of the seeded keys (consumer_auth)")
    exp, sub = claims.get("exp"), claims.get("sub")
    if not isinstance(exp, int):
        raise TokenInvalid("the authCode has no integer exp claim")
    if now >= exp:
        raise TokenExpired(f"the authCode expired at {exp} and the mock clock reads {int(now)}")
    if not isinstance(sub, str) or not sub:
        raise TokenInvalid("the authCode has no sub claim (the consumer's identity at the brand)")
    issuer = spec.get("issuer")
    if issuer is not None and claims.get("iss") != issuer:
        raise TokenInvalid(f"the authCode's iss is {claims.get('iss')!r}; the seed's consumer_auth expects {issuer!r}")
    return claims
