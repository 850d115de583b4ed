"""Notifications a connector receives: every type, exact headers, valid signature, schema-valid body."""

from __future__ import annotations

import pytest

from mockcc.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from mockcc.schemas import validate
from mockcc.webhooks.signing import verify
from mockcc_contracts.receiver import Receiver
from tests.conftest import ACCOUNT, publish, quiet_seed

KEYS = (
    "ms.MessagingEventNotification.ContentEvent",
    "ms.MessagingEventNotification.RichContentEvent",
    "ms.MessagingEventNotification.AcceptStatusEvent",
    "ms.MessagingEventNotification.ChatStateEvent",
    "cqm.ExConversationChangeNotification",
)


@pytest.fixture
def hook():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def seed(hook):
    webhooks = {
        key: {
            "endpoint": hook.url(f"/hooks/{key.rsplit('.', 1)[-1]}?brand=1"),
            "headers": [{"header_name": "X-Brand-Token", "header_value": "t0k"}],
        }
        for key in KEYS
    }
    doc = quiet_seed()
    doc["accounts"][0]["installations"][0]["capabilities"] = {"webhooks": webhooks}
    return doc


def _agent(client, conv, action, **body):
    r = client.post(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}/agent/{action}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _received(client, hook, count):
    client.post("/_mockcc/settle", json={})
    return hook.wait_for(count)


def test_every_notification_type_arrives_signed_and_schema_valid(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    lp.text(ext_id, conv, "héllo ✓ 👋")
    lp.send(ext_id, publish(conv, {"type": "ChatStateEvent", "chatState": "COMPOSING"}))
    _agent(client, conv, "join")
    _agent(client, conv, "receipt", status="READ", sequenceList=[0])
    _agent(client, conv, "chat-state", chatState="COMPOSING")
    _agent(client, conv, "text", text="Hi, how can I help?")
    _agent(
        client,
        conv,
        "rich-content",
        content={"type": "vertical", "elements": [{"type": "text", "text": "Card"}]},
        metadata=[{"type": "ExternalId", "id": "CARD-1"}],
    )
    _agent(client, conv, "transfer", skillId="12345")
    _agent(client, conv, "join")
    _agent(client, conv, "close")
    requests = _received(client, hook, 11)
    types = []
    for request in requests:
        assert request.method == "POST"
        assert request.header("content-type") == "application/json"
        assert request.header("x-liveperson-account-id") == ACCOUNT
        assert request.header("x-liveperson-client-id") == DEFAULT_CLIENT_ID
        assert request.header("x-brand-token") == "t0k"
        assert request.query == "brand=1"
        assert verify(request.body, DEFAULT_CLIENT_SECRET, request.header("x-liveperson-signature"))
        assert request.body.isascii()
        body = request.json()
        if body["type"] == "cqm.ExConversationChangeNotification":
            assert validate("webhooks/ex-conversation-change-notification", body) is None
            assert request.path == "/hooks/ExConversationChangeNotification"
            types.append("conv:" + body["body"]["changes"][0]["result"]["conversationDetails"]["state"])
        else:
            assert validate("webhooks/messaging-event-notification", body) is None
            change = body["body"]["changes"][0]
            assert request.path == "/hooks/" + change["event"]["type"]
            types.append(change["event"]["type"] + ":" + change["originatorMetadata"]["role"])
    assert sorted(types) == sorted(
        [
            "conv:OPEN",
            "ContentEvent:CONSUMER",
            "ChatStateEvent:CONSUMER",
            "conv:OPEN",
            "AcceptStatusEvent:ASSIGNED_AGENT",
            "ChatStateEvent:ASSIGNED_AGENT",
            "ContentEvent:ASSIGNED_AGENT",
            "RichContentEvent:ASSIGNED_AGENT",
            "conv:OPEN",
            "conv:OPEN",
            "conv:CLOSE",
        ]
    )
    echo = next(
        r.json()
        for r in requests
        if r.json()["type"] == "ms.MessagingEventNotification"
        and r.json()["body"]["changes"][0]["originatorMetadata"]["role"] == "CONSUMER"
        and r.json()["body"]["changes"][0]["event"]["type"] == "ContentEvent"
    )
    assert echo["body"]["changes"][0]["event"]["message"] == "héllo ✓ 👋"


def test_consumer_and_agent_share_one_sequence_counter(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    assert lp.text(ext_id, conv, "first").json()["body"]["sequence"] == 0
    _agent(client, conv, "join")
    assert _agent(client, conv, "receipt", status="READ", sequenceList=[0])["sequence"] == 1
    assert _agent(client, conv, "text", text="reply")["sequence"] == 2
    assert lp.text(ext_id, conv, "second").json()["body"]["sequence"] == 3
    events = [
        r.json()["body"]["changes"][0]
        for r in _received(client, hook, 6)
        if r.json()["type"] == "ms.MessagingEventNotification"
    ]
    assert sorted(e["sequence"] for e in events) == [0, 1, 2, 3]


def test_transfer_and_close_notifications_carry_liveperson_details(client, lp, ext_id, hook):
    conv = lp.open(ext_id, skillId="777")
    client.post("/_mockcc/clock/advance", json={"seconds": 1})  # distinct metaDataLastUpdateTs, to order by
    agent_id = _agent(client, conv, "join")["agentId"]
    client.post("/_mockcc/clock/advance", json={"seconds": 1})
    _agent(client, conv, "transfer", skillId="-1")
    client.post("/_mockcc/clock/advance", json={"seconds": 1})
    lp.close(ext_id, conv)
    changes = [r.json()["body"]["changes"][0]["result"] for r in _received(client, hook, 4)]
    changes.sort(key=lambda c: c["conversationDetails"]["metaDataLastUpdateTs"])
    created, joined, transferred, closed = changes
    assert created["conversationDetails"]["skillId"] == "777"
    assert created["effectiveTTR"] == created["conversationDetails"]["startTs"] + 600_000
    assert transferred["effectiveTTR"] == transferred["conversationDetails"]["metaDataLastUpdateTs"] + 600_000
    assert {"id": agent_id, "role": "ASSIGNED_AGENT"} in joined["conversationDetails"]["participants"]
    assert transferred["conversationDetails"]["skillId"] == "-1"
    assert transferred["conversationDetails"]["conversationHandlerDetails"]["skillId"] == "-1"
    assert all(p["role"] != "ASSIGNED_AGENT" for p in transferred["conversationDetails"]["participants"])
    assert closed["effectiveTTR"] == -1
    details = closed["conversationDetails"]
    assert (details["state"], details["stage"], details["closeReason"]) == ("CLOSE", "CLOSE", "CONSUMER")
    assert details["dialogs"][0]["closedBy"] == "CONSUMER"
    assert details["endTs"] >= details["startTs"]


def test_private_notes_are_marked_for_agents_only(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    _agent(client, conv, "join")
    _agent(client, conv, "note", text="internal: VIP customer")
    notes = [
        r.json()["body"]["changes"][0]
        for r in _received(client, hook, 3)
        if r.json()["type"] == "ms.MessagingEventNotification"
    ]
    assert notes[0]["messageAudience"] == "AGENTS_AND_MANAGERS"


def test_survey_dialog_then_completion(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    _agent(client, conv, "join")
    _agent(client, conv, "close", survey=True)
    state = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").json()["conversationDetails"]
    assert (state["state"], state["stage"]) == ("CLOSE", "OPEN")
    survey = state["dialogs"][1]
    assert (survey["dialogType"], survey["state"]) == ("POST_SURVEY", "OPEN")
    question = _agent(client, conv, "text", text="How would you rate us?", dialogId=survey["dialogId"])
    assert question["sequence"] == 0
    answer = publish(survey["dialogId"], {"type": "ContentEvent", "contentType": "text/plain", "message": "5"})
    assert lp.send(ext_id, answer).json()["body"]["sequence"] == 1
    _agent(client, conv, "close")
    final = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").json()["conversationDetails"]
    assert final["stage"] == "CLOSE"
    assert final["dialogs"][1]["closedBy"] == "AGENT"
    bodies = [r.json() for r in _received(client, hook, 6)]
    assert all(
        validate(
            "webhooks/"
            + (
                "ex-conversation-change-notification" if b["type"].startswith("cqm") else "messaging-event-notification"
            ),
            b,
        )
        is None
        for b in bodies
    )


def test_system_close(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    _agent(client, conv, "system-close")
    closed = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").json()["conversationDetails"]
    assert closed["closeReason"] == "SYSTEM"
    assert lp.open(ext_id) != conv


def test_quick_replies_and_files_from_the_agent(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    _agent(client, conv, "join")
    replies = {
        "type": "quickReplies",
        "itemsPerRow": 8,
        "replies": [{"type": "button", "title": "Yes", "click": {"actions": [{"type": "publishText", "text": "Yes"}]}}],
    }
    _agent(client, conv, "text", text="Shall I?", quickReplies=replies)
    _agent(
        client, conv, "file", relativePath=f"/v1/AUTH_async-images/{ACCOUNT}/x.PNG", fileType="PNG", caption="receipt"
    )
    events = [
        r.json()["body"]["changes"][0]["event"]
        for r in _received(client, hook, 4)
        if r.json()["type"] == "ms.MessagingEventNotification"
    ]
    by_type = {e["contentType"]: e for e in events}
    assert by_type["text/plain"]["quickReplies"] == replies
    assert by_type["hosted/file"]["message"]["caption"] == "receipt"


def test_sha256_signatures_when_the_account_asks(client, lp, ext_id, hook, seed):
    import base64
    import hashlib
    import hmac

    seed["accounts"][0]["webhook_signature"] = "sha256"
    client.post("/_mockcc/reset", json=seed)
    lp.open(ext_id)
    request = _received(client, hook, 1)[0]
    digest = hmac.new(DEFAULT_CLIENT_SECRET.encode(), request.body, hashlib.sha256).digest()
    assert request.header("x-liveperson-signature") == "sha256=" + base64.b64encode(digest).decode()


def test_hex_signatures_when_the_account_asks(client, lp, ext_id, hook, seed):
    """An installation may have its digests written in hexadecimal instead of Base64 (sha1 or sha256)."""
    import hashlib
    import hmac

    seed["accounts"][0]["webhook_signature"] = "sha256"
    seed["accounts"][0]["webhook_signature_encoding"] = "hex"
    client.post("/_mockcc/reset", json=seed)
    lp.open(ext_id)
    request = _received(client, hook, 1)[0]
    digest = hmac.new(DEFAULT_CLIENT_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.header("x-liveperson-signature") == "sha256=" + digest
    seed["accounts"][0]["webhook_signature_encoding"] = "decimal"
    assert client.post("/_mockcc/reset", json=seed).status_code == 400
