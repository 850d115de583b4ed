"""Small pieces: webhook signatures (LivePerson's own test vectors), settings, text splitting, rendering."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from connector_ref import render
from connector_ref.channel import BadMessage, parse_inbound, user_profile
from connector_ref.lp import MAX_REQUEST_CHARS, json_chars, publish, request_chars, split_text
from connector_ref.settings import ConfigError, load
from connector_ref.webhooks import Seen, conversation_key, notification_changes, signature_ok

# Appendix B of the protocol notes: LivePerson's demo-app vectors.
SECRET = "rl9hacst6kqilbofup64n11ga3"
VECTOR_1 = (
    b'{"kind":"notification","body":{"changes":[{"originatorId":"2969e404f3be1c8cdda63f0b72d205ab5afb3fe3e3d7d72ab5'
    b'8245f564fdfd91","originatorMetadata":{"id":"2969e404f3be1c8cdda63f0b72d205ab5afb3fe3e3d7d72ab58245f564fdfd91",'
    b'"role":"CONSUMER"},"event":{"type":"ChatStateEvent","chatState":"PAUSE"},"conversationId":"b8b83fe9-75f0-46f2-'
    b'baaa-2930f7192cfb","dialogId":"b8b83fe9-75f0-46f2-baaa-2930f7192cfb"}]},"type":"ms.MessagingEventNotification"}'
)


@pytest.mark.parametrize(
    "header",
    [
        "sha1=e/TfS0wv1HbvEsMqcBMmFLcMslI=",
        "sha256=PH84lxXVcKluSQQ3Fy8oaaZe1vDHZ3JZMNEQoQjUjsU=",
        "sha1=7bf4df4b4c2fd476ef12c32a70132614b70cb252",
        "sha256=3c7f389715d570a96e490437172f2869a65ed6f0c767725930d110a108d48ec5",
        "SHA1=e/TfS0wv1HbvEsMqcBMmFLcMslI=",
    ],
)
def test_signature_vectors(header: str) -> None:
    assert signature_ok(VECTOR_1, SECRET, header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "e/TfS0wv1HbvEsMqcBMmFLcMslI=",
        "md5=e/TfS0wv1HbvEsMqcBMmFLcMslI=",
        "sha1=f/TfS0wv1HbvEsMqcBMmFLcMslI=",
        "sha1=not base64!",
        "sha256=e/TfS0wv1HbvEsMqcBMmFLcMslI=",
        "sha1=ë",
    ],
)
def test_bad_signatures(header: str | None) -> None:
    assert not signature_ok(VECTOR_1, SECRET, header)


def test_signature_covers_the_exact_bytes() -> None:
    good = "sha1=" + base64.b64encode(hmac.new(SECRET.encode(), VECTOR_1, hashlib.sha1).digest()).decode()
    assert signature_ok(VECTOR_1, SECRET, good)
    assert not signature_ok(VECTOR_1 + b" ", SECRET, good)
    assert not signature_ok(VECTOR_1, SECRET + "x", good)


def test_seen_is_bounded_and_keyed_by_dialog_and_sequence() -> None:
    seen = Seen(limit=2)
    assert seen.first_time("d", 1)
    assert not seen.first_time("d", 1)
    assert seen.first_time("e", 1)
    assert seen.first_time("d", 2)  # evicts the oldest key, (d, 1)
    assert not seen.first_time("e", 1)
    assert seen.first_time("d", 1)


def test_notification_parsing_is_defensive() -> None:
    assert notification_changes(None) == []
    assert notification_changes({"type": "other", "body": {"changes": [{}]}}) == []
    assert notification_changes({"type": "ms.MessagingEventNotification", "body": {"changes": "x"}}) == []
    change = {"dialogId": "d1", "sequence": 1}
    pairs = notification_changes({"type": "ms.MessagingEventNotification", "body": {"changes": [change, 3]}})
    assert pairs == [("ms.MessagingEventNotification", change)]
    assert conversation_key("ms.MessagingEventNotification", change) == "d1"
    assert conversation_key("cqm.ExConversationChangeNotification", {"result": {"convId": "c"}}) == "c"
    assert conversation_key("cqm.ExConversationChangeNotification", {"result": None}) is None


def test_settings_from_environment_and_file(tmp_path: Path) -> None:
    env = {
        "CONNECTOR_CSDS_HOST": "127.0.0.1:9",
        "CONNECTOR_ACCOUNT_ID": "123",
        "CONNECTOR_CLIENT_ID": "id",
        "CONNECTOR_CLIENT_SECRET": "s",
        "CONNECTOR_CHANNEL_URL": "http://x/out",
        "CONNECTOR_PORT": "0",
        "CONNECTOR_SERVER_ERROR_PAUSES": "1,2",
        "CONNECTOR_READ_RECEIPTS": "false",
    }
    settings = load(env)
    assert (settings.port, settings.server_error_pauses, settings.read_receipts) == (0, (1.0, 2.0), False)
    assert settings.lp_url("h:1", "/p") == "http://h:1/p"
    file = tmp_path / "connector.env"
    file.write_text("# comment\nCONNECTOR_LP_SCHEME=https\naccount_id = 456\n", encoding="utf-8")
    settings = load({**env, "CONNECTOR_CONFIG": str(file)})
    assert (settings.lp_scheme, settings.account_id) == ("https", "123")  # the environment wins over the file
    (tmp_path / "c.json").write_text(
        '{"csds_host": "a", "account_id": "1", "client_id": "i", "client_secret": "s",'
        ' "channel_url": "https://c", "port": 1}',
        encoding="utf-8",
    )
    assert load({}, tmp_path / "c.json").port == 1


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "missing required settings: CONNECTOR_CSDS_HOST"),
        ({"CONNECTOR_LP_SCHEME": "ftp"}, "LP_SCHEME"),
        ({"CONNECTOR_CSDS_HOST": "http://h"}, "bare host"),
        ({"CONNECTOR_RATE_LIMIT_PAUSE": "0.5"}, "at least 1 second"),
        ({"CONNECTOR_PORT": "x"}, "cannot read"),
    ],
)
def test_bad_settings(env: dict[str, str], message: str) -> None:
    base = (
        {}
        if not env
        else {
            "CONNECTOR_CSDS_HOST": "h",
            "CONNECTOR_ACCOUNT_ID": "1",
            "CONNECTOR_CLIENT_ID": "i",
            "CONNECTOR_CLIENT_SECRET": "s",
            "CONNECTOR_CHANNEL_URL": "http://c",
        }
    )
    with pytest.raises(ConfigError, match=message):
        load({**base, **env})


def test_split_text_respects_liveperson_size_rule() -> None:
    request = publish("d" * 36, "c" * 36, {"type": "ContentEvent", "contentType": "text/plain", "message": ""})
    budget = MAX_REQUEST_CHARS - request_chars(request)
    text = ("word " * 900) + ("😀" * 700) + ('"quoted"\n' * 300)
    pieces = split_text(text, budget)
    assert "".join(pieces) == text
    assert len(pieces) > 1
    assert all(json_chars(p) <= budget for p in pieces)
    assert split_text("short", budget) == ["short"]
    assert request_chars("😀") == 4  # quotes plus two UTF-16 units: what a Java server counts


def test_inbound_validation() -> None:
    assert parse_inbound({"consumerId": "c", "text": "hi"})["type"] == "text"
    assert parse_inbound({"consumerId": "c", "type": "read", "sequences": [0, 3]})["sequences"] == [0, 3]
    for bad in [
        [],
        {"text": "hi"},
        {"consumerId": "", "text": "x"},
        {"consumerId": "c", "type": "dance"},
        {"consumerId": "c", "text": " "},
        {"consumerId": "c", "type": "typing", "chatState": "GONE"},
        {"consumerId": "c", "text": "x", "profile": "p"},
        {"consumerId": "c", "type": "read"},
        {"consumerId": "c", "type": "read", "sequences": []},
        {"consumerId": "c", "type": "read", "sequences": [1, -1]},
        {"consumerId": "c", "type": "read", "sequences": [True]},
        {"consumerId": "c", "type": "read", "sequences": list(range(1001))},
        {"consumerId": "c", "type": "read", "sequences": [1], "conversationId": 5},
    ]:
        with pytest.raises(BadMessage):
            parse_inbound(bad)


def test_profile_becomes_sdes() -> None:
    body = user_profile(
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "phone": "+1555",
            "customerId": "c-1",
            "ctype": "vip",
            "gender": "FEMALE",
            "language": "en-GB",
        }
    )
    assert body["firstName"] == "Ada"
    assert body["privateData"] == {"mobileNum": "+1555", "mail": "ada@example.com"}
    sdes = {s["type"]: s for s in body["authenticatedData"]["lp_sdes"]}
    assert sdes["ctmrinfo"]["info"] == {"customerId": "c-1", "ctype": "vip"}
    assert sdes["personal"]["personal"]["contacts"] == [{"email": "ada@example.com", "phone": "+1555"}]
    assert user_profile({}) == {}


def test_rich_content_fallback() -> None:
    card = {
        "type": "vertical",
        "elements": [
            {"type": "text", "text": "Product"},
            {"type": "image", "url": "https://img", "caption": "pic"},
            {
                "type": "horizontal",
                "elements": [
                    {"type": "button", "title": "Buy", "click": {"actions": [{"type": "link", "uri": "https://buy"}]}},
                    {"type": "button", "title": "Later"},
                ],
            },
        ],
    }
    assert render.rich_content(card) == "Product\n(pic) https://img\n[Buy] https://buy\n[Later]"
    assert render.rich_content(None) == "(rich content)"
    text, fallback = render.content_event({"type": "ContentEvent", "contentType": "text/plain", "message": "hi"})
    assert (text, fallback) == ("hi", False)
    quick = {
        "type": "ContentEvent",
        "contentType": "text/plain",
        "message": "Rate us",
        "quickReplies": {
            "type": "quickReplies",
            "replies": [{"type": "button", "title": "1"}, {"type": "button", "title": "2"}],
        },
    }
    assert render.content_event(quick) == ("Rate us\n[1] [2]", True)
    file = {"contentType": "hosted/file", "message": {"caption": "logo", "fileType": "PNG", "relativePath": "/x"}}
    assert render.content_event(file) == ("(logo) [PNG file]", True)
