"""The embedded default, as `mockcc serve` runs it: the echo agent answers a plain HTTP client."""

from __future__ import annotations

import time

import httpx
import pytest

from mockcc.webhooks.signing import verify
from mockcc_contracts.launch import MockServer
from mockcc_contracts.receiver import Receiver
from tests.e2e.live import open_conversation

pytestmark = pytest.mark.live


def test_echo_agent_reads_types_and_echoes_the_text():
    """Behaviour, not speed (speed targets live in ``make bench``): the agent acknowledges the consumer's
    message (ACCEPT and READ of its sequence), shows it is typing, then echoes the text verbatim."""
    with (
        Receiver() as hook,
        MockServer.start("--webhook-url", hook.url("/lp")) as mock,
        httpx.Client(base_url=mock.url, timeout=10) as http,
    ):
        account = mock.fields["account_id"]
        headers, conv = open_conversation(http, mock.fields, "15551234567")
        base = f"/api/account/{account}/messaging/consumer/conversation"
        sent = http.post(
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
        sequence = sent.json()["body"]["sequence"]

        def agent_changes() -> list[dict]:
            changes = [
                r.json()["body"]["changes"][0]
                for r in hook.requests
                if r.json()["type"] != "cqm.ExConversationChangeNotification"
            ]
            return [c for c in changes if c.get("originatorMetadata", {}).get("role") == "ASSIGNED_AGENT"]

        def done() -> bool:  # every delivery in: they may arrive in any order (max_retries mode)
            events = [c["event"] for c in agent_changes()]
            return (
                {e.get("chatState") for e in events} >= {"COMPOSING", "ACTIVE"}
                and {e.get("status") for e in events} >= {"ACCEPT", "READ"}
                and any(e["type"] == "ContentEvent" for e in events)
            )

        deadline = time.monotonic() + 10  # a bound on waiting, not a speed assertion
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
        changes = agent_changes()
        replies = [c for c in changes if c["event"]["type"] == "ContentEvent"]
        assert [c["event"]["message"] for c in replies] == ["Où est ma commande? 📦"]
        assert replies[0]["sequence"] > sequence
        receipts = {c["event"]["status"]: c for c in changes if c["event"]["type"] == "AcceptStatusEvent"}
        assert set(receipts) == {"ACCEPT", "READ"}
        assert all(r["event"]["sequenceList"] == [sequence] for r in receipts.values())
        assert all(r["sequence"] < replies[0]["sequence"] for r in receipts.values())
        assert [c["event"]["chatState"] for c in changes if c["event"]["type"] == "ChatStateEvent"] in (
            ["COMPOSING", "ACTIVE"],
            ["ACTIVE", "COMPOSING"],  # two deliveries may arrive in either order (max_retries mode)
        )
        reply = next(r for r in hook.requests if r.json()["body"]["changes"][0] == replies[0])
        assert verify(reply.body, mock.fields["client_secret"], reply.header("x-liveperson-signature"))
