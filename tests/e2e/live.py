"""What the end-to-end tests share beside the suite's launcher (``mockcc_contracts.launch.MockServer``,
which starts the real ``mockcc serve`` on loopback): a conversation opened the way a connector does."""

from __future__ import annotations

from typing import Any


def open_conversation(
    http: Any, ready: dict[str, str], ext_consumer_id: str, skill: str | None = None
) -> tuple[dict[str, str], str]:
    """Tokens for a consumer and a conversation opened for it (asking for ``skill``, if given), the way a
    connector does it by hand.

    ``http`` is an ``httpx.Client`` whose base URL is the mock's; returns (Send API headers, conversation id).
    """
    request = {"brandId": ready["account_id"], **({"skillId": skill} if skill is not None else {})}
    account = ready["account_id"]
    token = http.post(
        f"/sentinel/api/account/{account}/app/token",
        params={
            "v": "1.0",
            "grant_type": "client_credentials",
            "client_id": ready["client_id"],
            "client_secret": ready["client_secret"],
        },
    ).json()["access_token"]
    jws = http.post(
        f"/api/account/{account}/consumer",
        params={"v": "1.0"},
        json={"ext_consumer_id": ext_consumer_id},
        headers={"Authorization": token},
    ).json()["token"]
    headers = {"Authorization": token, "X-LP-ON-BEHALF": jws}
    conv = http.post(
        f"/api/account/{account}/messaging/consumer/conversation",
        params={"v": "3"},
        headers=headers,
        json=[
            {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
            {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": request},
        ],
    )
    return headers, str(conv.json()[1]["body"]["conversationId"])
