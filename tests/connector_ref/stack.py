"""The three servers of an end-to-end test, each on its own free loopback port.

* the mock: a real ``python -m mockcc serve`` subprocess (one per xdist worker, reset per test);
* the connector: ``connector_ref.app`` in a uvicorn thread, its retry sleep replaced by one that
  records the pause and waits only a few milliseconds (behind a switch that can fail its webhooks);
* the channel simulator: ``mockcc_contracts.channel`` in a uvicorn thread.

Nothing waits by sleeping: every wait polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from connector_ref.app import create_app
from connector_ref.settings import load
from mockcc_contracts.channel.app import create_channel_app
from mockcc_contracts.channel.runner import ServerThread
from mockcc_contracts.harness import WEBHOOK_KEYS
from mockcc_contracts.launch import MockServer

T = TypeVar("T")
JSON = dict[str, Any]


def wait_until(check: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail with the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {value!r}")
        time.sleep(0.02)
        value = check()
    return value


class MockProcess:
    """A running ``python -m mockcc serve`` subprocess plus its control plane."""

    def __init__(
        self, url: str, fields: dict[str, str], stop: Callable[[], None], alive: Callable[[], bool] = lambda: True
    ) -> None:
        self.url = url
        self.fields = fields
        self._stop = stop
        self._alive = alive
        self.http = httpx.Client(base_url=self.url, timeout=30)

    @classmethod
    def spawn(cls, log: Path, *args: str) -> MockProcess:
        """``python -m mockcc serve --port 0 ARGS`` (the suite's public launcher), stderr to ``log``."""
        sink = log.open("w", encoding="utf-8")
        server = MockServer.start(*args, stderr=sink)

        def stop() -> None:
            server.stop()
            sink.close()

        return cls(server.url, server.fields, stop, server.alive)

    def close(self) -> None:
        self.http.close()
        self._stop()

    def alive(self) -> bool:
        return self._alive()

    def seed(self, webhook_url: str, *, agent: str = "echo", retention: bool = False, max_retries: int = 0) -> JSON:
        hook: JSON = {"endpoint": webhook_url}
        if max_retries:
            hook["max_retries"] = max_retries
        hooks: JSON = {key: dict(hook) for key in WEBHOOK_KEYS}
        if retention:
            hooks["retry"] = {"retention_time": 3600}
        installation = {
            "client_id": self.fields["client_id"],
            "client_secret": self.fields["client_secret"],
            "client_name": "connector_ref under test",
            "capabilities": {"webhooks": hooks},
        }
        return {
            "accounts": [{"account_id": self.fields["account_id"], "agent": agent, "installations": [installation]}]
        }

    def post(self, path: str, body: object = None, status: int | tuple[int, ...] = (200, 201)) -> Any:
        response = self.http.post(path, json={} if body is None else body)  # control calls are always JSON
        assert response.status_code in ((status,) if isinstance(status, int) else status), response.text
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def journal(self, service: str) -> list[JSON]:
        return list(self.get("/_mockcc/journal", service=service)["calls"])

    def deliveries(self) -> list[JSON]:
        return list(self.get("/_mockcc/webhooks/deliveries")["deliveries"])

    def advance(self, seconds: float) -> None:
        self.post("/_mockcc/clock/advance", {"seconds": seconds})

    def agent(self, conversation_id: str, action: str, body: JSON | None = None) -> JSON:
        path = f"/_mockcc/accounts/{self.fields['account_id']}/conversations/{conversation_id}/agent/{action}"
        return dict(self.post(path, body or {}))

    def agent_view(self, conversation_id: str) -> JSON:
        """What the agent's workspace shows: receipts per agent message, the consumer typing."""
        return dict(
            self.get(f"/_mockcc/accounts/{self.fields['account_id']}/conversations/{conversation_id}/agent-view")
        )

    def conversation(self, conversation_id: str) -> JSON:
        return dict(self.get(f"/_mockcc/accounts/{self.fields['account_id']}/conversations/{conversation_id}"))


class WebhookSwitch:
    """ASGI wrapper: while ``down``, the connector's webhook endpoint answers 503 (an outage)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.down = False
        self.refused = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.down and scope["type"] == "http" and scope["path"].startswith("/webhooks"):
            self.refused += 1
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


class Stack:
    """Channel simulator + connector wired to a (reset) mock; use as a context manager."""

    def __init__(
        self, mock: MockProcess, *, agent: str = "echo", retention: bool = False, max_retries: int = 0, **settings: Any
    ) -> None:
        self.mock = mock
        self.sleeps: list[float] = []
        self.channel_server = ServerThread(create_channel_app(), name="channel")
        channel_url = self.channel_server.start()
        # A loaded 2-core CI machine can stall a webhook past the 1 s production default; a generous hold
        # keeps "in order" a property of the connector, not of the scheduler.
        settings.setdefault("reorder_hold", 5.0)
        self.settings = load(
            {},
            csds_host=mock.url.removeprefix("http://"),
            account_id=mock.fields["account_id"],
            client_id=mock.fields["client_id"],
            client_secret=mock.fields["client_secret"],
            channel_url=f"{channel_url}/outbound",
            port=0,
            **settings,
        )
        self.switch = WebhookSwitch(create_app(self.settings, sleep=self._sleep, rng=random.Random(7)))
        self.connector_server = ServerThread(self.switch, name="connector")
        self.url = self.connector_server.start()
        self.webhook_url = f"{self.url}/webhooks"
        self.channel = httpx.Client(base_url=channel_url, timeout=30)
        self.channel.put("/config", json={"connector_url": f"{self.url}/channel/messages"}).raise_for_status()
        mock.post(
            "/_mockcc/reset", mock.seed(self.webhook_url, agent=agent, retention=retention, max_retries=max_retries)
        )

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0.005)

    def close(self) -> None:
        self.channel.close()
        self.connector_server.stop()
        self.channel_server.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the consumer side, through the channel simulator --------------------------------------

    def say(self, consumer: str, text: str, **extra: Any) -> str:
        response = self.channel.post(f"/consumers/{consumer}/messages", json={"text": text, **extra})
        assert response.status_code == 200, response.text
        return str(response.json()["messageId"])

    def typing(self, consumer: str, chat_state: str = "COMPOSING") -> None:
        response = self.channel.post(f"/consumers/{consumer}/typing", json={"chatState": chat_state})
        assert response.status_code == 200, response.text

    def read(self, consumer: str, sequences: list[int] | None = None) -> None:
        """The consumer reads agent messages (all it has not read yet, unless ``sequences`` says which)."""
        response = self.channel.post(
            f"/consumers/{consumer}/read", json={} if sequences is None else {"sequences": sequences}
        )
        assert response.status_code == 200, response.text

    def close_conversation(self, consumer: str) -> None:
        response = self.channel.post(f"/consumers/{consumer}/close")
        assert response.status_code == 200, response.text

    def transcript(self, consumer: str) -> list[JSON]:
        return list(self.channel.get(f"/consumers/{consumer}/transcript").json()["transcript"])

    def events(self, consumer: str, kind: str) -> list[JSON]:
        return [e for e in self.transcript(consumer) if e["from"] == "connector" and e["type"] == kind]

    def agent_texts(self, consumer: str) -> list[str]:
        return [str(e["text"]) for e in self.events(consumer, "text")]

    def wait_for(self, consumer: str, kind: str, count: int = 1, timeout: float = 10.0) -> list[JSON]:
        return wait_until(
            lambda: (found := self.events(consumer, kind)) and len(found) >= count and found,
            timeout,
            f"{count} {kind!r} event(s) for {consumer}",
        )

    def conversation_id(self, consumer: str) -> str:
        return str(self.wait_for(consumer, "sent")[-1]["conversationId"])

    def status(self) -> JSON:
        return dict(httpx.get(f"{self.url}/status").json())
