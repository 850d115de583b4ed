"""UpdateRoutingTaskSubscription changes what a socket's routing subscription hears, and so what routing
rings its agent for [INFERRED: undocumented, the notes' choice: ``skills`` narrows it, null widens it]."""

from __future__ import annotations

import httpx
import pytest

from tests.connector_ref.stack import MockProcess
from tests.e2e.live import open_conversation
from tests.sockets.conftest import quiet
from tests.sockets.ums import AgentBot

pytestmark = pytest.mark.live

ANA = ("ana", "ana-secret")


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
            _, other = open_conversation(http, mock.fields, "skill-66", "66")
        ana.ok("GetClock")  # answered after any ring the conversation's opening sent
        assert ana.rings() == []  # skill 66 is not heard: routing does not ring ana, the conversation waits
        assert mock.get(f"/_mockcc/accounts/{mock.fields['account_id']}/agents")["agents"][0]["conversations"] == []
        with httpx.Client(base_url=mock.url) as http:
            _, heard = open_conversation(http, mock.fields, "skill-55", "55")
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
