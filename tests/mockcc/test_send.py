"""SEND: sequences, chat states, receipts, closing (both forms), CSAT, files and LivePerson's refusals."""

from __future__ import annotations

import pytest

from mockcc.schemas import validate
from tests.conftest import ACCOUNT, SEND, publish


def _conv(client, conversation_id):
    return client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conversation_id}").json()


def test_sequences_count_from_zero_and_skip_chat_states(client, lp, ext_id):
    conv = lp.open(ext_id)
    r = lp.text(ext_id, conv, "one")
    assert r.json() == {"code": "OK", "body": {"sequence": 0}, "reqId": "1"}
    assert validate("sendapi/send-response", r.json()) is None
    typing = lp.send(ext_id, publish(conv, {"type": "ChatStateEvent", "chatState": "COMPOSING"}, req_id=7))
    assert typing.json() == {"code": "OK", "body": {}, "reqId": 7}  # no sequence taken, none reported
    assert lp.text(ext_id, conv, "two").json()["body"]["sequence"] == 1
    events = _conv(client, conv)["events"]
    assert [e["sequence"] for e in events] == [0, 1]
    assert [e["event"]["message"] for e in events] == ["one", "two"]


def test_conversation_id_beside_dialog_id_is_accepted_and_checked(client, lp, ext_id):
    conv = lp.open(ext_id)
    req = publish(conv, {"type": "ContentEvent", "contentType": "text/plain", "message": "x"})
    req["body"]["conversationId"] = conv
    assert lp.send(ext_id, req).status_code == 200
    other = lp.open("someone-else")
    req["body"]["conversationId"] = other
    r = lp.send(ext_id, req)
    assert r.status_code == 400
    assert r.json()["mockcc"]["path"] == "$.body.conversationId"


def test_receipts_take_a_sequence_of_their_own(client, lp, ext_id):
    conv = lp.open(ext_id)
    lp.text(ext_id, conv, "hello")
    r = lp.send(ext_id, publish(conv, {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0]}))
    assert r.json()["body"]["sequence"] == 1


@pytest.mark.parametrize(
    "field",
    [
        {"field": "ConversationStateField", "conversationState": "CLOSE"},
        [{"field": "ConversationStateField", "conversationState": "CLOSE"}],
        {"field": "Stage", "conversationState": "CLOSE"},
    ],
    ids=["object", "array", "stage"],
)
def test_consumer_closes_and_publishing_after_is_refused(client, lp, ext_id, field):
    conv = lp.open(ext_id)
    r = lp.send(
        ext_id,
        {
            "kind": "req",
            "id": 1,
            "type": "cm.UpdateConversationField",
            "body": {"conversationId": conv, "conversationField": field},
        },
    )
    assert r.json() == {"code": "OK", "body": {"msg": "OK Conversation resolved successfully"}, "reqId": 1}
    details = _conv(client, conv)["conversationDetails"]
    assert (details["state"], details["stage"], details["closeReason"]) == ("CLOSE", "CLOSE", "CONSUMER")
    assert details["dialogs"][0]["closedBy"] == "CONSUMER"
    after = lp.text(ext_id, conv, "anyone?")
    assert after.status_code == 400
    assert after.json()["code"] == "BAD_REQUEST"
    assert after.json()["body"] == {"msg": "Bad Request, Conversation is close"}
    assert after.json()["reqId"] == "1"
    assert validate("errors/rest-error", after.json()) is None
    assert lp.close(ext_id, conv).json()["body"]["msg"] == "Bad Request, Conversation is close"


def test_dialog_change_closes_the_main_dialog(client, lp, ext_id):
    conv = lp.open(ext_id)
    r = lp.send(
        ext_id,
        {
            "kind": "req",
            "id": "2",
            "type": "cm.UpdateConversationField",
            "body": {
                "conversationId": conv,
                "conversationField": {
                    "field": "DialogChange",
                    "type": "UPDATE",
                    "dialog": {"dialogId": conv, "state": "CLOSE", "closedCause": "Closed by consumer"},
                },
            },
        },
    )
    assert r.status_code == 200, r.text
    assert _conv(client, conv)["conversationDetails"]["stage"] == "CLOSE"


def test_csat_after_close(client, lp, ext_id):
    conv = lp.open(ext_id)
    lp.close(ext_id, conv)
    csat = {"field": "CSATRate", "csatRate": 5, "csatResolutionConfirmation": True, "status": "FILLED"}
    r = lp.send(
        ext_id,
        {
            "kind": "req",
            "id": 5,
            "type": "cm.UpdateConversationField",
            "body": {"conversationId": conv, "conversationField": csat},
        },
    )
    assert r.status_code == 200, r.text
    assert _conv(client, conv)["conversationDetails"]["csat"] == {
        "csatRate": 5,
        "csatResolutionConfirmation": True,
        "status": "FILLED",
    }


def test_set_user_profile_through_send(client, lp, ext_id):
    r = lp.send(ext_id, {"kind": "req", "id": "p", "type": "userprofile.SetUserProfile", "body": {"firstName": "Ann"}})
    assert r.json() == {"code": "OK", "body": {"msg": "OK User Profile set successfully"}, "reqId": "p"}


def test_the_5000_character_limit(client, lp, ext_id):
    conv = lp.open(ext_id)
    overhead = len(
        '{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"","event":{"type":'
        '"ContentEvent","contentType":"text/plain","message":""}}}'
    ) + len(conv)
    fits = publish(conv, {"type": "ContentEvent", "contentType": "text/plain", "message": "a" * (5000 - overhead)})
    too_big = publish(conv, {"type": "ContentEvent", "contentType": "text/plain", "message": "a" * (5001 - overhead)})
    headers = {**lp.headers(ext_id), "content-type": "application/json"}
    import json

    ok = client.post(SEND, content=json.dumps(fits, separators=(",", ":")), headers=headers)
    assert ok.status_code == 200, ok.text
    r = client.post(SEND, content=json.dumps(too_big, separators=(",", ":")), headers=headers)
    assert r.status_code == 400
    assert r.json()["body"] == {"msg": "Bad Request"}
    assert r.json()["mockcc"]["rule"] == "maxLength"
    assert len(_conv(client, conv)["events"]) == 1


def test_hosted_file_round_trip(client, lp, ext_id):
    conv = lp.open(ext_id)
    up = lp.send(
        ext_id,
        {"kind": "req", "id": 3, "type": "ms.GenerateURLForUploadFile", "body": {"fileSize": "4", "fileType": "PNG"}},
    )
    assert up.status_code == 200, up.text
    path, query = up.json()["body"]["relativePath"], up.json()["body"]["queryParams"]
    assert path.startswith(f"/v1/AUTH_async-images/{ACCOUNT}/")
    assert path.endswith(".PNG")
    assert len(query["temp_url_sig"]) == 40
    bad = client.put(path, content=b"\x89PNG", params={**query, "temp_url_sig": "0" * 40})
    assert bad.status_code == 401
    assert client.put(path, content=b"\x89PNG", params=query).status_code == 201
    event = {
        "type": "ContentEvent",
        "contentType": "hosted/file",
        "message": {"relativePath": path, "fileType": "PNG", "caption": "logo"},
    }
    assert lp.send(ext_id, publish(conv, event)).json()["body"]["sequence"] == 0
    down = lp.send(
        ext_id, {"kind": "req", "id": "4", "type": "ms.GenerateURLForDownloadFile", "body": {"relativePath": path}}
    )
    assert client.get(path, params=down.json()["body"]["queryParams"]).content == b"\x89PNG"
    client.post("/_mockcc/clock/advance", json={"seconds": 61})
    assert client.get(path, params=down.json()["body"]["queryParams"]).status_code == 401


def test_stored_state_is_bounded(client, lp, monkeypatch):
    from mockcc.state import models

    client.app.state.mock.messaging.conversations_limit = 2
    first = lp.open("a")
    lp.close("a", first)
    lp.open("b")
    lp.open("c")  # the third: the closed one is forgotten, the open ones stay
    ids = [c["convId"] for c in client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json()]
    assert first not in ids
    assert len(ids) == 2
    assert models.Dialog(dialog_id="d", dialog_type="MAIN", creation_ts=0, participants=[]).events.maxlen == (
        models.EVENTS_PER_DIALOG
    )


def test_consumers_are_bounded_but_never_one_with_an_open_conversation(monkeypatch):
    from mockcc.state import models

    monkeypatch.setattr(models, "CONSUMERS_PER_ACCOUNT", 2)
    account = models.Account(account_id="1")
    account.remember(models.Consumer(lp_consumer_id="a", ext_consumer_id="a"))
    account.open_by_consumer["a"] = "conv"
    del account.idle_consumers["a"]  # what Account.opened does for a consumer who opens a conversation
    account.remember(models.Consumer(lp_consumer_id="b", ext_consumer_id="b"))
    account.remember(models.Consumer(lp_consumer_id="c", ext_consumer_id="c"))
    assert list(account.consumers) == ["a", "c"]
