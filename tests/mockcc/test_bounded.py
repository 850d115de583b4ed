"""Bounded under load: the echo agent's backlog, the conversation and consumer caps, and no scans.

Caps and overload behaviour are asserted (what is kept, what is dropped, where it is counted),
never timings: speed lives in ``make bench``.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockcc.agent.bots import ECHO_BACKLOG
from mockcc.app import create_app
from mockcc.clock import Clock
from mockcc.ids import Ids
from mockcc.messaging import Messaging
from mockcc.settings import Settings
from mockcc.state import models
from mockcc.state.models import Account, Consumer
from tests.conftest import ACCOUNT, LP, SEND, publish, quiet_seed


@pytest.fixture
def seed() -> dict[str, Any]:
    return quiet_seed(agent="echo")


def _agent_view(client: TestClient, conv: str) -> list[tuple[str, Any]]:
    view = client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").json()
    return [
        (e["event"]["type"], e["event"].get("message") or e["event"].get("sequenceList"))
        for e in view["events"]
        if e["originatorMetadata"]["role"] == "ASSIGNED_AGENT"
    ]


def test_echo_backlog_is_capped_the_oldest_waiting_text_dropped_and_counted(client, lp, ext_id):
    conv = lp.open(ext_id)
    headers = lp.headers(ext_id)

    def text(message: str) -> int:
        event = {"type": "ContentEvent", "contentType": "text/plain", "message": message}
        r = client.post(SEND, json=publish(conv, event), headers=headers)
        assert r.status_code == 200, r.text
        return int(r.json()["body"]["sequence"])

    first = text("first")  # the worker takes it and types (the clock is frozen)
    sent = [text(f"m{i}") for i in range(ECHO_BACKLOG + 20)]
    mock = client.app.state.mock
    assert len(mock.bots._tasks) == 1  # one worker for the conversation, not one task per message
    limits = client.get("/_mockcc/limits").json()["agents"]
    assert limits["echo_waiting"] == ECHO_BACKLOG
    assert limits["echo_dropped"] == 20
    assert limits["echo_backlog_limit"] == ECHO_BACKLOG

    client.post("/_mockcc/clock/advance", json={"seconds": 1})  # "first" answered, the batch taken
    client.post("/_mockcc/clock/advance", json={"seconds": 1})  # the batch answered
    kept = [f"m{i}" for i in range(20, ECHO_BACKLOG + 20)]  # the latest texts are always echoed
    assert _agent_view(client, conv) == [
        ("AcceptStatusEvent", [first]),
        ("AcceptStatusEvent", [first]),
        ("ContentEvent", "first"),
        ("AcceptStatusEvent", sent[20:]),
        ("AcceptStatusEvent", sent[20:]),
        *[("ContentEvent", m) for m in kept],
    ]
    after = client.get("/_mockcc/limits").json()["agents"]
    assert after["echo_waiting"] == 0
    assert after["echo_dropped"] == 20
    assert not mock.bots._tasks  # the worker ends with its backlog


def test_opening_past_the_conversations_limit_forgets_the_oldest_closed_else_refuses(clock):
    app = create_app(
        Settings(seed_doc=quiet_seed(), random_seed=7, conversations_limit=2, public_host="mock.test"), clock=clock
    )
    with TestClient(app, base_url="http://mock.test") as client:
        lp = LP(client)
        first, second = lp.open("a"), lp.open("b")
        r = client.post(
            f"/api/account/{ACCOUNT}/messaging/consumer/conversation?v=3",
            json=[
                {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
                {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {}},
            ],
            headers=lp.headers("c"),
        )
        assert r.status_code == 400
        assert r.json()[1]["code"] == "BAD_REQUEST"
        call = client.get("/_mockcc/journal?service=conversation&limit=1").json()["calls"][0]
        assert call["explanation"]["rule"] == "conversations-limit"
        assert client.get("/_mockcc/limits").json()["conversations_refused_at_limit"] == 1

        assert lp.close("a", first).status_code == 200
        third = lp.open("c")  # fits now: the closed one is forgotten
        conversations = {c["convId"] for c in client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json()}
        assert conversations == {second, third}
        account = client.get("/_mockcc/limits").json()["accounts"][0]
        assert account["conversations"] == 2
        assert account["forgotten_conversations"] == 1
        assert account["conversations_limit"] == 2


def test_the_default_conversations_limit_holds_a_large_load_test():
    assert Settings().conversations_limit >= 100_000


class NoScan(dict):  # type: ignore[type-arg]
    """A store that fails the test when anything walks over it."""

    def _scan(self, *args: object) -> Any:
        raise AssertionError("a per-request scan over the whole store")

    __iter__ = values = items = keys = _scan  # type: ignore[assignment]


def _open(messaging: Messaging, account: Account, n: int) -> str:
    consumer = f"consumer-{n}"
    account.remember(Consumer(lp_consumer_id=consumer, ext_consumer_id=consumer))
    return messaging.request_conversation(account, consumer, "client", {}, ()).conversation_id


def test_opening_past_the_cap_remembering_consumers_and_finding_dialogs_never_scan(monkeypatch):
    monkeypatch.setattr(models, "CONSUMERS_PER_ACCOUNT", 5)
    messaging = Messaging(Clock(start=1_700_000_000.0, frozen=True), Ids(7), conversations_limit=5)
    account = Account(account_id=ACCOUNT)
    account.conversations, account.consumers = NoScan(), NoScan()
    opened = [_open(messaging, account, n) for n in range(5)]
    conv = account.conversations[opened[0]]
    messaging.close(account, conv, "AGENT", survey=True)  # the survey dialog keeps it open
    survey = conv.dialogs[1].dialog_id
    assert account.dialog_owner(survey) is conv
    assert account.dialog_owner(opened[1]) is account.conversations[opened[1]]
    assert account.dialog_owner("no-such-dialog") is None
    messaging.close_dialog(account, conv, conv.dialogs[1], "CONSUMER", "Completed")
    assert messaging.open_conflict(account, "consumer-0") is None
    assert not messaging.at_limit(account)

    for n in range(5, 9):  # each past the cap: the oldest closed one goes, and its consumer after
        messaging.close(account, account.conversations[opened[-1]], "CONSUMER")
        opened.append(_open(messaging, account, n))
    assert len(account.conversations) == 5
    assert account.forgotten_conversations == 4
    assert account.dialog_owner(survey) is None  # forgotten with its conversation
    assert len(account.consumers) == 5
    assert account.forgotten_consumers == 4
    assert all(c in account.open_by_consumer for c in ("consumer-1", "consumer-2", "consumer-3", "consumer-8"))


def test_stored_messages_leave_the_cycle_collector_alone_and_read_back_as_published():
    """A long run stores a million messages: the collector must not rescan them on every pass (SEND's p99)."""
    messaging = Messaging(Clock(start=1_700_000_000.0, frozen=True), Ids(7))
    account = Account(account_id=ACCOUNT)
    account.remember(Consumer(lp_consumer_id="consumer", ext_consumer_id="consumer"))
    conv = messaging.request_conversation(account, "consumer", "client", {}, ())
    dialog, speaker = conv.dialogs[0], models.Participant(id="consumer", role="CONSUMER")
    published = [
        messaging.publish(account, conv, dialog, speaker, {"type": "ContentEvent", "message": f"m{n}"})
        for n in range(50)
    ]
    rows = list(dialog.events._rows)
    gc.collect()
    assert not any(gc.is_tracked(row) for row in rows)
    assert list(dialog.events) == published
    assert dialog.events[-1] == published[-1]
    assert list(reversed(dialog.events)) == published[::-1]
    assert len(dialog.events) == 50
    assert dialog.events[0].event["message"] == "m0"
    assert dialog.events[0].sequence == 0
    nested = [  # kept with their dicts: read back the same, newest last
        {"type": "RichContentEvent", "content": {"type": "vertical", "elements": [{"type": "text", "text": "t"}]}},
        {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0, 1]},
    ]
    published += [messaging.publish(account, conv, dialog, speaker, event) for event in nested]
    assert list(dialog.events) == published
    assert dialog.events.newest_timestamp == published[-1].server_timestamp


def test_an_open_conversation_gives_the_collector_few_objects_and_routing_history_stays_capped():
    """100,000 open conversations: every full collector pass scans what each one holds, so it holds little."""
    messaging = Messaging(Clock(start=1_700_000_000.0, frozen=True), Ids(7))
    account = Account(account_id=ACCOUNT)
    for n in range(200):
        account.remember(Consumer(lp_consumer_id=f"c{n}", ext_consumer_id=f"c{n}"))
    gc.collect()
    before = len(gc.get_objects())
    opened = [messaging.request_conversation(account, f"c{n}", "client", {}, ()) for n in range(200)]
    gc.collect()
    per_conversation = (len(gc.get_objects()) - before) / len(opened)
    # Conversation, Dialog, Events, three lists (dialogs, the conversation's and the dialog's participants)
    # and the consumer's Participant in each: 8. No deque of events until one is published, and the
    # features, joins and transfers are shared empty tuples (it was 12 with a list and three deques).
    assert per_conversation <= 8.5
    conversation = opened[0]
    for n in range(models.ROUTING_HISTORY + 5):
        conversation.remember_join(models.Joined(f"agent-{n}", "AGENT", n))
        conversation.remember_transfer(models.Transfer(n, "-1", "skill", None))
    assert len(conversation.joins) == len(conversation.transfers) == models.ROUTING_HISTORY
    assert conversation.joins[0].participant_id == "agent-5"
    assert conversation.joins[-1].ts == models.ROUTING_HISTORY + 4
