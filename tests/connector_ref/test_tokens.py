"""The token caches: AppJWT renewed before exp and after a 401, single-flight; ConsumerJWS once per consumer."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from connector_ref.tokens import AppJwtCache, ConsumerTokens, jwt_claims

pytestmark = pytest.mark.anyio


def make_jwt(claims: dict[str, object]) -> str:
    def part(doc: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


class Sentinel:
    """A fake token endpoint: counts calls, can be slowed down to let callers pile up."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.gate = asyncio.Event()
        self.gate.set()

    async def fetch(self) -> str:
        self.calls += 1
        await self.gate.wait()
        # iat far from the test clock on purpose: the cache must rely on exp - iat, not on clock agreement.
        return make_jwt({"iat": 1_000_000 + self.calls, "exp": 1_000_000 + self.calls + self.lifetime, "n": self.calls})


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def number(token: str) -> int:
    return int(jwt_claims(token)["n"])


async def test_concurrent_first_use_makes_one_call() -> None:
    sentinel = Sentinel()
    sentinel.gate.clear()
    cache = AppJwtCache(sentinel.fetch, clock=FakeClock())
    waiters = [asyncio.create_task(cache.get()) for _ in range(20)]
    await asyncio.sleep(0)
    sentinel.gate.set()
    tokens = await asyncio.gather(*waiters)
    assert sentinel.calls == 1
    assert len(set(tokens)) == 1


async def test_renewed_before_exp_not_after() -> None:
    sentinel, clock = Sentinel(lifetime=3600), FakeClock()
    cache = AppJwtCache(sentinel.fetch, margin=300, clock=clock)
    first = await cache.get()
    clock.now += 3600 - 301  # just before the renewal point (exp - 300 s)
    assert await cache.get() == first
    clock.now += 2  # inside the margin: renewed although not yet expired
    second = await cache.get()
    assert (number(first), number(second)) == (1, 2)
    assert sentinel.calls == 2


async def test_margin_is_capped_for_short_lived_tokens() -> None:
    sentinel, clock = Sentinel(lifetime=60), FakeClock()
    cache = AppJwtCache(sentinel.fetch, margin=300, clock=clock)
    await cache.get()
    clock.now += 50  # a tenth of the lifetime (6 s) before exp: still fresh
    await cache.get()
    assert sentinel.calls == 1
    clock.now += 5
    await cache.get()
    assert sentinel.calls == 2


async def test_a_stampede_of_401s_renews_once() -> None:
    sentinel, clock = Sentinel(), FakeClock()
    cache = AppJwtCache(sentinel.fetch, clock=clock)
    old = await cache.get()
    sentinel.gate.clear()
    refusals = [asyncio.create_task(cache.refused(old)) for _ in range(25)]
    await asyncio.sleep(0)
    sentinel.gate.set()
    renewed = await asyncio.gather(*refusals)
    assert sentinel.calls == 2  # the first token, and exactly one renewal
    assert {number(t) for t in renewed} == {2}
    # A late 401 carrying the already-replaced token does not renew again.
    assert number(await cache.refused(old)) == 2
    assert sentinel.calls == 2
    # A 401 for the current token does.
    assert number(await cache.refused(renewed[0])) == 3


async def test_failed_renewal_is_not_cached() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("sentinel down")
        return make_jwt({"iat": 1, "exp": 3601})

    cache = AppJwtCache(flaky, clock=FakeClock())
    with pytest.raises(RuntimeError):
        await cache.get()
    assert jwt_claims(await cache.get())["exp"] == 3601
    assert calls == 2


async def test_consumer_tokens_single_flight_per_consumer() -> None:
    calls: list[str] = []
    gate = asyncio.Event()

    async def idp(consumer: str) -> str:
        calls.append(consumer)
        await gate.wait()
        return make_jwt({"ext_consumer_id": consumer, "lp_consumer_id": "ab" * 32})

    tokens = ConsumerTokens(idp)
    waiters = [asyncio.create_task(tokens.get(c)) for c in ["a", "a", "b", "a", "b"]]
    await asyncio.sleep(0)
    gate.set()
    got = await asyncio.gather(*waiters)
    assert sorted(calls) == ["a", "b"]
    assert got[0] == got[1] == got[3]
    assert got[2] == got[4]
    assert tokens.lp_consumer_id("a") == "ab" * 32
    tokens.refused("a", got[0])
    await tokens.get("a")
    assert calls.count("a") == 2


async def test_consumer_token_failure_reaches_every_waiter() -> None:
    gate = asyncio.Event()

    async def idp(consumer: str) -> str:
        await gate.wait()
        raise RuntimeError("idp down")

    tokens = ConsumerTokens(idp)
    waiters = [asyncio.create_task(tokens.get("a")) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


def test_jwt_claims_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a JWT"):
        jwt_claims("garbage")
