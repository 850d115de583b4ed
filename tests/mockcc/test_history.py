"""Messaging History: what a conversation really was, found with the login's bearer, in LivePerson's shape.

The conversations are made through the Send API and the control-plane agent, so every record is the
mock's real state: messages of each dialog, receipts, who joined, transfers, the consumer's SDEs, CSAT.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockcc.schemas import validate
from tests.conftest import ACCOUNT, LP, SEND, publish

HIST = f"/messaging_history/api/account/{ACCOUNT}/conversations"
AGENT = f"/_mockcc/accounts/{ACCOUNT}/conversations/{{}}/agent/{{}}"
NOW_MS = 1_700_000_000_000
WINDOW = {"from": NOW_MS - 3600_000, "to": NOW_MS + 3600_000}
PROFILE = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "authenticatedData": {
        "lp_sdes": [
            {"type": "ctmrinfo", "info": {"customerId": "cust-7", "ctype": "vip", "socialId": "1234"}},
            {
                "type": "personal",
                "personal": {"firstname": "Ada", "lastname": "Lovelace", "contacts": [{"email": "ada@example.com"}]},
            },
        ]
    },
}


def bearer(client: Any) -> dict[str, str]:
    r = client.post(f"/api/account/{ACCOUNT}/login?v=1.3", json={"username": "admin", "password": "mockcc-admin"})
    return {"Authorization": "Bearer " + r.json()["bearer"]}


def agent(client: Any, conversation_id: str, action: str, **body: Any) -> Any:
    r = client.post(AGENT.format(conversation_id, action), json=body)
    assert r.status_code == 200, r.text
    return r.json()


def a_conversation(client: Any, lp: LP, ext_id: str) -> str:
    """Consumer with SDEs writes, an agent joins, reads, answers, transfers; another agent closes; CSAT."""
    conversation_id = lp.open(ext_id, skillId="12", campaignInfo={"campaignId": "99", "engagementId": "98"})
    assert lp.send(ext_id, {"kind": "req", "id": "p", "type": "userprofile.SetUserProfile", "body": PROFILE}).is_success
    assert lp.text(ext_id, conversation_id, "I need a bonus").is_success
    first = agent(client, conversation_id, "join", agentId="agent-1")["agentId"]
    agent(client, conversation_id, "receipt", status="READ", sequenceList=[0])
    agent(client, conversation_id, "text", text="Hello, how can I help?")
    receipt = publish(conversation_id, {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [2]})
    assert lp.send(ext_id, receipt).is_success
    agent(client, conversation_id, "transfer", skillId="34")
    agent(client, conversation_id, "join", agentId="agent-2")
    agent(client, conversation_id, "text", text="Bonus granted")
    assert lp.close(ext_id, conversation_id).is_success
    csat = {"field": "CSATRate", "csatRate": 5, "csatResolutionConfirmation": True, "status": "FILLED"}
    update = {"conversationId": conversation_id, "conversationField": csat}
    assert lp.send(ext_id, {"kind": "req", "id": "s", "type": "cm.UpdateConversationField", "body": update}).is_success
    assert first == "agent-1"
    return conversation_id


def test_csds_and_the_login_list_msghist(client):
    r = client.get(f"/api/account/{ACCOUNT}/service/msgHist/baseURI.json?version=1.0")
    assert r.json() == {"service": "msgHist", "account": ACCOUNT, "baseURI": "mock.test"}
    login = client.post(f"/api/account/{ACCOUNT}/login?v=1.3", json={"username": "admin", "password": "mockcc-admin"})
    services = {u["service"]: u["baseURI"] for u in login.json()["csdsCollectionResponse"]["baseURIs"]}
    assert services["msgHist"] == "mock.test"


def test_the_record_is_the_conversation_that_happened(client, lp, ext_id):
    conversation_id = a_conversation(client, lp, ext_id)
    r = client.post(f"{HIST}/conversation/search", json={"conversationId": conversation_id}, headers=bearer(client))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert validate("msghist/search-response", answer) is None
    assert answer["_metadata"]["count"] == 1
    record = answer["conversationHistoryRecords"][0]
    info = record["info"]
    assert info["conversationId"] == conversation_id
    assert info["brandId"] == ACCOUNT
    assert (info["status"], info["closeReason"], info["csatRate"]) == ("CLOSE", "CONSUMER", 5)
    assert (info["latestAgentId"], info["latestSkillId"]) == ("agent-2", 34)
    assert info["startTimeL"] == NOW_MS
    assert info["startTime"] == "2023-11-14 22:13:20.000+0000"
    texts = [(m["sentBy"], m["messageData"]["msg"]["text"], m["seq"]) for m in record["messageRecords"]]
    assert texts == [
        ("Consumer", "I need a bonus", 0),
        ("Agent", "Hello, how can I help?", 2),
        ("Agent", "Bonus granted", 4),
    ]
    consumer_id = next(m["participantId"] for m in record["messageRecords"] if m["sentBy"] == "Consumer")
    assert record["messageRecords"][0]["messageId"] == f"ms::conv:{conversation_id}::msg:0"
    statuses = [(s["seq"], s["participantType"], s["messageDeliveryStatus"]) for s in record["messageStatuses"]]
    assert statuses == [(0, "Agent", "READ"), (2, "Consumer", "READ")]
    agents = [(a["agentId"], a["role"]) for a in record["agentParticipants"]]
    assert agents == [("agent-1", "ASSIGNED_AGENT"), ("agent-2", "ASSIGNED_AGENT")]
    assert [a["agentId"] for a in record["agentParticipantsLeave"]] == ["agent-1"]
    transfer = record["transfers"][0]
    assert (transfer["sourceSkillId"], transfer["targetSkillId"], transfer["sourceAgentId"]) == (12, 34, "agent-1")
    assert [i["assignedAgentId"] for i in record["interactions"]] == ["agent-1", "agent-2"]
    consumer = record["consumerParticipants"][0]
    assert (consumer["participantId"], consumer["firstName"], consumer["email"]) == (
        consumer_id,
        "Ada",
        "ada@example.com",
    )
    sdes = {e["sdeType"]: e for e in record["sdes"]["events"]}
    assert sdes["CUSTOMER_INFO"]["customerInfo"]["customerInfo"] == {
        "customerId": "cust-7",
        "customerType": "vip",
        "socialId": "1234",
    }
    assert sdes["PERSONAL_INFO"]["personalInfo"]["personalInfo"]["contacts"] == [
        {"personalContact": {"email": "ada@example.com"}}
    ]
    assert record["campaign"] == {"campaignId": "99", "campaignEngagementId": "98"}
    survey = record["conversationSurveys"][0]
    assert survey["surveyStatus"] == "FILLED"
    assert {"question": "Confirm Resolution", "answer": "Yes"} in survey["surveyData"]


def test_the_demo_apps_history_page_gets_what_it_reads(client, lp, ext_id):
    """LivePerson's Connector API demo app: CSDS msgHist from the login's csdsCollectionResponse, then its
    exact call; its page reads records[0].info.status, messageRecords (type, sentBy, messageData, seq, timeL)
    and messageStatuses (seq, messageDeliveryStatus)."""
    conversation_id = lp.open(ext_id)
    assert lp.text(ext_id, conversation_id, "from the demo").is_success
    agent(client, conversation_id, "join")
    agent(client, conversation_id, "receipt", status="ACCEPT", sequenceList=[0])
    login = client.post(f"/api/account/{ACCOUNT}/login?v=1.3", json={"username": "admin", "password": "mockcc-admin"})
    hosts = {u["service"]: u["baseURI"] for u in login.json()["csdsCollectionResponse"]["baseURIs"]}
    body = {
        "conversationId": conversation_id,
        "contentToRetrieve": [
            "campaign", "messageRecords", "agentParticipants", "agentParticipantsLeave", "agentParticipantsActive",
            "consumerParticipants", "transfers", "messageScores", "messageStatuses",
        ],
    }  # fmt: skip
    r = client.post(
        f"http://{hosts['msgHist']}{HIST}/conversation/search?offset=0&limit=100&sort=start%3Adesc&NC=true&__d=2013",
        json=body,
        headers={"authorization": f"Bearer {login.json()['bearer']}", "content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    history = r.json()["conversationHistoryRecords"][0]
    assert history["info"]["status"] == "OPEN"
    (message,) = history["messageRecords"]
    assert (message["type"], message["sentBy"], message["messageData"]["msg"]["text"]) == (
        "TEXT_PLAIN",
        "Consumer",
        "from the demo",
    )
    assert (message["seq"], message["timeL"]) == (0, NOW_MS)
    assert [(s["seq"], s["messageDeliveryStatus"]) for s in history["messageStatuses"]] == [(0, "ACCEPT")]
    assert "sdes" not in history  # only what contentToRetrieve named


def test_search_filters_sorts_and_pages(client, lp):
    ids = []
    for n in range(5):
        ids.append(lp.open(f"pager-{n}", skillId=str(n % 2)))
        assert lp.text(f"pager-{n}", ids[-1], f"message number {n}").is_success
        client.post("/_mockcc/clock/advance", json={"seconds": 60})
    assert lp.close("pager-0", ids[0]).is_success
    auth = bearer(client)

    def find(query: str = "", **filters: Any) -> dict[str, Any]:
        r = client.post(f"{HIST}/search{query}", json={"start": WINDOW, **filters}, headers=auth)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def found(answer: dict[str, Any]) -> list[str]:
        return [rec["info"]["conversationId"] for rec in answer["conversationHistoryRecords"]]

    assert found(find()) == ids
    assert found(find("?sort=start:desc")) == ids[::-1]
    assert found(find(status=["CLOSE"])) == [ids[0]]
    assert found(find(status=["OPEN"], latestSkillIds=["1"])) == [ids[1], ids[3]]
    assert found(find(keyword="NUMBER 3")) == [ids[3]]
    page = find("?offset=1&limit=2")
    assert found(page) == ids[1:3]
    meta = page["_metadata"]
    assert meta["count"] == 5
    assert "offset=3&limit=2" in meta["next"]["href"]
    assert "offset=0&limit=2" in meta["prev"]["href"]
    assert meta["self"]["href"].startswith("http://mock.test/messaging_history/")
    assert "next" not in find("?offset=3&limit=2")["_metadata"]
    later = {"from": NOW_MS + 7200_000, "to": NOW_MS + 9000_000}
    assert client.post(f"{HIST}/search", json={"start": later}, headers=auth).json()["_metadata"]["count"] == 0


@pytest.mark.parametrize(
    ("query", "body", "rule", "path"),
    [
        ("", {}, "required", "$"),
        ("", {"start": {"from": NOW_MS, "to": NOW_MS - 3600_000 * 24}}, "history-query", "$.start"),
        ("", {"start": {"from": NOW_MS - 100 * 24 * 3600_000, "to": NOW_MS}}, "history-query", "$.start"),
        ("?limit=101", {"start": WINDOW}, "pattern", "$query.limit"),
        ("?sort=newest", {"start": WINDOW}, "enum", "$query.sort"),
        ("", {"start": WINDOW, "contentToRetrieve": ["everything"]}, "enum", "$.contentToRetrieve[0]"),
    ],
    ids=["no-start", "backwards", "over-three-months", "page-over-100", "bad-sort", "unknown-part"],
)
def test_bad_searches_are_400_with_the_reason(client, query, body, rule, path):
    r = client.post(f"{HIST}/search{query}", json=body, headers=bearer(client))
    assert r.status_code == 400, r.text
    assert (r.json()["mockcc"]["rule"], r.json()["mockcc"]["path"]) == (rule, path)


def test_history_needs_the_login_bearer(client, lp):
    conversation_id = lp.open("private-consumer")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": lp.app_jwt()}):
        r = client.post(f"{HIST}/conversation/search", json={"conversationId": conversation_id}, headers=headers)
        assert r.status_code == 401
        assert r.json()["mockcc"]["rule"] == "bearer"


def test_an_unknown_conversation_is_an_empty_answer(client):
    r = client.post(f"{HIST}/conversation/search", json={"conversationId": "nope"}, headers=bearer(client))
    assert r.json()["_metadata"]["count"] == 0
    assert r.json()["conversationHistoryRecords"] == []


def test_a_search_record_is_partial_past_500_messages_and_by_id_is_whole(client, lp):
    conversation_id = lp.open("chatty")
    headers = lp.headers("chatty")
    for n in range(501):
        event = {"type": "ContentEvent", "contentType": "text/plain", "message": f"m{n}"}
        r = client.post(SEND, json=publish(conversation_id, event), headers=headers)
        assert r.status_code == 200, r.text
    auth = bearer(client)
    record = client.post(f"{HIST}/search", json={"start": WINDOW}, headers=auth).json()["conversationHistoryRecords"][0]
    assert record["info"]["isPartial"] is True
    assert len(record["messageRecords"]) == 500
    whole = client.post(f"{HIST}/conversation/search", json={"conversationId": conversation_id}, headers=auth).json()
    assert whole["conversationHistoryRecords"][0]["info"]["isPartial"] is False
    assert len(whole["conversationHistoryRecords"][0]["messageRecords"]) == 501


def test_the_journal_records_history_calls_and_unapplied_filters(client):
    r = client.post(f"{HIST}/search", json={"start": WINDOW, "mcs": {"from": 0}}, headers=bearer(client))
    assert r.status_code == 200
    (call,) = client.get("/_mockcc/journal", params={"service": "msghist"}).json()["calls"]
    assert any("mcs" in w for w in call["warnings"])
