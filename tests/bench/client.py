"""The consumer side the bench needs: tokens, one open conversation, and the SEND body."""

from __future__ import annotations

import json

import httpx

from tests.bench.servers import Server

QUIET = {"accounts": [{"account_id": "70000001", "agent": "none", "installations": [{
    "client_id": "5f1c8a6e-2d3b-4c7a-9e0f-1a2b3c4d5e6f", "client_secret": "m0ckccdefau1tsecretf0rci00",
    "client_name": "bench", "capabilities": {"webhooks": {}}}]}]}  # fmt: skip
ACCOUNT = "70000001"


def consumer(server: Server, ext_id: str) -> tuple[dict[str, str], str]:
    """Send API headers for a new consumer and the dialog of a conversation opened for it."""
    info, base = server.info, server.base_url
    with httpx.Client(base_url=base, timeout=30) as http:
        app = http.post(
            f"/sentinel/api/account/{ACCOUNT}/app/token",
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": info["client_id"], "client_secret": info["client_secret"]},
        ).json()["access_token"]
        jws = http.post(
            f"/api/account/{ACCOUNT}/consumer", params={"v": "1.0"}, json={"ext_consumer_id": ext_id},
            headers={"Authorization": app},
        ).json()["token"]  # fmt: skip
        headers = {"Authorization": app, "X-LP-ON-BEHALF": jws}
        opened = http.post(
            f"/api/account/{ACCOUNT}/messaging/consumer/conversation", params={"v": "3"}, headers=headers,
            json=[{"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
                  {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}}],
        )  # fmt: skip
        return headers, str(opened.json()[1]["body"]["conversationId"])


def send_body(dialog: str) -> str:
    event = {"type": "ContentEvent", "contentType": "text/plain", "message": "benchmark message"}
    return json.dumps(
        {"kind": "req", "id": "1", "type": "ms.PublishEvent", "body": {"dialogId": dialog, "event": event}}
    )
