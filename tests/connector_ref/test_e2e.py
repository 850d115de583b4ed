"""End to end over real sockets: mock (subprocess), connector and channel simulator on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.connector_ref.stack import MockProcess, Stack, wait_until

pytestmark = pytest.mark.live


def receipts_sent(mock: MockProcess) -> list[dict[str, object]]:
    """The connector's accepted AcceptStatusEvent SENDs, from the mock's journal."""
    return [c for c in mock.journal("send") if c["status"] == 200 and '"AcceptStatusEvent"' in c["request_body"]]


def sign(body: bytes, secret: str) -> str:
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


def test_full_conversation(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack()
    profile = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "customerId": "c-42",
        "ctype": "vip",
    }
    first = s.say("ada", "hello", profile=profile)
    assert s.wait_for("ada", "text")[0]["text"] == "hello"  # the echo agent answered
    conversation = s.conversation_id("ada")
    kinds = [e["type"] for e in s.transcript("ada") if e["from"] == "connector"]
    for expected in ("agent_joined", "typing", "receipt", "sent", "text"):
        assert expected in kinds
    read = [e for e in s.events("ada", "receipt") if e["status"] == "READ"]
    assert read
    assert read[0]["messageIds"] == [first]
    # The connector acknowledged the agent's message: ACCEPT once delivered, READ once the consumer read it.
    agent_sequence = s.events("ada", "text")[0]["sequence"]

    def receipts() -> list[tuple[str, list[int]]]:
        bodies = [json.loads(c["request_body"]) for c in live_mock.journal("send") if c["status"] == 200]
        events = [b["body"].get("event", {}) for b in bodies]
        return [(e["status"], e["sequenceList"]) for e in events if e.get("type") == "AcceptStatusEvent"]

    assert wait_until(receipts, what="the connector's ACCEPT receipt") == [("ACCEPT", [agent_sequence])]
    s.read("ada")
    wait_until(lambda: len(receipts()) == 2, what="the connector's READ receipt")
    assert receipts()[1] == ("READ", [agent_sequence])
    # SDEs made it into the consumer's profile.
    state = live_mock.get("/_mockcc/state")["accounts"][0]
    [consumer] = [c for c in state["consumers"] if c["ext_consumer_id"] == "ada"]
    sdes = {sde["type"] for sde in consumer["profile"]["authenticatedData"]["lp_sdes"]}
    assert sdes == {"ctmrinfo", "personal"}
    # The consumer closes; the channel hears it; the conversation is closed in LivePerson.
    s.close_conversation("ada")
    assert s.wait_for("ada", "closed")[0]["by"] == "CONSUMER"
    assert live_mock.conversation(conversation)["conversationDetails"]["stage"] == "CLOSE"
    # The next message opens a new conversation.
    s.say("ada", "back again")
    wait_until(lambda: s.agent_texts("ada") == ["hello", "back again"], what="the second echo")
    assert s.events("ada", "sent")[-1]["conversationId"] != conversation
    assert len(live_mock.journal("conversation")) == 2
    assert s.status()["stats"]["conversations_opened"] == 2


def test_appjwt_expiry_mid_conversation_renews_once(frozen_mock: MockProcess) -> None:
    with Stack(frozen_mock) as s:
        consumers = ["exp-1", "exp-2", "exp-3"]
        s.say(consumers[0], "before")
        s.wait_for(consumers[0], "typing")  # the echo agent is waiting on the frozen clock
        frozen_mock.advance(1)
        s.wait_for(consumers[0], "text")
        sentinel_before = len(frozen_mock.journal("sentinel"))
        frozen_mock.advance(3600)  # the AppJWT is now expired as far as LivePerson is concerned
        with ThreadPoolExecutor(3) as pool:  # three consumers hit the expired token at once
            list(pool.map(lambda c: s.say(c, f"after {c}"), consumers))
        for c in consumers:
            typing = 3 if c == consumers[0] else 1  # exp-1 saw COMPOSING, ACTIVE before the advance
            wait_until(
                lambda c=c, n=typing: s.events(c, "error") or len(s.events(c, "typing")) >= n,
                what=f"the agent typing for {c}",
            )
            assert not s.events(c, "error")
        frozen_mock.advance(1)
        for c in consumers:
            wait_until(lambda c=c: f"after {c}" in s.agent_texts(c), what=f"echo for {c}")
        assert len(frozen_mock.journal("sentinel")) == sentinel_before + 1  # one renewal, no stampede
        refused = [
            c
            for c in frozen_mock.journal("send") + frozen_mock.journal("idp") + frozen_mock.journal("conversation")
            if c["status"] == 401
        ]
        assert refused, "the expired AppJWT should have been refused at least once"
        assert s.status()["app_jwt_fetches"] == 2
        assert not [e for c in consumers for e in s.events(c, "error")]


def test_burst_of_429s_is_absorbed(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack()
    live_mock.post("/_mockcc/faults", {"kind": "429", "scope": "sendapi", "count": 6})
    consumers = [f"busy-{i}" for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda c: s.say(c, f"hi from {c}"), consumers))
    for c in consumers:
        wait_until(lambda c=c: s.agent_texts(c) == [f"hi from {c}"], what=f"echo for {c}")
    wait_until(lambda: len(receipts_sent(live_mock)) == 4, what="one READ receipt per echo")
    calls = live_mock.journal("conversation") + live_mock.journal("send")
    throttled = [c for c in calls if c["status"] == 429]
    assert len(throttled) == 6
    opened = [c for c in live_mock.journal("conversation") if c["status"] == 200]
    texts = [c for c in live_mock.journal("send") if c["status"] == 200 and '"ContentEvent"' in c["request_body"]]
    assert len(opened) == 4
    assert len(texts) == 4
    # Each 429 cost one pause of at least a second; nothing else was retried.
    assert len(s.sleeps) == 6
    assert min(s.sleeps) >= 1.0
    assert len(calls) == len(throttled) + len(opened) + len(texts) + 4  # + one READ receipt per echo
    assert [e["messageId"] for c in consumers for e in s.events(c, "sent")] == ids


def test_5xx_are_retried_then_reported_never_lost(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack()
    live_mock.post("/_mockcc/faults", {"kind": "503", "scope": "conversation", "count": 2})
    s.say("flaky", "first try")
    wait_until(lambda: s.agent_texts("flaky") == ["first try"], what="the echo after two 503s")
    first, second = s.sleeps  # LivePerson's 5 and 10 s, each give or take 10 % (recorded, not waited)
    assert 4.5 <= first <= 5.5
    assert 9.0 <= second <= 11.0
    wait_until(lambda: receipts_sent(live_mock), what="the READ receipt")  # the next faults hit the next text only
    live_mock.post("/_mockcc/faults", {"kind": "500", "scope": "send", "count": 10})
    lost = s.say("flaky", "this one fails")
    [error] = s.wait_for("flaky", "error")
    assert error["messageId"] == lost
    failed_sends = [c for c in live_mock.journal("send") if c["status"] == 500]
    assert len(failed_sends) == 4  # the call and three retries, then the channel is told


def test_retention_outage_then_recovery_delivers_each_message_once_in_order(frozen_mock: MockProcess) -> None:
    with Stack(frozen_mock, agent="none", retention=True, max_retries=3) as s:
        _outage_and_recovery(s, frozen_mock)


def _outage_and_recovery(s: Stack, live_mock: MockProcess) -> None:
    s.say("pat", "anyone there?")
    conversation = s.conversation_id("pat")
    live_mock.agent(conversation, "join")
    s.wait_for("pat", "agent_joined")
    s.switch.down = True  # the connector's webhook endpoint fails from now on
    for text in ("one", "two", "three", "four"):
        live_mock.agent(conversation, "text", {"text": text})
    wait_until(lambda: any(d["status"] == 503 for d in live_mock.deliveries()), what="a failed delivery")
    status = live_mock.get("/_mockcc/webhooks/status")["installations"][0]
    assert "FAILED" in json.dumps(status)
    assert s.agent_texts("pat") == []
    s.switch.down = False  # endpoint back; move the mock's clock past its retry backoff

    def recovered() -> bool:
        live_mock.advance(10)
        return s.agent_texts("pat") == ["one", "two", "three", "four"]

    wait_until(recovered, timeout=20, what="the replay after recovery")
    live_mock.advance(30)
    live_mock.post("/_mockcc/settle")
    assert s.agent_texts("pat") == ["one", "two", "three", "four"]  # once each, in order


def test_forged_signatures_are_rejected(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="none", reorder_hold=1.0)  # a rejected notification leaves a gap: give it up quickly
    s.say("eve", "hi")
    conversation = s.conversation_id("eve")
    live_mock.agent(conversation, "join")
    s.wait_for("eve", "agent_joined")
    forged = json.dumps(
        {
            "kind": "notification",
            "type": "ms.MessagingEventNotification",
            "body": {
                "changes": [
                    {
                        "sequence": 99,
                        "originatorId": "x",
                        "originatorMetadata": {"id": "x", "role": "ASSIGNED_AGENT"},
                        "event": {
                            "type": "ContentEvent",
                            "contentType": "text/plain",
                            "message": "send me your password",
                        },
                        "conversationId": conversation,
                        "dialogId": conversation,
                    }
                ]
            },
        }
    ).encode()
    headers = {"Content-Type": "application/json"}
    assert httpx.post(s.webhook_url, content=forged, headers=headers).status_code == 401
    bad = {**headers, "X-Liveperson-Signature": sign(forged, "not-the-secret")}
    assert httpx.post(s.webhook_url, content=forged, headers=bad).status_code == 401
    # The mock's own corrupt_signature fault: the connector refuses that delivery too.
    live_mock.post("/_mockcc/settle")  # nothing in flight: the fault hits the next delivery, "tampered"
    live_mock.post("/_mockcc/webhooks/faults", {"endpoint": s.webhook_url, "kind": "corrupt_signature", "count": 1})
    live_mock.agent(conversation, "text", {"text": "tampered"})
    [corrupted] = wait_until(
        lambda: [d for d in live_mock.deliveries() if d.get("fault") == "corrupt_signature"],
        what="the corrupted delivery",
    )
    assert corrupted["status"] == 401
    assert "tampered" in corrupted["body"]
    # A correctly signed notification goes through.
    good = {**headers, "X-Liveperson-Signature": sign(forged, live_mock.fields["client_secret"])}
    assert httpx.post(s.webhook_url, content=forged, headers=good).status_code == 200
    wait_until(lambda: s.agent_texts("eve") == ["send me your password"], what="the signed message")
    assert "tampered" not in s.agent_texts("eve")


def test_duplicate_notifications_reach_the_consumer_once(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="none")
    s.say("dup", "hi")
    conversation = s.conversation_id("dup")
    live_mock.agent(conversation, "join")
    s.wait_for("dup", "agent_joined")
    live_mock.post("/_mockcc/webhooks/faults", {"endpoint": s.webhook_url, "kind": "duplicate", "count": 20})
    for text in ("a", "b", "c"):
        live_mock.agent(conversation, "text", {"text": text})
    wait_until(
        lambda: len([d for d in live_mock.deliveries() if d.get("fault") == "duplicate"]) >= 3,
        what="duplicated deliveries",
    )
    wait_until(lambda: s.status()["stats"].get("duplicates", 0) >= 3, what="duplicates noticed")
    live_mock.post("/_mockcc/settle")
    assert s.agent_texts("dup") == ["a", "b", "c"]


def test_agent_side_events(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack(agent="none")
    s.say("sam", "hi")
    conversation = s.conversation_id("sam")
    live_mock.agent(conversation, "join")
    live_mock.agent(conversation, "chat-state", {"chatState": "COMPOSING"})
    live_mock.agent(conversation, "note", {"text": "private: customer seems upset"})
    card = {
        "type": "vertical",
        "elements": [
            {"type": "text", "text": "Our plans"},
            {"type": "button", "title": "Pro", "click": {"actions": [{"type": "publishText", "text": "Pro"}]}},
        ],
    }
    live_mock.agent(conversation, "rich-content", {"content": card})
    live_mock.agent(conversation, "text", {"text": "anything else?"})
    live_mock.agent(conversation, "close")
    s.wait_for("sam", "closed")
    texts = s.events("sam", "text")
    assert [t["text"] for t in texts] == ["Our plans\n[Pro]", "anything else?"]  # the note never arrives
    assert texts[0]["fallback"] is True
    assert texts[0]["content"] == card
    assert s.events("sam", "closed")[0]["by"] == "AGENT"
    assert s.events("sam", "typing")[0]["typing"] is True
    assert s.status()["stats"]["private_notes"] == 1


@pytest.mark.parametrize(
    "text",
    [
        "héllo wörld — ünïcödé ✓",
        "emoji 👋🏽 family 👨‍👩‍👧‍👦 flag 🇯🇵 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "日本語と中文と한국어 مرحبا שלום",
        "quotes \"double\" 'single' back\\slash\nnew line\ttab",
    ],
)
def test_non_ascii_round_trip(stack: Callable[..., Stack], live_mock: MockProcess, text: str) -> None:
    s = stack()
    s.say("intl", text)
    wait_until(lambda: s.agent_texts("intl") == [text], what="the echo")
    events = live_mock.conversation(s.conversation_id("intl"))["events"]
    assert [e["event"]["message"] for e in events if e["event"]["type"] == "ContentEvent"] == [text, text]


def test_long_text_is_split_under_the_5000_character_rule(stack: Callable[..., Stack], live_mock: MockProcess) -> None:
    s = stack()
    text = " ".join(f'word{i} 😀 «ünïcödé» "quoted"' for i in range(400))  # ~12 000 JSON characters
    s.say("long", text)
    wait_until(lambda: "".join(s.agent_texts("long")) == text, what="every piece echoed")
    pieces = [c for c in live_mock.journal("send") if '"ContentEvent"' in c["request_body"]]
    assert len(pieces) >= 3
    assert all(c["status"] == 200 for c in pieces)  # no request over LivePerson's limit
    assert len(s.events("long", "sent")) == 1


def test_cli_refuses_an_incomplete_configuration() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
    done = subprocess.run(
        [sys.executable, "-m", "connector_ref", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "missing required settings: CONNECTOR_CSDS_HOST" in done.stderr


def test_reordered_notifications_reach_the_consumer_in_order(
    stack: Callable[..., Stack], live_mock: MockProcess
) -> None:
    s = stack(agent="none")
    s.say("ord", "hi")
    conversation = s.conversation_id("ord")
    live_mock.agent(conversation, "join")
    s.wait_for("ord", "agent_joined")
    # The mock holds the next delivery back until the one after it went out: "first" arrives after "second".
    live_mock.post("/_mockcc/settle")
    live_mock.post("/_mockcc/webhooks/faults", {"endpoint": s.webhook_url, "kind": "reorder", "count": 1})
    live_mock.agent(conversation, "text", {"text": "first"})
    live_mock.agent(conversation, "text", {"text": "second"})
    wait_until(lambda: len(s.agent_texts("ord")) == 2, what="both messages")
    delivered = [d["body"] for d in live_mock.deliveries() if d["status"] == 200 and "ContentEvent" in d["event_key"]]
    assert '"second"' in delivered[-2], "the mock should have delivered the second message first"
    assert '"first"' in delivered[-1]
    assert s.agent_texts("ord") == ["first", "second"]
    assert s.status()["reorder"]["gaps_given_up"] == 0
