"""The embedded default, as `mockcc serve` runs it: the echo agent answers a plain HTTP client quickly."""

from __future__ import annotations

import time

import httpx
import pytest

from mockcc.webhooks.signing import verify
from mockcc_contracts.launch import MockServer
from mockcc_contracts.receiver import Receiver
from tests.e2e.live import open_conversation

pytestmark = pytest.mark.live


def test_echo_agent_answers_within_a_second_of_wall_time():
    with (
        Receiver() as hook,
        MockServer.start("--webhook-url", hook.url("/lp")) as mock,
        httpx.Client(base_url=mock.url, timeout=10) as http,
    ):
        account = mock.fields["account_id"]
        headers, conv = open_conversation(http, mock.fields, "15551234567")
        base = f"/api/account/{account}/messaging/consumer/conversation"
        started = time.monotonic()
        http.post(
            base + "/send?v=3",
            headers=headers,
            json={
                "kind": "req",
                "id": "3",
                "type": "ms.PublishEvent",
                "body": {
                    "dialogId": conv,
                    "event": {"type": "ContentEvent", "contentType": "text/plain", "message": "Où est ma commande? 📦"},
                },
            },
        )

        def agent_reply():
            for request in hook.requests:
                change = request.json()["body"]["changes"][0]
                if (
                    change.get("originatorMetadata", {}).get("role") == "ASSIGNED_AGENT"
                    and change["event"].get("type") == "ContentEvent"
                ):
                    return request
            return None

        while agent_reply() is None and time.monotonic() - started < 5:
            time.sleep(0.02)
        reply = agent_reply()
        assert reply is not None
        assert time.monotonic() - started < 1.0
        assert reply.json()["body"]["changes"][0]["event"]["message"] == "Où est ma commande? 📦"
        assert verify(reply.body, mock.fields["client_secret"], reply.header("x-liveperson-signature"))
        kinds = [(r.json()["type"], r.json()["body"]["changes"][0].get("event", {}).get("type")) for r in hook.requests]
        assert ("ms.MessagingEventNotification", "AcceptStatusEvent") in kinds
        assert ("ms.MessagingEventNotification", "ChatStateEvent") in kinds
