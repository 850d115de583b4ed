"""What the unpublished 1.4.x line of LivePerson's Node Agent SDK (its repository's master, read, never
installed: npm has only 1.2.0) does on the wire (protocol notes §7), replayed by the docs-written client:
the socket host from CSDS ``facadeMsg``, ``v=2.1``, refresh with csrf and the login's cookie, the SDK's
request spellings and extra top-level keys, QueryMessages' array answer with ``originatorPId``, and no
answer typed as a request type the SDK rewrites (such an answer is dropped and the call times out)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.connector_ref.stack import MockProcess
from tests.e2e.live import open_conversation
from tests.sockets.ums import UmsClient, login

pytestmark = pytest.mark.live

#: Request types whose *answers* the SDK would rewrite (lib/Transformer.js keys that are request types).
REWRITTEN = {
    ".ams.routing.SetAgentState",
    ".ams.cm.UpdateConversationField",
    ".ams.routing.SubscribeRoutingTasks",
    ".ams.aam.SubscribeExConversations",
    ".ams.cm.AgentRequestConversation",
    ".ams.routing.SubscribeAgentsState",
}


def sdk_request(ws: UmsClient, kind: str, body: object, metadata: object = None) -> dict[str, object]:
    """As the SDK sends it: a uuid id, ``headers``/``metadata``/``encodedMetadata`` always present."""
    answer = ws.request(kind, body, req_id=str(uuid.uuid4()), headers=None, metadata=metadata, encodedMetadata=None)
    assert answer["type"] not in REWRITTEN, answer
    return answer


def test_the_14x_sdk_wire_sequence(fresh: MockProcess) -> None:
    account = fresh.fields["account_id"]
    with httpx.Client(base_url=fresh.url) as http:
        domains = {
            e["service"]: e["baseURI"]
            for e in http.get(f"/api/account/{account}/service/baseURI.json", params={"version": "1.0"}).json()[
                "baseURIs"
            ]
        }
        assert {"facadeMsg", "asyncMessagingEnt", "agentVep"} <= set(domains)
        session = login(http, account)
        me = f"{account}.{session['config']['userId']}"
        pid = session["config"]["userPid"]
        refreshed = http.post(f"/api/account/{account}/refresh", params={"v": "1.3"}, json={"csrf": session["csrf"]})
        assert refreshed.status_code == 200  # the login's Session_id cookie rode along in the client's jar
        _, conversation = open_conversation(http, fresh.fields, "sdk14")
        consumer = next(
            c["lp_consumer_id"]
            for c in fresh.get("/_mockcc/state")["accounts"][0]["consumers"]
            if c["ext_consumer_id"] == "sdk14"
        )
    url = f"ws://{domains['facadeMsg']}/ws_api/account/{account}/messaging/brand/{session['bearer']}?v=2.1"
    with UmsClient(url) as ws:
        assert sdk_request(ws, ".GetClock", {})["code"] == 200
        state = {"availability": "ONLINE", "channels": ["MESSAGING"], "agentUserId": me}
        assert sdk_request(ws, ".ams.routing.SetAgentState", state)["code"] == 202
        assert (
            sdk_request(ws, ".ams.aam.SubscribeExConversations", {"convState": ["OPEN"], "agentIds": [me]})["code"]
            == 200
        )
        tasks = {"channelType": "MESSAGING", "agentId": me, "brandId": account}
        assert sdk_request(ws, ".ams.routing.SubscribeRoutingTasks", tasks)["code"] == 200
        ring = next(
            c["result"]
            for n in ws.wait(".ams.routing.RoutingTaskNotification", 2)
            for c in n["body"]["changes"]
            if c["result"]["ringsDetails"][0]["ringState"] == "WAITING"
        )
        assert ring["conversationId"] == conversation
        accept = {"ringId": ring["ringsDetails"][0]["ringId"], "ringState": "ACCEPTED"}
        assert sdk_request(ws, ".ams.routing.UpdateRingState", accept)["code"] == 202
        replay = sdk_request(ws, ".ams.ms.QueryMessages", {"dialogId": conversation, "newerThanSequence": 0})
        assert isinstance(replay["body"], list)
        event = {"type": "ContentEvent", "contentType": "text/plain", "message": "from 1.4"}
        published = sdk_request(
            ws,
            ".ams.ms.PublishEvent",
            {"dialogId": conversation, "event": event},
            [{"type": "BotResponse", "externalConversationId": "x"}],
        )
        assert published["code"] == 200
        live = ws.wait("ms.MessagingEventNotification")[0]["body"]
        change = live["changes"][0]
        assert (live["dialogId"], change["originatorId"], change["originatorPId"]) == (conversation, pid, pid)
        assert change["metadata"] == [{"type": "BotResponse", "externalConversationId": "x"}]
        profile = sdk_request(ws, ".ams.userprofile.GetUserProfile", consumer)
        assert profile["type"] == ".ams.userprofile.GetUserProfile$Response"
        assert isinstance(profile["body"]["authenticatedData"]["lp_sdes"], list)
        close = {
            "conversationId": conversation,
            "conversationField": [{"field": "ConversationStateField", "conversationState": "CLOSE"}],
        }
        assert sdk_request(ws, ".ams.cm.UpdateConversationField", close, [])["code"] == 200
    calls = fresh.journal("agentsocket")
    assert [c for c in calls if c["outcome"] != "ok"] == []
    assert all(session["bearer"] not in json.dumps(c) for c in calls)
