"""The brand socket's requests the other tests leave out: a REJECTED ring rings the next agent at once;
SubscribeExConversations' stage and minLastUpdatedTime filters, UpdateExConversationSubscription judging
later changes by the new filter, the 1000-conversation snapshot cap; an agent's rich content, quick
replies and hosted file reach the conversation as the consumer side sees them."""

from __future__ import annotations

import httpx
import pytest

from mockcc.agent.routing import Routing
from mockcc.clock import Clock
from mockcc.ids import Ids
from mockcc.messaging import Messaging
from mockcc.settings import SocketLimits
from mockcc.state.models import Account
from mockcc.streams.hub import Streams
from mockcc.streams.outbox import Outbox
from mockcc.streams.subscriptions import SNAPSHOT_LIMIT, ConversationFilter, Peer
from tests.connector_ref.stack import MockProcess
from tests.e2e.live import open_conversation
from tests.sockets.conftest import quiet
from tests.sockets.ums import AgentBot

USERS = [{"login_name": "ana", "password": "ana-secret"}, {"login_name": "ben", "password": "ben-secret"}]


@pytest.fixture
def two(mock: MockProcess) -> MockProcess:
    mock.post("/_mockcc/reset", quiet(mock, agent_users=USERS))
    return mock


def agent(mock: MockProcess, name: str) -> AgentBot:
    return AgentBot(mock.url, mock.http, mock.fields["account_id"], (name, f"{name}-secret"))


@pytest.mark.live
def test_a_rejected_ring_rings_the_next_agent_at_once(two: MockProcess) -> None:
    ana, ben = agent(two, "ana"), agent(two, "ben")
    try:
        ana.start()
        ben.start()
        with httpx.Client(base_url=two.url) as http:
            _, conversation = open_conversation(http, two.fields, "rejected")
        ring = ana.next_ring()  # the least loaded agent first, then by login name
        assert ring["conversationId"] == conversation
        assert not ben.rings()
        reject = {"ringId": ring["ringsDetails"][0]["ringId"], "ringState": "REJECTED"}
        ana.ok(".ams.routing.UpdateRingState", reject, 202)
        assert ben.next_ring()["conversationId"] == conversation  # no clock moved: at once
        assert (
            ana.ws.wait(".ams.routing.RoutingTaskNotification", 3)[2]["body"]["changes"][0]["result"]["ringsDetails"][
                0
            ]["ringState"]
            == "REJECTED"
        )
    finally:
        ana.close()
        ben.close()


def snapshot_ids(bot: AgentBot, body: dict[str, object]) -> tuple[str, list[str]]:
    answer = bot.ok(".ams.cqm.SubscribeExConversations", body)
    sub_id = answer["body"]["subscriptionId"]
    frame = bot.ws.wait("cqm.ExConversationChangeNotification", subscriptionId=sub_id)[0]
    return sub_id, [c["result"]["convId"] for c in frame["body"]["changes"]]


@pytest.mark.live
def test_stage_and_min_last_updated_filters_and_updating_a_subscription(two: MockProcess) -> None:
    ana = agent(two, "ana")
    try:
        with httpx.Client(base_url=two.url) as http:
            _, first = open_conversation(http, two.fields, "filters-first")
            two.advance(5)
            _, second = open_conversation(http, two.fields, "filters-second")
            two.agent(second, "close")
        closed_ts = two.conversation(second)["conversationDetails"]["metaDataLastUpdateTs"]
        assert snapshot_ids(ana, {"stage": ["CLOSE"]})[1] == [second]
        assert snapshot_ids(ana, {"minLastUpdatedTime": closed_ts})[1] == [second]
        sub_id, open_ones = snapshot_ids(ana, {"stage": "OPEN", "convState": ["OPEN"]})
        assert open_ones == [first]
        ana.ok(".ams.cqm.UpdateExConversationSubscription", {"subscriptionId": sub_id, "stage": ["CLOSE"]})
        two.agent(first, "join")  # first is OPEN: the new filter (stage CLOSE) no longer matches it
        deleted = ana.ws.wait("cqm.ExConversationChangeNotification", subscriptionId=sub_id, count=2)[1]
        assert [(c["type"], c["result"]["convId"]) for c in deleted["body"]["changes"]] == [("DELETE", first)]
        unknown = ana.ws.request(".ams.cqm.UpdateExConversationSubscription", {"subscriptionId": "nope"})
        assert (unknown["code"], unknown["mockcc"]["rule"]) == (400, "known-subscription")
    finally:
        ana.close()


def test_the_snapshot_lists_the_newest_1000_conversations_only() -> None:
    clock = Clock(start=1.0, frozen=True)
    messaging = Messaging(clock, Ids(1))
    streams = Streams(clock, messaging.effective_ttr, SocketLimits(), Routing(messaging, clock))
    account = Account("70000001")
    opened = [messaging.request_conversation(account, f"c{n}", "app", {}, ()) for n in range(SNAPSHOT_LIMIT + 1)]
    one = Peer("agent-1", "agent", "70000001", "70000001.1", "pid-1", Outbox(10), 0.0, 0.0)
    streams.attach(one)
    _, snapshot = streams.subscribe_conversations(one, account, ConversationFilter())
    listed = [c["result"]["convId"] for c in snapshot["body"]["changes"]]
    assert SNAPSHOT_LIMIT == 1000
    assert listed == [c.conversation_id for c in reversed(opened[1:])]  # newest first; the oldest left out


@pytest.mark.live
def test_an_agents_rich_content_quick_replies_and_file(two: MockProcess) -> None:
    ana = agent(two, "ana")
    try:
        ana.start()
        with httpx.Client(base_url=two.url) as http:
            _, conversation = open_conversation(http, two.fields, "rich")
        ana.accept(ana.next_ring())
        rich = {"type": "vertical", "elements": [{"type": "text", "text": "Pick one"}]}
        replies = {
            "type": "quickReplies",
            "itemsPerRow": 2,
            "replies": [
                {"type": "button", "title": "Yes", "click": {"actions": [{"type": "publishText", "text": "yes"}]}}
            ],
        }
        events = [
            {"type": "RichContentEvent", "content": rich},
            {"type": "ContentEvent", "contentType": "text/plain", "message": "Agree?", "quickReplies": replies},
        ]
        upload = ana.ok(".ams.ms.GenerateURLForUploadFile", {"fileSize": 4, "fileType": "PNG"})["body"]
        put = two.http.put(upload["relativePath"], params=upload["queryParams"], content=b"\x89PNG")
        assert put.status_code == 201, put.text
        file = {"caption": "label", "relativePath": upload["relativePath"], "fileType": "PNG"}
        events.append({"type": "ContentEvent", "contentType": "hosted/file", "message": file})
        for event in events:
            ana.ok(".ams.ms.PublishEvent", {"dialogId": conversation, "event": event})
        heard = [e["event"] for e in two.conversation(conversation)["events"]]
        assert heard == events
        never = {"caption": "x", "relativePath": "/v1/nope.png", "fileType": "PNG"}
        refused = ana.ws.request(
            ".ams.ms.PublishEvent",
            {
                "dialogId": conversation,
                "event": {"type": "ContentEvent", "contentType": "hosted/file", "message": never},
            },
        )
        assert (refused["code"], refused["mockcc"]["rule"]) == (404, "uploaded-file")  # as on the consumer side
    finally:
        ana.close()


def fields_of(bot: AgentBot, conversation: str, *changes: dict[str, object], code: int = 200) -> dict[str, object]:
    body = {"conversationId": conversation, "conversationField": list(changes)}
    return bot.ok(".ams.cm.UpdateConversationField", body, code)


@pytest.mark.live
def test_an_agents_participants_ttr_and_closing_main_for_the_survey(two: MockProcess) -> None:
    ana, ben = agent(two, "ana"), agent(two, "ben")
    try:
        ana.start()
        with httpx.Client(base_url=two.url) as http:
            _, conversation = open_conversation(http, two.fields, "fields")
        ana.accept(ana.next_ring())

        def roles() -> list[tuple[str, str]]:
            return [(p["id"], p["role"]) for p in two.conversation(conversation)["conversationDetails"]["participants"]]

        assert fields_of(ben, conversation, {"field": "ParticipantsChange", "type": "ADD", "role": "READER"})[
            "body"
        ] == ("OK Agent added successfully")
        assert (ben.pid, "READER") in roles()
        fields_of(ben, conversation, {"field": "ParticipantsChange", "type": "UPDATE", "role": "MANAGER"})
        assert (ben.pid, "MANAGER") in roles()
        assert (ben.pid, "READER") not in roles()
        removed = fields_of(ben, conversation, {"field": "ParticipantsChange", "type": "REMOVE", "role": "MANAGER"})
        assert removed["body"] == "OK Agent removed successfully"
        assert ben.pid not in [pid for pid, _ in roles()]
        fields_of(ana, conversation, {"field": "TTRField", "ttrType": "URGENT", "value": 120})
        assert two.conversation(conversation)["conversationDetails"]["ttr"] == {"ttrType": "URGENT", "value": 120}
        unknown = ana.ws.request(
            ".ams.cm.UpdateConversationField",
            {
                "conversationId": conversation,
                "conversationField": {
                    "field": "DialogChange",
                    "type": "UPDATE",
                    "dialog": {"dialogId": "nope", "state": "CLOSE"},
                },
            },
        )
        assert (unknown["code"], unknown["mockcc"]["rule"]) == (404, "known-dialog")
        main = {"field": "DialogChange", "type": "UPDATE", "dialog": {"dialogId": conversation, "state": "CLOSE"}}
        assert fields_of(ana, conversation, main)["body"] == "OK Conversation resolved successfully"
        details = two.conversation(conversation)["conversationDetails"]
        assert (details["state"], details["stage"]) == ("CLOSE", "OPEN")  # MAIN closed, the survey runs
        assert [d["dialogType"] for d in details["dialogs"]] == ["MAIN", "POST_SURVEY"]
    finally:
        ana.close()
        ben.close()
