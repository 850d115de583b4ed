"""The consumer socket (Messaging Window API) over real sockets on a real ``mockcc serve``, driven by a
client written from LivePerson's docs (§4 "minimal consumer client"): IdP token, connect, subscribe,
request a conversation, converse with a scripted agent and a control-plane agent, close, fill the
survey; then find the same conversation in Messaging History. Refusals as the notes choose."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import httpx
import pytest

from mockcc.ids import lp_consumer_id
from tests.connector_ref.stack import MockProcess, wait_until
from tests.e2e.live import open_conversation
from tests.sockets.ums import UmsClient, login

pytestmark = pytest.mark.live

JSON = dict[str, Any]
PROFILE = {
    "firstName": "Grace",
    "lastName": "Hopper",
    "authenticatedData": {"lp_sdes": [{"type": "ctmrinfo", "info": {"customerId": "navy-1", "ctype": "vip"}}]},
}


def consumer_url(mock: MockProcess, version: str = "3") -> str:
    ws = mock.url.replace("http://", "ws://")
    return f"{ws}/ws_api/account/{mock.fields['account_id']}/messaging/consumer?v={version}"


def signup(mock: MockProcess) -> str:
    return str(mock.post(f"/api/account/{mock.fields['account_id']}/signup")["jwt"])


def consumer(mock: MockProcess, jwt: str | None = None, **headers: str) -> UmsClient:
    token = jwt or signup(mock)
    return UmsClient(consumer_url(mock), additional_headers={"Authorization": f"jwt {token}", **headers})


def text(dialog_id: str, message: str) -> JSON:
    return {"dialogId": dialog_id, "event": {"type": "ContentEvent", "contentType": "text/plain", "message": message}}


def messages(ws: UmsClient, dialog_id: str, count: int, mock: MockProcess | None = None) -> list[JSON]:
    """The first ``count`` ContentEvent changes the socket heard on ``dialog_id``, in order (``mock``: move
    its frozen clock a second at a time, so a scripted agent's typing pauses pass)."""

    def heard() -> list[JSON]:
        return [
            change
            for n in ws.notifications
            if n.get("type") == "ms.MessagingEventNotification"
            for change in n["body"]["changes"]
            if change["dialogId"] == dialog_id and change["event"]["type"] == "ContentEvent"
        ]

    deadline = time.monotonic() + 10
    while len(heard()) < count:
        assert time.monotonic() < deadline, f"heard {heard()!r}, wanted {count} messages"
        if mock is not None:
            mock.advance(1)
        with contextlib.suppress(TimeoutError):
            ws._read(0.5)
    return heard()[:count]


def history(mock: MockProcess, conversation_id: str) -> JSON:
    account = mock.fields["account_id"]
    bearer = login(mock.http, account)["bearer"]
    r = mock.http.post(
        f"/messaging_history/api/account/{account}/conversations/conversation/search",
        json={"conversationId": conversation_id},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert r.status_code == 200, r.text
    return dict(r.json()["conversationHistoryRecords"][0])


def answer_survey(mock: MockProcess, ws: UmsClient, conversation_id: str) -> str:
    """The MAIN dialog closed with a survey: find the POST_SURVEY dialog, answer, close it (DialogChange)."""

    def survey_dialogs() -> list[JSON]:
        return [
            d
            for n in ws.notifications
            if n.get("type") == "cqm.ExConversationChangeNotification"
            for c in n["body"]["changes"]
            for d in c["result"]["conversationDetails"].get("dialogs", [])
            if d["dialogType"] == "POST_SURVEY"
        ]

    deadline = time.monotonic() + 10
    while not survey_dialogs():
        assert time.monotonic() < deadline, f"no POST_SURVEY dialog announced: {ws.notifications!r}"
        with contextlib.suppress(TimeoutError):
            ws._read(0.5)
    details = {"dialogs": survey_dialogs()}
    survey = next(d["dialogId"] for d in details["dialogs"] if d["dialogType"] == "POST_SURVEY")
    assert ws.request("ms.SubscribeMessagingEvents", {"dialogId": survey, "fromSeq": 0})["code"] == 200
    assert ws.request("ms.PublishEvent", text(survey, "5 stars"))["code"] == 200
    close = {"field": "DialogChange", "type": "UPDATE", "dialog": {"dialogId": survey, "state": "CLOSE"}}
    done = ws.request("cm.UpdateConversationField", {"conversationId": conversation_id, "conversationField": [close]})
    assert done["code"] == 200, done
    csat = {"field": "CSATRate", "csatRate": 5, "csatResolutionConfirmation": True, "status": "FILLED"}
    rated = ws.request("cm.UpdateConversationField", {"conversationId": conversation_id, "conversationField": csat})
    assert rated["code"] == 200, rated
    return survey


def test_a_consumer_converses_with_the_scripted_agent_and_history_keeps_it(fresh: MockProcess) -> None:
    fresh.post("/_mockcc/reset", {"accounts": [{**seed_account(fresh), "agent": "echo"}]})
    with consumer(fresh) as ws:
        sub = ws.request("cqm.SubscribeExConversations", {"convState": ["OPEN"]})
        assert sub["code"] == 200
        [snapshot] = ws.wait("cqm.ExConversationChangeNotification")
        assert snapshot["body"]["changes"] == []  # nothing open yet: open one
        assert ws.request("userprofile.SetUserProfile", PROFILE)["body"] == "OK User Profile set successfully"
        opened = ws.request("cm.ConsumerRequestConversation")
        assert (opened["code"], opened["type"]) == (200, "cm.RequestConversationResponse")
        conversation_id = opened["body"]["conversationId"]
        assert ws.request("ms.SubscribeMessagingEvents", {"dialogId": conversation_id, "fromSeq": 0})["code"] == 200
        published = ws.request("ms.PublishEvent", text(conversation_id, "hello from the socket"))
        assert (published["type"], published["body"]) == ("ms.PublishEventResponse", {"sequence": 0})
        mine, echo = messages(ws, conversation_id, 2, fresh)
        assert mine["event"]["message"] == "hello from the socket"
        assert mine["originatorMetadata"]["role"] == "CONSUMER"  # its own event comes back too
        assert echo["originatorMetadata"]["role"] == "ASSIGNED_AGENT"
        assert "hello from the socket" in echo["event"]["message"]
        receipt = {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [echo["sequence"]]}
        assert ws.request("ms.PublishEvent", {"dialogId": conversation_id, "event": receipt})["code"] == 200
        typing = {"type": "ChatStateEvent", "chatState": "COMPOSING"}
        assert ws.request("ms.PublishEvent", {"dialogId": conversation_id, "event": typing})["code"] == 200
        close = {"field": "ConversationStateField", "conversationState": "CLOSE"}
        closed = ws.request(
            "cm.UpdateConversationField", {"conversationId": conversation_id, "conversationField": close}
        )
        assert closed["body"] == "OK Conversation resolved successfully"
        csat = {"field": "CSATRate", "csatRate": 4, "csatResolutionConfirmation": True, "status": "FILLED"}
        assert (
            ws.request("cm.UpdateConversationField", {"conversationId": conversation_id, "conversationField": csat})[
                "code"
            ]
            == 200
        )
        me = mine["originatorId"]
    record = history(fresh, conversation_id)
    assert record["info"]["status"] == "CLOSE"
    assert record["info"]["closeReason"] == "CONSUMER"
    assert record["info"]["csatRate"] == 4
    said = [(m["sentBy"], m["participantId"]) for m in record["messageRecords"]]
    assert said[0] == ("Consumer", me)
    assert said[1][0] == "Agent"
    statuses = [(s["seq"], s["participantType"], s["messageDeliveryStatus"]) for s in record["messageStatuses"]]
    assert (echo["sequence"], "Consumer", "READ") in statuses
    assert (0, "Agent", "READ") in statuses  # the echo agent read the consumer's message
    assert record["consumerParticipants"][0]["firstName"] == "Grace"
    assert record["sdes"]["events"][0]["customerInfo"]["customerInfo"]["customerId"] == "navy-1"
    assert [a["role"] for a in record["agentParticipants"]] == ["ASSIGNED_AGENT"]


def test_a_control_plane_agent_answers_closes_with_a_survey_and_the_consumer_fills_it(fresh: MockProcess) -> None:
    with consumer(fresh) as ws:
        ws.request("cqm.SubscribeExConversations", {"convState": ["OPEN", "CLOSE"]})
        conversation_id = ws.request("cm.ConsumerRequestConversation", {"skillId": "-1"})["body"]["conversationId"]
        ws.request("ms.SubscribeMessagingEvents", {"dialogId": conversation_id, "fromSeq": 0})
        ws.request("ms.PublishEvent", text(conversation_id, "anyone there?"))
        agent_id = fresh.agent(conversation_id, "join")["agentId"]
        fresh.agent(conversation_id, "text", {"text": "Yes, how can I help?"})
        _, answer = messages(ws, conversation_id, 2)
        assert (answer["originatorId"], answer["event"]["message"]) == (agent_id, "Yes, how can I help?")
        fresh.agent(conversation_id, "close", {"survey": True})
        survey = answer_survey(fresh, ws, conversation_id)
    record = history(fresh, conversation_id)
    assert (record["info"]["status"], record["info"]["fullDialogStatus"]) == ("CLOSE", "CLOSE")
    texts = [(m["sentBy"], m["dialogId"], m["messageData"]["msg"]["text"]) for m in record["messageRecords"]]
    assert texts == [
        ("Consumer", conversation_id, "anyone there?"),
        ("Agent", conversation_id, "Yes, how can I help?"),
        ("Consumer", survey, "5 stars"),
    ]
    assert [a["agentId"] for a in record["agentParticipants"]] == [agent_id]
    surveys = {s["surveyType"]: s for s in record["conversationSurveys"]}
    assert surveys["PostConversationSurvey"]["surveyData"] == [{"question": "question 1", "answer": "5 stars"}]
    assert surveys["Satisfaction"]["surveyStatus"] == "FILLED"


def test_init_connection_authenticates_a_browser_and_files_go_through_swift(fresh: MockProcess) -> None:
    with UmsClient(consumer_url(fresh)) as ws:  # no header: a browser
        before = ws.request("cm.ConsumerRequestConversation")
        assert before["code"] == 401
        headers = [
            {"type": ".ams.headers.ClientProperties", "deviceFamily": "DESKTOP", "os": "WINDOWS"},
            {"type": ".ams.headers.ConsumerAuthentication", "jwt": signup(fresh)},
        ]
        init = ws.request("InitConnection", req_id="0", headers=headers)
        jwt = headers[1]["jwt"]
        assert (init["code"], init["reqId"]) == (200, "0")
        conversation_id = ws.request("cm.ConsumerRequestConversation")["body"]["conversationId"]
        upload = ws.request("ms.GenerateURLForUploadFile", {"fileSize": "4", "fileType": "PNG"})
        assert upload["type"] == "ms.GenerateURLResponse"
        path, query = upload["body"]["relativePath"], upload["body"]["queryParams"]
        put = fresh.http.put(path, params=query, content=b"\x89PNG")
        assert put.status_code == 201, put.text
        file = {"caption": "receipt", "relativePath": path, "fileType": "PNG"}
        event = {"type": "ContentEvent", "contentType": "hosted/file", "message": file}
        assert ws.request("ms.PublishEvent", {"dialogId": conversation_id, "event": event})["body"] == {"sequence": 0}
        download = ws.request("ms.GenerateURLForDownloadFile", {"relativePath": path})
        assert fresh.http.get(path, params=download["body"]["queryParams"]).content == b"\x89PNG"
    assert jwt not in str(fresh.journal("consumersocket"))  # the journal keeps no usable token
    record = history(fresh, conversation_id)
    assert record["messageRecords"][0]["type"] == "HOSTED_FILE"
    assert record["messageRecords"][0]["messageData"]["file"]["relativePath"] == path


def test_refusals_answer_with_the_send_apis_rule_and_explanation(fresh: MockProcess) -> None:
    with consumer(fresh) as ws:
        conversation_id = ws.request("cm.ConsumerRequestConversation")["body"]["conversationId"]
        again = ws.request("cm.ConsumerRequestConversation")
        assert again["code"] == 400
        assert again["body"].startswith("Consumer request conversation failed: User")
        assert again["mockcc"]["rule"] == "one-open-conversation"
        no_dialog = {"event": {"type": "ContentEvent", "message": "no dialog"}}
        malformed = ws.request("ms.PublishEvent", no_dialog)
        assert malformed["code"] == 400
        assert malformed["mockcc"]["rule"] == "required"
        assert malformed["mockcc"]["path"].startswith("$.body")
        urgent = {"field": "TTRField", "ttrType": "URGENT", "value": 120}
        ttr = ws.request("cm.UpdateConversationField", {"conversationId": conversation_id, "conversationField": urgent})
        assert (ttr["code"], ttr["body"]) == (200, "OK Conversation field updated successfully")
        assert fresh.conversation(conversation_id)["conversationDetails"]["ttr"] == {"ttrType": "URGENT", "value": 120}
        sent_over_rest = httpx.post(
            f"{fresh.url}/api/account/{fresh.fields['account_id']}/messaging/consumer/conversation/send?v=3",
            json={"kind": "req", "id": "1", "type": "ms.PublishEvent", "body": no_dialog},
            headers=rest_tokens(fresh),
        ).json()["mockcc"]
        assert sent_over_rest == malformed["mockcc"]  # one validator, one explanation, both transports
        ws.request(
            "cm.UpdateConversationField",
            {
                "conversationId": conversation_id,
                "conversationField": {"field": "ConversationStateField", "conversationState": "CLOSE"},
            },
        )
        late = ws.request("ms.PublishEvent", text(conversation_id, "too late"))
        assert (late["code"], late["body"]) == (400, "Bad Request, Conversation is close")
        assert late["mockcc"]["rule"] == "conversation-state"
        other = fresh_conversation(fresh)
        spying = ws.request("ms.SubscribeMessagingEvents", {"dialogId": other, "fromSeq": 0})
        assert spying["code"] == 401
        assert "another consumer" in spying["mockcc"]["explanation"]
    calls = fresh.journal("consumersocket")
    assert any(c["method"] == "ms.PublishEvent" and c["status"] == 400 for c in calls)


def test_bad_missing_and_expiring_tokens_close_4401_or_4407(fresh: MockProcess) -> None:
    with UmsClient(consumer_url(fresh), additional_headers={"Authorization": "jwt not-a-token"}) as ws:
        closed = ws.closed()
    assert closed.code == 4401
    app_jwt = rest_tokens(fresh)["Authorization"]
    with UmsClient(consumer_url(fresh), additional_headers={"Authorization": f"jwt {app_jwt}"}) as ws:
        assert ws.closed().code == 4401  # an AppJWT is not a consumer JWT
    with UmsClient(consumer_url(fresh)) as ws:
        ws.request("GetClock")
        fresh.advance(6)  # no InitConnection within 5 s of mock time
        assert ws.closed().code == 4401
    with UmsClient(consumer_url(fresh)) as ws:
        refused = ws.request("InitConnection", headers=[{"type": ".ams.headers.ConsumerAuthentication", "jwt": "x"}])
        assert refused["code"] == 401
        assert ws.closed().code == 4401
    with consumer(fresh) as ws:  # a signup identity expiring mid-session must be extended: 4407
        ws.request("GetClock")
        fresh.advance(3601)
        closed = ws.closed()
        assert (closed.code, "expired" in closed.reason) == (4407, True)
    expired = signup(fresh)
    fresh.advance(3601)
    with consumer(fresh, expired) as ws:
        assert ws.closed().code == 4407
    connects = [c for c in fresh.journal("consumersocket") if c["method"] == "CONNECT"]
    assert {c["status"] for c in connects} >= {101, 4401, 4407}
    assert all("not-a-token" not in str(c) for c in connects)


def test_a_connectors_consumer_on_the_socket_is_heard_by_that_installations_webhooks(fresh: MockProcess) -> None:
    """One population: the consumer a ConsumerJWS names is the consumer a consumer JWT names; its socket
    conversations notify the installation that issued that ConsumerJWS. A consumer no installation knows
    is heard by no webhook."""
    account = fresh.fields["account_id"]
    known = known_consumer_jwt(fresh, "same-person")
    rest_tokens(fresh, "same-person")  # the installation issues that customer a ConsumerJWS
    with consumer(fresh) as ws:  # a signup consumer no connector knows
        lonely = ws.request("cm.ConsumerRequestConversation")["body"]["conversationId"]
    jws_consumer = lp_consumer_id(account, "same-person")
    assert fresh.conversation(lonely)["consumerId"] != jws_consumer
    with consumer(fresh, known) as ws:
        conversation_id = ws.request("cm.ConsumerRequestConversation")["body"]["conversationId"]
        ws.request("ms.PublishEvent", text(conversation_id, "via the app"))
    assert fresh.conversation(conversation_id)["consumerId"] == jws_consumer
    event = {"type": "ContentEvent", "contentType": "text/plain", "message": "and via the connector"}
    over_rest = fresh.http.post(
        f"/api/account/{account}/messaging/consumer/conversation/send",
        params={"v": "3"},
        json={
            "kind": "req",
            "id": "9",
            "type": "ms.PublishEvent",
            "body": {"dialogId": conversation_id, "event": event},
        },
        headers=rest_tokens(fresh, "same-person"),
    )
    assert over_rest.json()["body"] == {"sequence": 1}  # the same consumer writes into it over the Send API
    heard = wait_until(
        lambda: [d for d in fresh.deliveries() if d["conversation_id"] == conversation_id] or None,
        what="the installation's notifications",
    )
    assert {d["client_id"] for d in heard} == {fresh.fields["client_id"]}
    assert not [d for d in fresh.deliveries() if d["conversation_id"] == lonely]


def test_the_consumer_socket_is_bounded_like_the_agent_socket(fresh: MockProcess) -> None:
    per_user = fresh.get("/_mockcc/limits")["sockets"]["sockets_per_user_limit"]
    token = signup(fresh)
    sockets = [consumer(fresh, token) for _ in range(per_user)]
    try:
        for ws in sockets:
            assert ws.request("GetClock")["code"] == 200
        assert fresh.get("/_mockcc/limits")["sockets"]["sockets_open_by_side"] == {"consumer": per_user}
        with consumer(fresh, token) as extra:
            closed = extra.closed()
        assert closed.code == 1013
        assert fresh.get("/_mockcc/limits")["sockets"]["sockets_refused"] == 1
    finally:
        for ws in sockets:
            ws.close()


# -- helpers that need the mock's other surfaces --------------------------------------------------


def seed_account(mock: MockProcess) -> JSON:
    installation = {
        "client_id": mock.fields["client_id"],
        "client_secret": mock.fields["client_secret"],
        "client_name": "sockets test",
    }
    return {"account_id": mock.fields["account_id"], "agent": "none", "installations": [installation]}


def rest_tokens(mock: MockProcess, ext_id: str = "rest-consumer") -> dict[str, str]:
    """The Send API's pair for ``ext_id``: AppJWT from Sentinel, ConsumerJWS from the IdP."""
    account = mock.fields["account_id"]
    app = mock.http.post(
        f"/sentinel/api/account/{account}/app/token",
        params={"v": "1.0", "grant_type": "client_credentials"},
        data={"client_id": mock.fields["client_id"], "client_secret": mock.fields["client_secret"]},
    ).json()["access_token"]
    jws = mock.http.post(
        f"/api/account/{account}/consumer", params={"v": "1.0"}, json={"ext_consumer_id": ext_id},
        headers={"Authorization": app},
    ).json()["token"]  # fmt: skip
    return {"Authorization": app, "X-LP-ON-BEHALF": jws}


def known_consumer_jwt(mock: MockProcess, ext_id: str) -> str:
    """A consumer JWT from IdP authenticate for the brand's customer ``ext_id`` (the account is reseeded with
    a brand key first; call before anything else in the test, the reset forgets the consumers)."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    mock.post("/_mockcc/reset", {"accounts": [{**seed_account(mock), "consumer_auth": {"public_key": pem.decode()}}]})
    now = int(mock.get("/_mockcc/clock")["now"])
    brand = jwt.encode({"sub": ext_id, "exp": now + 600}, key, algorithm="RS256")
    return str(mock.post(f"/api/account/{mock.fields['account_id']}/authenticate", {"authCode": brand})["jwt"])


def fresh_conversation(mock: MockProcess) -> str:
    with httpx.Client(base_url=mock.url) as http:
        _, conversation_id = open_conversation(http, mock.fields, "someone-else")
    return str(conversation_id)


def test_an_agent_socket_sees_the_socket_consumers_conversation_and_messages(fresh: MockProcess) -> None:
    account = fresh.fields["account_id"]
    bearer = login(fresh.http, account)["bearer"]
    agent_url = fresh.url.replace("http://", "ws://") + f"/ws_api/account/{account}/messaging/brand/{bearer}?v=2"
    with UmsClient(agent_url) as agent, consumer(fresh) as ws:
        agent.request(".ams.cqm.SubscribeExConversations", {"convState": ["OPEN"]})
        conversation_id = ws.request("cm.ConsumerRequestConversation")["body"]["conversationId"]
        upserts = agent.wait("cqm.ExConversationChangeNotification", 2)
        assert upserts[1]["body"]["changes"][0]["result"]["convId"] == conversation_id
        agent.request("ms.SubscribeMessagingEvents", {"dialogId": conversation_id, "fromSeq": 0})
        ws.request("ms.PublishEvent", text(conversation_id, "to whoever answers"))
        [heard] = messages(agent, conversation_id, 1)
        assert (heard["event"]["message"], heard["originatorMetadata"]["role"]) == ("to whoever answers", "CONSUMER")
