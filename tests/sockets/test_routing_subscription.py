"""UpdateRoutingTaskSubscription changes what a socket's routing subscription hears, and so what routing
rings its agent for [INFERRED: undocumented, the notes' choice: ``skills`` narrows it, null widens it]."""

from __future__ import annotations

import httpx
import pytest

from tests.connector_ref.stack import MockProcess
from tests.sockets.conftest import quiet
from tests.sockets.ums import AgentBot

pytestmark = pytest.mark.live

ANA = ("ana", "ana-secret")


def open_with_skill(http: httpx.Client, fields: dict[str, str], consumer: str, skill: str) -> str:
    """A consumer's conversation asked for ``skill``, through the Send API as a connector opens one."""
    account = fields["account_id"]
    token = http.post(
        f"/sentinel/api/account/{account}/app/token",
        params={"v": "1.0", "grant_type": "client_credentials"},
        data={"client_id": fields["client_id"], "client_secret": fields["client_secret"]},
    ).json()["access_token"]
    jws = http.post(
        f"/api/account/{account}/consumer",
        params={"v": "1.0"},
        json={"ext_consumer_id": consumer},
        headers={"Authorization": token},
    ).json()["token"]
    batch = [
        {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
        {
            "kind": "req",
            "id": "2",
            "type": "cm.ConsumerRequestConversation",
            "body": {"brandId": account, "skillId": skill},
        },
    ]
    opened = http.post(
        f"/api/account/{account}/messaging/consumer/conversation",
        params={"v": "3"},
        headers={"Authorization": token, "X-LP-ON-BEHALF": jws},
        json=batch,
    )
    assert opened.status_code == 200, opened.text
    return str(opened.json()[1]["body"]["conversationId"])


def test_update_routing_task_subscription_narrows_and_widens_the_rings(mock: MockProcess) -> None:
    mock.post("/_mockcc/reset", quiet(mock, agent_users=[{"login_name": "ana", "password": "ana-secret"}]))
    ana = AgentBot(mock.url, mock.http, mock.fields["account_id"], ANA)
    try:
        before = ana.ws.request(".ams.routing.UpdateRoutingTaskSubscription", {"skills": ["55"]})
        assert (before["code"], before["mockcc"]["rule"]) == (400, "subscribed")
        ana.start()
        sub_id = ana.ws.wait(".ams.routing.RoutingTaskNotification")[0]["body"]["subscriptionId"]
        narrowed = ana.ok(".ams.routing.UpdateRoutingTaskSubscription", {"subscriptionId": sub_id, "skills": ["55"]})
        assert narrowed["body"] == {"subscriptionId": sub_id}
        with httpx.Client(base_url=mock.url) as http:
            other = open_with_skill(http, mock.fields, "skill-66", "66")
        ana.ok("GetClock")  # answered after any ring the conversation's opening sent
        assert ana.rings() == []  # skill 66 is not heard: routing does not ring ana, the conversation waits
        assert mock.get(f"/_mockcc/accounts/{mock.fields['account_id']}/agents")["agents"][0]["conversations"] == []
        with httpx.Client(base_url=mock.url) as http:
            heard = open_with_skill(http, mock.fields, "skill-55", "55")
        assert ana.next_ring()["conversationId"] == heard
        ana.accept(ana.rings()[0])
        widened = ana.ok(".ams.routing.UpdateRoutingTaskSubscription", {"skills": None})
        assert widened["body"] == {"subscriptionId": sub_id}
        assert ana.next_ring(2)["conversationId"] == other  # the waiting skill-66 conversation rings now
        for body, rule in (
            ({"subscriptionId": "routing-nope"}, "known-subscription"),
            ({"skills": []}, "type"),
            ({"skills": [True]}, "type"),
            ({"channelType": "VOICE"}, "enum"),
        ):
            refused = ana.ws.request(".ams.routing.UpdateRoutingTaskSubscription", body)
            assert (refused["code"], refused["mockcc"]["rule"]) == (400, rule), refused
    finally:
        ana.close()
