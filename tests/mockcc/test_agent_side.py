"""The agent side: resume a closed conversation, what the agent sees, managers, automatic messages.

Every notification is checked the way a connector would: signed, schema-valid, in LivePerson's shape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockcc.agent.controller import controller_id
from mockcc.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from mockcc.schemas import validate
from mockcc.webhooks.signing import verify
from mockcc_contracts.receiver import Receiver
from tests.conftest import ACCOUNT, CONVERSATION, SEND, publish, quiet_seed

KEYS = (
    "ms.MessagingEventNotification.ContentEvent",
    "ms.MessagingEventNotification.RichContentEvent",
    "ms.MessagingEventNotification.AcceptStatusEvent",
    "ms.MessagingEventNotification.ChatStateEvent",
    "cqm.ExConversationChangeNotification",
)
AUTO = json.dumps({"type": ".ClientProperties", "features": ["AUTO_MESSAGES", "RICH_CONTENT"]})


@pytest.fixture
def hook():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def seed(hook):
    doc = quiet_seed()
    hooks: dict[str, Any] = {key: {"endpoint": hook.url("/hooks")} for key in KEYS}
    hooks["retry"] = {"retention_time": 3600}  # retention mode keeps each conversation's order
    doc["accounts"][0]["installations"][0]["capabilities"] = {"webhooks": hooks}
    return doc


def agent(client, conv, action, status=200, **body):
    r = client.post(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}/agent/{action}", json=body)
    assert r.status_code == status, r.text
    return r.json()


def view(client, conv):
    r = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}/agent-view")
    assert r.status_code == 200, r.text
    assert validate("control/agent-view", r.json()) is None, r.json()
    return r.json()


def notifications(client, hook, count):
    """The next ``count`` notifications, each checked as a connector would, as (type, change)."""
    client.post("/_mockcc/settle", json={})
    out = []
    for request in hook.wait_for(count):
        assert verify(request.body, DEFAULT_CLIENT_SECRET, request.header("x-liveperson-signature"))
        assert request.header("x-liveperson-client-id") == DEFAULT_CLIENT_ID
        body = request.json()
        schema = (
            "webhooks/ex-conversation-change-notification"
            if body["type"] == "cqm.ExConversationChangeNotification"
            else "webhooks/messaging-event-notification"
        )
        assert validate(schema, body) is None, body
        out.append((body["type"], body["body"]["changes"][0]))
    hook.clear()
    return out


def roles(change: dict[str, Any]) -> list[str]:
    return [p["role"] for p in change["result"]["conversationDetails"]["participants"]]


# -- resume ---------------------------------------------------------------------------------------


def test_resume_opens_a_new_conversation_with_the_agent_then_its_message(client, lp, ext_id, hook):
    old = lp.open(ext_id)
    joined = agent(client, old, "join")["agentId"]
    agent(client, old, "close")
    notifications(client, hook, 3)
    answer = agent(client, old, "resume", text="Following up on your order")
    new = answer["conversation"]["convId"]
    assert new != old
    assert answer["conversation"]["resumedFrom"] == old
    assert answer["sequence"] == 0
    (kind1, change), (kind2, message) = notifications(client, hook, 2)
    # First the new conversation, OPEN with the agent assigned; then the agent's message in it.
    assert kind1 == "cqm.ExConversationChangeNotification"
    result = change["result"]
    assert result["convId"] == new
    details = result["conversationDetails"]
    assert (details["state"], details["stage"]) == ("OPEN", "OPEN")
    assert details["participants"][1] == {"id": joined, "role": "ASSIGNED_AGENT"}
    assert details["dialogs"][0]["dialogId"] == new
    assert [p["role"] for p in details["dialogs"][0]["participantsDetails"]] == ["CONSUMER", "ASSIGNED_AGENT"]
    assert result["effectiveTTR"] > 0
    assert kind2 == "ms.MessagingEventNotification"
    assert (message["conversationId"], message["sequence"]) == (new, 0)
    assert message["originatorMetadata"] == {"id": joined, "role": "ASSIGNED_AGENT"}
    assert message["event"]["message"] == "Following up on your order"
    # The consumer is the same one: its ConsumerJWS writes into the new conversation.
    assert details["participants"][0]["id"] == change["result"]["conversationDetails"]["participants"][0]["id"]
    assert lp.text(ext_id, new, "thanks").json()["body"]["sequence"] == 1
    assert lp.text(ext_id, old, "into the old one").status_code == 400


def test_resume_refusals_explain_and_change_nothing(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    agent(client, conv, "join")
    notifications(client, hook, 2)
    refused = agent(client, conv, "resume", 409, text="hi")  # a conflict with the state: 409 (mockcc's own API)
    assert refused["code"] == "CONFLICT"
    assert refused["mockcc"]["rule"] == "conversation-state"
    assert "not closed" in refused["mockcc"]["explanation"]
    agent(client, conv, "close")
    second = lp.open(ext_id)  # the consumer came back on its own
    notifications(client, hook, 2)
    before = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json()
    refused = agent(client, conv, "resume", 409, text="hi")
    assert refused["body"]["msg"].endswith("already has open conversation. Can't open another one.")
    assert second in refused["mockcc"]["explanation"]
    assert agent(client, conv, "resume", 400, text="  ")["mockcc"]["path"] == "$.text"
    assert agent(client, conv, "resume", 400)["mockcc"]["rule"] == "required"
    assert agent(client, conv, "resume", 400, text="hi", agentId=7)["mockcc"]["path"] == "$.agentId"
    assert agent(client, "no-such-conversation", "resume", 404, text="hi")["mockcc"]["rule"] == "known-conversation"
    assert client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json() == before
    client.post("/_mockcc/settle", json={})
    assert hook.requests == []


# -- what the agent sees --------------------------------------------------------------------------


def test_agent_view_shows_receipts_per_message_and_the_consumer_typing(client, lp, ext_id, clock):
    conv = lp.open(ext_id)
    lp.text(ext_id, conv, "hello")  # 0
    agent(client, conv, "join")
    agent(client, conv, "text", text="first")  # 1
    agent(client, conv, "note", text="private")  # 2
    sent = clock.now_ms()
    clock.advance(2)
    agent(client, conv, "text", text="second")  # 3
    clock.advance(1)
    accepted = clock.now_ms()
    lp.send(ext_id, publish(conv, {"type": "AcceptStatusEvent", "status": "ACCEPT", "sequenceList": [1, 3]}))
    clock.advance(4)
    read = clock.now_ms()
    lp.send(ext_id, publish(conv, {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [1]}))
    seen = view(client, conv)
    assert [(m["sequence"], m["status"], m["sent"], m["accepted"], m["read"]) for m in seen["messages"]] == [
        (1, "READ", sent, accepted, read),
        (2, "SENT", sent, None, None),
        (3, "ACCEPT", sent + 2000, accepted, None),
    ]
    assert seen["messages"][1]["messageAudience"] == "AGENTS_AND_MANAGERS"
    assert seen["consumer"] == {"typing": False, "chatState": None, "since": None}
    clock.advance(1)
    lp.send(ext_id, publish(conv, {"type": "ChatStateEvent", "chatState": "COMPOSING"}))
    assert view(client, conv)["consumer"] == {"typing": True, "chatState": "COMPOSING", "since": clock.now_ms()}
    lp.text(ext_id, conv, "one more thing")  # a message ends the typing
    assert view(client, conv)["consumer"]["typing"] is False
    lp.send(ext_id, publish(conv, {"type": "ChatStateEvent", "chatState": "COMPOSING"}))
    lp.send(ext_id, publish(conv, {"type": "ChatStateEvent", "chatState": "PAUSE"}))
    assert view(client, conv)["consumer"]["chatState"] == "PAUSE"
    assert view(client, conv)["consumer"]["typing"] is False


# -- managers and readers -------------------------------------------------------------------------


def test_manager_and_reader_join_as_their_roles(client, lp, ext_id, hook):
    conv = lp.open(ext_id)
    agent(client, conv, "join")
    manager = agent(client, conv, "join", role="MANAGER")["agentId"]
    reader = agent(client, conv, "join", role="READER")["agentId"]
    agent(client, conv, "join", role="READER", agentId=reader)  # reading again changes nothing
    changes = notifications(client, hook, 4)
    assert [roles(c) for _, c in changes] == [
        ["CONSUMER"],
        ["CONSUMER", "ASSIGNED_AGENT"],
        ["CONSUMER", "ASSIGNED_AGENT", "MANAGER"],
        ["CONSUMER", "ASSIGNED_AGENT", "MANAGER", "READER"],
    ]
    last = changes[-1][1]["result"]["conversationDetails"]
    assert {"id": manager, "role": "MANAGER"} in last["participants"]
    assert {"id": reader, "role": "READER", "state": "ACTIVE"} in last["dialogs"][0]["participantsDetails"]
    assert view(client, conv)["agentId"] != manager  # a manager is not the assigned agent
    assert agent(client, conv, "join", 400, role="BOSS")["mockcc"]["path"] == "$.role"


# -- automatic messages ---------------------------------------------------------------------------


def open_with(client, lp, ext_id, client_properties):
    body = [
        {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
        {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}},
    ]
    headers = {**lp.headers(ext_id), "Client-Properties": client_properties}
    r = client.post(CONVERSATION, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()[1]["body"]["conversationId"]), headers


def text_with(client, headers, conv, text):
    event = {"type": "ContentEvent", "contentType": "text/plain", "message": text}
    r = client.post(SEND, json=publish(conv, event), headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["body"]["sequence"]


def test_auto_messages_come_from_the_controller_when_announced(client, lp, ext_id, hook):
    conv, headers = open_with(client, lp, ext_id, AUTO)
    assert text_with(client, headers, conv, "hi") == 0
    changes = notifications(client, hook, 4)
    assert [(k.split(".")[0], c.get("event", {}).get("type")) for k, c in changes] == [
        ("cqm", None),
        ("ms", "ContentEvent"),
        ("cqm", None),
        ("ms", "ContentEvent"),
    ]
    controller = controller_id(ACCOUNT)
    details = changes[2][1]["result"]["conversationDetails"]
    assert details["participants"][0] == {"id": controller, "role": "CONTROLLER"}  # first, as in LivePerson's vector
    auto = changes[3][1]
    assert auto["originatorMetadata"] == {"id": controller, "role": "CONTROLLER"}
    assert (auto["sequence"], auto["event"]["contentType"]) == (1, "text/plain")
    assert text_with(client, headers, conv, "again") == 2  # one welcome per conversation
    assert agent(client, conv, "auto-message", text="Your position in the queue: 1")["sequence"] == 3
    assert [c["originatorMetadata"]["role"] for _, c in notifications(client, hook, 2)] == ["CONSUMER", "CONTROLLER"]
    assert view(client, conv)["agentId"] is None  # the controller is not an agent


@pytest.mark.parametrize("case", ["not-announced", "not-on-send", "too-late"])
def test_no_auto_messages_unless_asked_for_in_time(client, lp, ext_id, hook, clock, case):
    plain = json.dumps({"type": ".ClientProperties", "features": ["RICH_CONTENT"]})
    conv, headers = open_with(client, lp, ext_id, plain if case == "not-announced" else AUTO)
    if case == "not-on-send":
        headers["Client-Properties"] = plain
    if case == "too-late":
        clock.advance(11)
    text_with(client, headers, conv, "hi")
    assert [c.get("originatorMetadata", {}).get("role") for _, c in notifications(client, hook, 2)] == [
        None,
        "CONSUMER",
    ]
    client.post("/_mockcc/settle", json={})
    assert hook.requests == []
    if case == "not-announced":
        refused = agent(client, conv, "auto-message", 409, text="hello")
        assert refused["mockcc"]["rule"] == "auto-messages"


def test_a_script_resumes_and_carries_on_in_the_new_conversation(client, lp, ext_id):
    steps = [
        {"join": True},
        {"say": "Let me check"},
        {"close": True},
        {"wait": 60},
        {"resume": "Found it: your parcel ships today"},
        {"expect": "thanks"},
        {"say": "You're welcome"},
    ]
    assert client.post("/_mockcc/seed", json=quiet_seed(agent={"type": "script", "steps": steps})).status_code == 200
    old = lp.open(ext_id)
    client.post("/_mockcc/settle", json={})
    assert view(client, old)["stage"] == "CLOSE"
    client.post("/_mockcc/clock/advance", json={"seconds": 60})
    conversations = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json()
    [new] = [c["convId"] for c in conversations if c["convId"] != old]
    seen = view(client, new)
    assert seen["resumedFrom"] == old
    assert [m["event"]["message"] for m in seen["messages"]] == ["Found it: your parcel ships today"]
    lp.text(ext_id, new, "thanks!")
    client.post("/_mockcc/settle", json={})
    assert [m["event"]["message"] for m in view(client, new)["messages"]][-1] == "You're welcome"
    assert view(client, new)["agentId"] == view(client, old)["agentId"]
