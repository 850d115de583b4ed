"""When to try a LivePerson call again, and how long to wait first.

LivePerson's guidance (protocol notes §6.2): on 429 wait at least a second and avoid bursts; on 5xx
retry a few times with growing pauses; never retry a 4xx (the request itself is wrong, repeating it
only adds load). Pauses carry jitter so that many consumers throttled at once do not come back in
lock-step. The sleep is injected so tests can check the pauses without waiting for them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

log = logging.getLogger("connector_ref.retry")

Sleep = Callable[[float], Awaitable[None]]
MAX_RATE_LIMIT_PAUSE = 30.0


class LpError(Exception):
    """A LivePerson call failed for good (after any retries); ``status`` 0 means no HTTP answer."""

    def __init__(self, what: str, status: int, body: object = None, detail: str = "") -> None:
        super().__init__(
            f"{what} failed: {'HTTP ' + str(status) if status else detail or 'no answer'}"
            + (f" {body}" if body not in (None, "") else "")
        )
        self.what = what
        self.status = status
        self.body = body

    @property
    def error_code(self) -> int | None:
        """The Send API's auth ``errorCode`` (40102 expired AppJWT, 40103 bad ConsumerJWS, ...)."""
        body = self.body.get("body") if isinstance(self.body, dict) else None
        code = body.get("errorCode") if isinstance(body, dict) else None
        return int(code) if isinstance(code, int | str) and str(code).isdigit() else None

    @property
    def message(self) -> str:
        """LivePerson's ``body.msg`` (for a REST error envelope), else ''."""
        found = _find_msg(self.body)
        return found or ""


def _find_msg(body: object) -> str | None:
    if isinstance(body, list):
        return next((m for item in body if (m := _find_msg(item)) and item.get("code") != "OK"), None)
    if isinstance(body, dict) and isinstance(body.get("body"), dict):
        msg = body["body"].get("msg")
        return msg if isinstance(msg, str) else None
    return None


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after", "")
    return float(raw) if raw.replace(".", "", 1).isdigit() else None


@dataclass(slots=True)
class RetryPolicy:
    """Bounded retries: exponential, jittered, >= 1 s waits on 429; growing pauses on 5xx; none on 4xx."""

    rate_limit_attempts: int = 6
    rate_limit_pause: float = 1.0
    server_error_pauses: tuple[float, ...] = (5.0, 10.0, 15.0)
    sleep: Sleep = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def rate_limit_delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before retry number ``attempt`` (1-based) after a 429: never under a second."""
        base: float = min(self.rate_limit_pause * 2.0 ** (attempt - 1), MAX_RATE_LIMIT_PAUSE)
        base = max(base, retry_after or 0.0, 1.0)
        return base + self.rng.uniform(0, base / 4)

    def server_error_delay(self, attempt: int) -> float:
        """Wait before retry number ``attempt`` (1-based) after a 5xx or a transport error: LivePerson's
        pause, give or take a tenth (so on average exactly the guidance, never in lock-step)."""
        base = float(self.server_error_pauses[attempt - 1])
        return base * self.rng.uniform(0.9, 1.1)

    async def run(self, what: str, call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        """Make ``call`` until it answers below 500 and not 429, or the budget is spent.

        Returns any non-retryable response (2xx, or 4xx for the caller to judge); raises LpError
        when 429s or 5xx/transport errors outlast their budgets.
        """
        throttled = failed = 0
        while True:
            response: httpx.Response | None = None
            error = ""
            try:
                response = await call()
            except httpx.TransportError as exc:
                error = f"{type(exc).__name__}: {exc}"
            if response is not None and response.status_code == 429:
                throttled += 1
                if throttled >= self.rate_limit_attempts:
                    raise LpError(what, 429, _body(response))
                delay = self.rate_limit_delay(throttled, _retry_after(response))
            elif response is None or response.status_code >= 500:
                failed += 1
                if failed > len(self.server_error_pauses):
                    raise LpError(
                        what,
                        response.status_code if response is not None else 0,
                        _body(response) if response is not None else None,
                        error,
                    )
                delay = self.server_error_delay(failed)
            else:
                return response
            log.warning("%s: %s; retrying in %.2f s", what, error or f"HTTP {_status(response)}", delay)
            await self.sleep(delay)


def _status(response: httpx.Response | None) -> int:
    return 0 if response is None else response.status_code


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
