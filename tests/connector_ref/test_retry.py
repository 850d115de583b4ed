"""Retry policy: >= 1 s jittered, growing waits on 429; bounded growing retries on 5xx; never a 4xx."""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest

from connector_ref.retry import LpError, RetryPolicy

pytestmark = pytest.mark.anyio


class Script:
    """Answers from a list of statuses (or exceptions), counting calls; sleeps are recorded, not slept."""

    def __init__(self, *answers: int | Exception, headers: dict[str, str] | None = None) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.sleeps: list[float] = []
        self.headers = headers or {}

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def policy(self, **kw: object) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, rng=random.Random(1), **kw)  # type: ignore[arg-type]

    def call(self) -> Callable[[], object]:
        async def call() -> httpx.Response:
            answer = self.answers[min(self.calls, len(self.answers) - 1)]
            self.calls += 1
            if isinstance(answer, Exception):
                raise answer
            return httpx.Response(answer, json={"code": str(answer)}, headers=self.headers)

        return call


async def test_429s_back_off_at_least_a_second_growing_and_jittered() -> None:
    script = Script(429, 429, 429, 429, 200)
    response = await script.policy().run("SEND", script.call())  # type: ignore[arg-type]
    assert response.status_code == 200
    assert script.calls == 5
    assert len(script.sleeps) == 4
    assert all(s >= 1.0 for s in script.sleeps)
    for attempt, pause in enumerate(script.sleeps, 1):
        base = 2.0 ** (attempt - 1)
        assert base <= pause <= base * 1.25  # exponential base plus up to 25 % jitter
    assert len({round(s % 1, 6) for s in script.sleeps}) > 1  # jitter: not lock-step


async def test_jitter_differs_between_clients() -> None:
    a, b = RetryPolicy(rng=random.Random(1)), RetryPolicy(rng=random.Random(2))
    assert a.rate_limit_delay(1) != b.rate_limit_delay(1)


async def test_retry_after_is_honoured_but_never_below_a_second() -> None:
    script = Script(429, 200, headers={"Retry-After": "3"})
    await script.policy().run("SEND", script.call())  # type: ignore[arg-type]
    assert 3.0 <= script.sleeps[0] <= 4.5
    assert RetryPolicy().rate_limit_delay(1, retry_after=0.1) >= 1.0


async def test_429s_are_bounded() -> None:
    script = Script(429)
    with pytest.raises(LpError) as failed:
        await script.policy(rate_limit_attempts=4).run("CONVERSATION", script.call())  # type: ignore[arg-type]
    assert failed.value.status == 429
    assert script.calls == 4
    assert len(script.sleeps) == 3


async def test_5xx_retried_a_bounded_number_of_times_with_growing_pauses() -> None:
    script = Script(500, 503, 502, 500)
    with pytest.raises(LpError) as failed:
        await script.policy().run("SEND", script.call())  # type: ignore[arg-type]
    assert failed.value.status == 500
    assert script.calls == 4  # the call and 3 retries
    assert script.sleeps == sorted(script.sleeps)
    for pause, base in zip(script.sleeps, [5, 10, 15], strict=True):  # LivePerson's 5/10/15 s, give or take 10 %
        assert base * 0.9 <= pause <= base * 1.1


async def test_5xx_then_success() -> None:
    script = Script(503, 200)
    assert (await script.policy().run("SEND", script.call())).status_code == 200  # type: ignore[arg-type]
    assert script.calls == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413])
async def test_4xx_is_never_retried(status: int) -> None:
    script = Script(status, 200)
    response = await script.policy().run("SEND", script.call())  # type: ignore[arg-type]
    assert response.status_code == status
    assert script.calls == 1
    assert script.sleeps == []


async def test_transport_errors_count_as_server_errors() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), 200)
    assert (await script.policy().run("SEND", script.call())).status_code == 200  # type: ignore[arg-type]
    assert script.calls == 3
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(LpError) as failed:
        await script.policy(server_error_pauses=(0.1,)).run("SEND", script.call())  # type: ignore[arg-type]
    assert failed.value.status == 0
    assert "ConnectError" in str(failed.value)


def test_lp_error_reads_liveperson_envelopes() -> None:
    auth = LpError("SEND", 401, {"kind": "resp", "code": 401, "body": {"errorCode": 40102}})
    assert auth.error_code == 40102
    rest = LpError("SEND", 400, {"code": "BAD_REQUEST", "body": {"msg": "Bad Request, Conversation is close"}})
    assert rest.message == "Bad Request, Conversation is close"
    batch = LpError(
        "CONVERSATION",
        400,
        [
            {"code": "OK", "body": {"msg": "OK"}},
            {"code": "BAD_REQUEST", "body": {"msg": "already has open conversation"}},
        ],
    )
    assert batch.message == "already has open conversation"
