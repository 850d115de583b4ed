"""ExConversationChangeNotification carries ``lastContentEventNotification``: the conversation's newest message
as one messaging change (LivePerson's agent SDK docs show it in every UPSERT; a message refreshes an agent's
conversation list [INFERRED]); a consumer's socket never sees an agents-only note in it."""

from __future__ import annotations

from collections import deque

import httpx
import pytest

from mockcc.state.models import Conversation, Dialog, Event
from mockcc.streams.frames import last_content
from tests.connector_ref.stack import MockProcess
from tests.e2e.live import open_conversation
from tests.sockets.conftest import quiet
from tests.sockets.ums import AgentBot

pytestmark = pytest.mark.live


def last_contents(bot: AgentBot, conversation: str) -> list[object]:
    return [
        change["result"].get("lastContentEventNotification", {}).get("event", {}).get("message")
        for n in bot.ws.notifications
        if n.get("type") == "cqm.ExConversationChangeNotification"
        for change in n["body"]["changes"]
        if change["result"]["convId"] == conversation
    ]


def test_a_message_refreshes_the_agents_conversation_with_its_last_content(mock: MockProcess) -> None:
    mock.post("/_mockcc/reset", quiet(mock, agent_users=[{"login_name": "ana", "password": "ana-secret"}]))
    ana = AgentBot(mock.url, mock.http, mock.fields["account_id"], ("ana", "ana-secret"))
    try:
        ana.ok(".ams.cqm.SubscribeExConversations", {"convState": ["OPEN"]})  # every conversation of the account
        with httpx.Client(base_url=mock.url) as http:
            headers, conversation = open_conversation(http, mock.fields, "last-content")
            ana.ws.wait("cqm.ExConversationChangeNotification", 2)  # the snapshot, the new conversation
            assert last_contents(ana, conversation) == [None]  # no message yet: no lastContentEventNotification
            event = {"type": "ContentEvent", "contentType": "text/plain", "message": "where is my parcel?"}
            sent = http.post(
                f"/api/account/{mock.fields['account_id']}/messaging/consumer/conversation/send",
                params={"v": "3"},
                headers=headers,
                json={
                    "kind": "req",
                    "id": "1",
                    "type": "ms.PublishEvent",
                    "body": {"dialogId": conversation, "event": event},
                },
            )
            assert sent.status_code == 200, sent.text
        upsert = ana.ws.wait("cqm.ExConversationChangeNotification", 3)[2]["body"]["changes"][0]
        last = upsert["result"]["lastContentEventNotification"]
        assert upsert["type"] == "UPSERT"
        assert last["event"] == event
        assert (last["dialogId"], last["sequence"], last["originatorMetadata"]["role"]) == (conversation, 0, "CONSUMER")
        assert (
            last["originatorId"]
            == last["originatorPId"]
            == upsert["result"]["conversationDetails"]["participants"][0]["id"]
        )
        mock.agent(conversation, "join")
        ana.ws.wait("cqm.ExConversationChangeNotification", 4)
        mock.agent(conversation, "note", {"text": "VIP customer"})  # agents only
        ana.ws.wait("cqm.ExConversationChangeNotification", 5)
        assert last_contents(ana, conversation)[-1] == "VIP customer"  # an agent's socket hears private notes
    finally:
        ana.close()


def test_the_consumers_last_content_skips_agents_only_notes_receipts_and_earlier_dialogs() -> None:
    main, survey = Dialog.__new__(Dialog), Dialog.__new__(Dialog)
    text = Event("main", "consumer", "CONSUMER", {"type": "ContentEvent", "message": "hi"}, 1, 0)
    note = Event(
        "main", "agent", "ASSIGNED_AGENT", {"type": "ContentEvent", "message": "VIP"}, 2, 1, None, "AGENTS_AND_MANAGERS"
    )
    read = Event("main", "agent", "ASSIGNED_AGENT", {"type": "AcceptStatusEvent", "status": "READ"}, 3, 2)
    main.events, survey.events = deque([text, note, read]), deque()
    conversation = Conversation.__new__(Conversation)
    conversation.dialogs = [main, survey]
    assert last_content(conversation, private=False) is text
    assert last_content(conversation, private=True) is note
    question = Event("survey", "bot", "CONTROLLER", {"type": "RichContentEvent", "content": {}}, 4, 0)
    survey.events = deque([question])
    assert last_content(conversation, private=False) is question
