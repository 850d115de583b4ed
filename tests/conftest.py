"""Shared fixtures: an in-process mock on a frozen clock, and a consumer-side helper speaking the Send API."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockcc.app import create_app
from mockcc.clock import Clock
from mockcc.config import DEFAULT_ACCOUNT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_SEED
from mockcc.settings import Settings

ACCOUNT = DEFAULT_ACCOUNT
SEND = f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send?v=3"
CONVERSATION = f"/api/account/{ACCOUNT}/messaging/consumer/conversation?v=3"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    return Clock(start=1_700_000_000.0, frozen=True)


def quiet_seed(**account: Any) -> dict[str, Any]:
    """The embedded default seed with no scripted agent (so only the test acts), plus ``account`` overrides."""
    doc = copy.deepcopy(DEFAULT_SEED)
    doc["accounts"][0].update({"agent": "none", **account})
    return doc


@pytest.fixture
def seed() -> dict[str, Any] | None:
    """Override in a test module to start the mock from another seed document."""
    return quiet_seed()


@pytest.fixture
def client(clock: Clock, seed: dict[str, Any] | None) -> Iterator[TestClient]:
    # public_host: the Host the test client sends must be one the mock serves (mockcc/guard.py).
    app = create_app(Settings(seed_doc=seed, random_seed=7, public_host="mock.test"), clock=clock)
    with TestClient(app, base_url="http://mock.test") as test_client:
        yield test_client


class LP:
    """The consumer side of a connector, by hand: tokens, then CONVERSATION and SEND."""

    def __init__(
        self,
        client: TestClient,
        account: str = ACCOUNT,
        client_id: str = DEFAULT_CLIENT_ID,
        secret: str = DEFAULT_CLIENT_SECRET,
    ) -> None:
        self.client = client
        self.account = account
        self.client_id = client_id
        self.secret = secret
        self._app_jwt: str | None = None

    def app_jwt(self) -> str:
        if self._app_jwt is None:
            r = self.client.post(
                f"/sentinel/api/account/{self.account}/app/token?v=1.0&grant_type=client_credentials",
                data={"client_id": self.client_id, "client_secret": self.secret},
            )
            assert r.status_code == 200, r.text
            self._app_jwt = r.json()["access_token"]
        return self._app_jwt

    def jws(self, ext_id: str) -> str:
        r = self.client.post(
            f"/api/account/{self.account}/consumer?v=1.0",
            json={"ext_consumer_id": ext_id},
            headers={"Authorization": self.app_jwt()},
        )
        assert r.status_code == 201, r.text
        return str(r.json()["token"])

    def headers(self, ext_id: str) -> dict[str, str]:
        return {"Authorization": self.app_jwt(), "X-LP-ON-BEHALF": self.jws(ext_id)}

    def open(self, ext_id: str = "consumer-1", **request_body: Any) -> str:
        body = [
            {"kind": "req", "id": "1,", "type": "userprofile.SetUserProfile", "body": {}},
            {
                "kind": "req",
                "id": "2,",
                "type": "cm.ConsumerRequestConversation",
                "body": {"brandId": self.account, "channelType": "MESSAGING", **request_body},
            },
        ]
        r = self.client.post(
            f"/api/account/{self.account}/messaging/consumer/conversation?v=3", json=body, headers=self.headers(ext_id)
        )
        assert r.status_code == 200, r.text
        return str(r.json()[1]["body"]["conversationId"])

    def send(self, ext_id: str, request: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/account/{self.account}/messaging/consumer/conversation/send?v=3",
            json=request,
            headers=self.headers(ext_id),
        )

    def text(self, ext_id: str, conversation_id: str, text: str) -> Any:
        return self.send(
            ext_id, publish(conversation_id, {"type": "ContentEvent", "contentType": "text/plain", "message": text})
        )

    def close(self, ext_id: str, conversation_id: str) -> Any:
        return self.send(
            ext_id,
            {
                "kind": "req",
                "id": "c",
                "type": "cm.UpdateConversationField",
                "body": {
                    "conversationId": conversation_id,
                    "conversationField": {"field": "ConversationStateField", "conversationState": "CLOSE"},
                },
            },
        )


def publish(dialog_id: str, event: dict[str, Any], req_id: object = "1") -> dict[str, Any]:
    return {"kind": "req", "id": req_id, "type": "ms.PublishEvent", "body": {"dialogId": dialog_id, "event": event}}


@pytest.fixture
def lp(client: TestClient) -> LP:
    return LP(client)


@pytest.fixture
def ext_id() -> str:
    return f"ext-{uuid.uuid4().hex[:8]}"
