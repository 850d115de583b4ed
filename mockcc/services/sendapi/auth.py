"""Token checks exactly as LivePerson's Send API documents them (errorCode table, §6.3).

Order matters and is LivePerson's: the AppJWT (present, then valid, then its claims), then the
ConsumerJWS (present, then valid for this account).
"""

from __future__ import annotations

from dataclasses import dataclass

from mockcc.auth_errors import AuthError
from mockcc.http import Ctx
from mockcc.state.models import Account, Consumer, Installation
from mockcc.tokens import ISSUER, SCOPE, TokenInvalid


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the app installation (from the AppJWT) and the consumer (from the JWS)."""

    account: Account
    installation: Installation
    consumer: Consumer


def _raw(ctx: Ctx, name: str, value: str) -> str:
    """LivePerson expects the raw token; a ``Bearer `` prefix is accepted, with a ``lenient`` note."""
    value = value.strip()
    if value[:7].lower() != "bearer ":
        return value
    ctx.lenient(f"{name}: 'Bearer <token>' accepted; LivePerson documents the raw token (no 'Bearer ' prefix)")
    return value[7:].strip()


def app_installation(ctx: Ctx, account: Account) -> Installation:
    """The installation whose AppJWT authorises this call."""
    header = ctx.header("authorization")
    if not header or not header.strip():
        raise AuthError(40105, "the Authorization header is missing; send the AppJWT from Sentinel (no 'Bearer ')")
    try:
        claims = ctx.mock.tokens.read_app_jwt(_raw(ctx, "Authorization", header))
    except TokenInvalid as exc:
        raise AuthError(40102, f"the AppJWT is invalid: {exc}") from None
    if claims.iss != ISSUER or claims.scope != SCOPE:
        raise AuthError(
            40001,
            f"the AppJWT's claims are wrong: iss={claims.iss!r} (want {ISSUER!r}), "
            f"scope={claims.scope!r} (want {SCOPE!r})",
        )
    if claims.aud != account.account_id:
        raise AuthError(40001, f"the AppJWT was issued for account {claims.aud!r}, not {account.account_id!r}")
    installation = account.installations.get(claims.azp)
    if installation is None or not installation.enabled:
        raise AuthError(40102, f"the AppJWT's app installation {claims.azp} is deleted or disabled")
    return installation


def authenticate(ctx: Ctx, account: Account) -> Caller:
    """Check both tokens; changes nothing (a refused call must leave the mock as it was)."""
    installation = app_installation(ctx, account)
    header = ctx.header("x-lp-on-behalf")
    if not header or not header.strip():
        raise AuthError(40104, "the X-LP-ON-BEHALF header is missing; send the ConsumerJWS from the IdP")
    try:
        claims = ctx.mock.tokens.read_consumer_jws(_raw(ctx, "X-LP-ON-BEHALF", header))
    except TokenInvalid as exc:
        raise AuthError(40103, f"the ConsumerJWS is invalid: {exc}") from None
    if claims.account_id != account.account_id:
        raise AuthError(40103, f"the ConsumerJWS belongs to account {claims.account_id!r}, not {account.account_id!r}")
    consumer = account.consumers.get(claims.lp_consumer_id)
    if consumer is None:  # a valid JWS never expires; its record is remembered only if the call changes state
        consumer = Consumer(lp_consumer_id=claims.lp_consumer_id, ext_consumer_id=claims.ext_consumer_id)
    return Caller(account=account, installation=installation, consumer=consumer)
