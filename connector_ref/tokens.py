"""Token caches: one AppJWT for the whole connector, one ConsumerJWS per external consumer.

The AppJWT lives an hour. It is renewed shortly before its ``exp`` and, because clocks drift and
LivePerson may revoke early, also whenever the Send API answers 401 with it. Renewal is
single-flight: however many requests notice at once, one Sentinel call is made and everyone waits
for it; a request that fails with a token someone already replaced just takes the new one.
A ConsumerJWS never expires, so it is fetched once per consumer and dropped only when refused.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Fetch = Callable[[], Awaitable[str]]
Clock = Callable[[], float]


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT/JWS, unverified: the connector only reads its own tokens' timing."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as exc:
        raise ValueError(f"not a JWT: {exc}") from None
    if not isinstance(claims, dict):
        raise ValueError("JWT payload is not an object")
    return claims


@dataclass(frozen=True, slots=True)
class _Cached:
    value: str
    renew_at: float  # on the connector's own clock


class AppJwtCache:
    """The AppJWT: cached, renewed ``margin`` seconds before ``exp``, and on demand after a 401."""

    def __init__(self, fetch: Fetch, *, margin: float = 300.0, clock: Clock = time.monotonic) -> None:
        self._fetch = fetch
        self._margin = margin
        self._clock = clock
        self._lock = asyncio.Lock()
        self._cached: _Cached | None = None
        self.fetches = 0

    def _fresh(self) -> _Cached | None:
        cached = self._cached
        return cached if cached is not None and self._clock() < cached.renew_at else None

    async def get(self) -> str:
        """A token that is not about to expire; fetched (once, for all waiters) when needed."""
        if (cached := self._fresh()) is not None:
            return cached.value
        async with self._lock:
            if (cached := self._fresh()) is not None:
                return cached.value
            return await self._renew()

    async def refused(self, token: str) -> str:
        """``token`` was refused (401): renew unless a concurrent caller already has."""
        async with self._lock:
            cached = self._cached
            if cached is not None and cached.value != token and self._clock() < cached.renew_at:
                return cached.value
            return await self._renew()

    async def _renew(self) -> str:
        fetched_at = self._clock()
        self.fetches += 1
        token = await self._fetch()
        claims = jwt_claims(token)
        exp, iat = claims.get("exp"), claims.get("iat")
        # Lifetime from the token's own claims, so the connector's and LivePerson's clocks need not agree.
        if isinstance(exp, int | float) and isinstance(iat, int | float) and exp > iat:
            lifetime = float(exp - iat)
        elif isinstance(exp, int | float):
            lifetime = float(exp) - time.time()
        else:
            lifetime = 3600.0
        margin = min(self._margin, lifetime / 10)
        self._cached = _Cached(token, fetched_at + max(lifetime - margin, 0.0))
        return token


class ConsumerTokens:
    """ConsumerJWS per external consumer id; concurrent first requests share one IdP call."""

    def __init__(self, fetch: Callable[[str], Awaitable[str]]) -> None:
        self._fetch = fetch
        self._tokens: dict[str, str] = {}
        self._pending: dict[str, asyncio.Future[str]] = {}

    async def get(self, consumer_id: str) -> str:
        if (token := self._tokens.get(consumer_id)) is not None:
            return token
        if (pending := self._pending.get(consumer_id)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending[consumer_id] = future
        try:
            token = await self._fetch(consumer_id)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # retrieved here, so a future nobody else awaited does not warn
            raise
        finally:
            del self._pending[consumer_id]
        self._tokens[consumer_id] = token
        future.set_result(token)
        return token

    def refused(self, consumer_id: str, token: str) -> None:
        """Forget a JWS the Send API refused (40103), so the next call fetches a new one."""
        if self._tokens.get(consumer_id) == token:
            del self._tokens[consumer_id]

    def lp_consumer_id(self, consumer_id: str) -> str | None:
        """The consumer's participant id in notifications (``lp_consumer_id`` in its JWS), if known."""
        token = self._tokens.get(consumer_id)
        if token is None:
            return None
        value = jwt_claims(token).get("lp_consumer_id")
        return value if isinstance(value, str) else None
