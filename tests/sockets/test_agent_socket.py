"""The brand socket's requests on a frozen-clock ``mockcc serve``: rings on the mock's clock, agent
state, transfers (to a skill, to an agent on v2.1), participants, profiles, and the refusals, each
with its explanation; login, refresh and logout as the socket's credential."""

from __future__ import annotations

import httpx
import pytest

from tests.connector_ref.stack import MockProcess
from tests.e2e.live import open_conversation
from tests.sockets.conftest import quiet
from tests.sockets.ums import AgentBot, UmsClient, brand_url, login

pytestmark = pytest.mark.live

ANA = ("ana", "ana-secret")
BEN = ("ben", "ben-secret")
USERS = [
    {"login_name": "ana", "password": "ana-secret", "availability": "OFFLINE"},
    {"login_name": "ben", "password": "ben-secret", "skills": ["77"], "max_conversations": 5},
    {
        "login_name": "app",
        "password": "x",
        "app_key": {"appKey": "k", "secret": "s", "accessToken": "t", "accessTokenSecret": "ts"},
    },
]


@pytest.fixture
def agents(mock: MockProcess) -> MockProcess:
    mock.post("/_mockcc/reset", quiet(mock, agent="echo", agent_users=USERS))
    return mock


def bot(mock: MockProcess, user: tuple[str, str], version: str = "2") -> AgentBot:
    return AgentBot(mock.url, mock.http, mock.fields["account_id"], user, version)


def test_a_ring_expires_on_the_mocks_clock_and_rings_the_next_agent(agents: MockProcess) -> None:
    ana, ben = bot(agents, ANA), bot(agents, BEN)
    try:
        ana.start()
        ben.start()
        with httpx.Client(base_url=agents.url) as http:
            _, conversation = open_conversation(http, agents.fields, "ring-expiry")
        first = ana.next_ring() if ana.rings() or not ben.rings() else ben.next_ring()
        rung, other = (ana, ben) if ana.rings() else (ben, ana)
        assert first["conversationId"] == conversation
        assert not other.rings()
        agents.advance(71)
        assert rung.ws.request("GetClock")["code"] == 200
        assert not rung.rings("EXPIRED")
        agents.advance(2)
        expired = rung.ws.wait(".ams.routing.RoutingTaskNotification", 3)[2]["body"]["changes"][0]["result"]
        assert expired["ringsDetails"][0]["ringState"] == "EXPIRED"
        second = other.next_ring()
        assert second["conversationId"] == conversation
        late = rung.ws.request(
            ".ams.routing.UpdateRingState", {"ringId": first["ringsDetails"][0]["ringId"], "ringState": "ACCEPTED"}
        )
        assert late["code"] == 400
        assert late["mockcc"]["rule"] == "ring-state"
        other.accept(second)
        twice = other.ws.request(
            ".ams.routing.UpdateRingState", {"ringId": second["ringsDetails"][0]["ringId"], "ringState": "ACCEPTED"}
        )
        assert twice["code"] == 400
        assert "is ACCEPTED, not WAITING" in twice["mockcc"]["explanation"]
        assert agents.conversation(conversation)["conversationDetails"]["participants"][-1]["id"] == other.pid
    finally:
        ana.close()
        ben.close()


def test_publishing_where_the_agent_is_not_is_refused_and_changes_nothing(agents: MockProcess) -> None:
    ana = bot(agents, ANA)
    try:
        with httpx.Client(base_url=agents.url) as http:
            _, conversation = open_conversation(http, agents.fields, "not-mine")
        before = agents.conversation(conversation)["events"]
        text = {"type": "ContentEvent", "contentType": "text/plain", "message": "sneaky"}
        refused = ana.ws.request(".ams.ms.PublishEvent", {"dialogId": conversation, "event": text})
        assert refused["code"] == 400
        assert refused["mockcc"]["rule"] == "participant"
        assert "accept its ring" in refused["mockcc"]["explanation"]
        assert agents.conversation(conversation)["events"] == before
        bad = ana.ws.request(".ams.ms.PublishEvent", {"dialogId": conversation, "event": {"type": "Nope"}})
        assert bad["code"] == 400
        assert bad["mockcc"]["rule"] == "enum"
        close = ana.ws.request(
            ".ams.cm.UpdateConversationField",
            {
                "conversationId": conversation,
                "conversationField": {"field": "ConversationStateField", "conversationState": "CLOSE"},
            },
        )
        assert close["mockcc"]["rule"] == "participant"
        join = {"field": "ParticipantsChange", "type": "ADD", "role": "MANAGER"}
        assert (
            ana.ok(".ams.cm.UpdateConversationField", {"conversationId": conversation, "conversationField": join})[
                "body"
            ]
            == "OK Agent added successfully"
        )
        assert ana.ok(".ams.ms.PublishEvent", {"dialogId": conversation, "event": text})["body"] == {"sequence": 0}
    finally:
        ana.close()


def test_conversations_waiting_before_the_agent_came_online_ring_once_it_listens(agents: MockProcess) -> None:
    ana = bot(agents, ANA)
    try:
        with httpx.Client(base_url=agents.url) as http:
            _, before = open_conversation(http, agents.fields, "queued-before")
            ana.start()
            _, after = open_conversation(http, agents.fields, "queued-after")
        ana.next_ring(2)
        assert {r["conversationId"] for r in ana.rings()} == {before, after}
        assert agents.get("/_mockcc/limits")["sockets"]["sockets_open"] == 1
    finally:
        ana.close()


def test_transfer_to_an_agent_needs_v21_and_rings_only_that_agent(agents: MockProcess) -> None:
    ana, ben = bot(agents, ANA, "2.1"), bot(agents, BEN, "2")
    try:
        ana.start()
        with httpx.Client(base_url=agents.url) as http:
            _, conversation = open_conversation(http, agents.fields, "suggest")
        ana.accept(ana.next_ring())
        ben.start()
        suggest = [
            {"field": "ParticipantsChange", "type": "REMOVE", "role": "ASSIGNED_AGENT"},
            {"field": "ParticipantsChange", "type": "SUGGEST", "role": "ASSIGNED_AGENT", "userId": ben.me},
        ]
        as_v2 = ben.ws.request(
            ".ams.cm.UpdateConversationField", {"conversationId": conversation, "conversationField": suggest}
        )
        assert as_v2["mockcc"]["rule"] == "version"
        ana.ok(".ams.cm.UpdateConversationField", {"conversationId": conversation, "conversationField": suggest})
        main = agents.conversation(conversation)["conversationDetails"]["dialogs"][0]["participantsDetails"]
        assert {"id": ben.pid, "role": "ASSIGNED_AGENT", "state": "SUGGESTED"} in main
        ring = ben.next_ring()
        assert ring["conversationId"] == conversation
        ben.accept(ring)
        main = agents.conversation(conversation)["conversationDetails"]["dialogs"][0]["participantsDetails"]
        assert {"id": ben.pid, "role": "ASSIGNED_AGENT", "state": "ACTIVE"} in main
    finally:
        ana.close()
        ben.close()


def test_agent_state_profiles_and_the_application_login(agents: MockProcess) -> None:
    account = agents.fields["account_id"]
    app = agents.http.post(
        f"/api/account/{account}/login",
        params={"v": "1.3"},
        json={"username": "app", "appKey": "k", "secret": "s", "accessToken": "t", "accessTokenSecret": "ts"},
    )
    assert app.status_code == 200
    assert app.json()["config"]["loginName"] == "app"
    wrong = agents.http.post(
        f"/api/account/{account}/login",
        params={"v": "1.3"},
        json={"username": "app", "appKey": "k", "secret": "no", "accessToken": "t", "accessTokenSecret": "ts"},
    )
    assert wrong.status_code == 401
    ana = bot(agents, ANA)
    try:
        sub = ana.ok(".ams.routing.SubscribeAgentsState", {})["body"]["subscriptionId"]
        [first] = ana.ws.wait(".ams.routing.AgentStateNotification")
        assert first["body"]["changes"][0]["result"]["availability"] == "OFFLINE"
        ana.ok(".ams.routing.SetAgentState", {"availability": "AWAY"}, 202)
        state = ana.ws.wait(".ams.routing.AgentStateNotification", 2)[1]["body"]
        assert (state["subscriptionId"], state["changes"][0]["result"]["availability"]) == (sub, "AWAY")
        bad = ana.ws.request(".ams.routing.SetAgentState", {"availability": "ASLEEP"})
        assert bad["mockcc"]["rule"] == "enum"
        other = ana.ws.request(".ams.routing.SetAgentState", {"availability": "ONLINE", "agentUserId": f"{account}.1"})
        assert other["mockcc"]["rule"] == "known-agent"
        with httpx.Client(base_url=agents.url) as http:
            open_conversation(http, agents.fields, "profiled")
        consumer = next(
            c for c in agents.get("/_mockcc/state")["accounts"][0]["consumers"] if c["ext_consumer_id"] == "profiled"
        )
        profile = ana.ok(".ams.userprofile.GetUserProfile", consumer["lp_consumer_id"])
        assert profile["type"] == ".ams.userprofile.GetUserProfile$Response"
        assert "authenticatedData" in profile["body"]
    finally:
        ana.close()


def test_refresh_extends_the_bearer_and_logout_ends_the_socket(agents: MockProcess) -> None:
    account = agents.fields["account_id"]
    with httpx.Client(base_url=agents.url) as http:
        session = login(http, account, ANA)
        with UmsClient(brand_url(agents.url, account, session["bearer"])) as ws:
            agents.advance(8 * 3600 - 60)
            ws.request("GetClock")
            refreshed = http.post(
                f"/api/account/{account}/refresh", params={"v": "1.3"}, json={"csrf": session["csrf"]}
            )
            assert refreshed.status_code == 200
            agents.advance(120)
            assert ws.request("GetClock")["code"] == 200  # past the first 8 h, alive thanks to refresh
            bad = http.post(f"/api/account/{account}/refresh", params={"v": "1.3"}, json={"csrf": "nope"})
            assert bad.status_code == 401
            assert bad.json()["error"]["internalCode"] == 10
            assert (
                http.post(
                    f"/api/account/{account}/logout", params={"v": "1.3"}, json={"csrf": session["csrf"]}
                ).status_code
                == 200
            )
            agents.advance(1)
            assert ws.closed().code == 4401
