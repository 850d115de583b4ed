"""Appendix B's verified vectors, the hex encodings of §5.2, and ASCII-only bodies."""

from __future__ import annotations

import json

import pytest

from mockcc.webhooks import encode, sign, verify
from tests.webhooks.helpers import SECRET

VECTOR_1 = (
    b'{"kind":"notification","body":{"changes":[{"originatorId":"2969e404f3be1c8cdda63f0b72d205ab5afb3fe3e3d7d72ab58245f'
    b'564fdfd91","originatorMetadata":{"id":"2969e404f3be1c8cdda63f0b72d205ab5afb3fe3e3d7d72ab58245f564fdfd91","role":"'
    b'CONSUMER"},"event":{"type":"ChatStateEvent","chatState":"PAUSE"},"conversationId":"b8b83fe9-75f0-46f2-baaa-2930f7'
    b'192cfb","dialogId":"b8b83fe9-75f0-46f2-baaa-2930f7192cfb"}]},"type":"ms.MessagingEventNotification"}'
)

VECTOR_2 = (
    b'{"kind":"notification","body":{"changes":[{"type":"UPSERT","result":{"convId":"b8b83fe9-75f0-46f2-baaa-2930f7192c'
    b'fb","effectiveTTR":-1,"conversationDetails":{"skillId":"-1","participants":[{"id":"52e05c00-d5e4-5823-acf7-62570b'
    b'939a63","role":"CONTROLLER"},{"id":"2969e404f3be1c8cdda63f0b72d205ab5afb3fe3e3d7d72ab58245f564fdfd91","role":"CON'
    b'SUMER"}],"dialogs":[{"dialogId":"b8b83fe9-75f0-46f2-baaa-2930f7192cfb","participantsDetails":[{"id":"2969e404f3b'
    b'e1c8cdda63f0b72d205ab5afb3fe3e3d7d72ab58245f564fdfd91","role":"CONSUMER"},{"id":"52e05c00-d5e4-5823-acf7-62570b9'
    b'39a63","role":"CONTROLLER"}],"dialogType":"MAIN","channelType":"MESSAGING","state":"CLOSE","creationTs":154539858'
    b'0042,"endTs":1545399379370,"metaDataLastUpdateTs":1545399379370,"closedBy":"CONSUMER"}],"brandId":"42257269","st'
    b'ate":"CLOSE","stage":"CLOSE","closeReason":"CONSUMER","startTs":1545398580042,"endTs":1545399379370,"metaDataLas'
    b'tUpdateTs":1545399379370,"ttr":{"ttrType":"PRIORITIZED","value":600}}}}]},"type":"cqm.ExConversationChangeNotif'
    b'ication"}'
)


def test_vectors_are_the_documented_bytes() -> None:
    assert len(VECTOR_1) == 440
    assert encode(json.loads(VECTOR_1)) == VECTOR_1
    assert encode(json.loads(VECTOR_2)) == VECTOR_2


@pytest.mark.parametrize(
    ("body", "expected"),
    [(VECTOR_1, "sha1=e/TfS0wv1HbvEsMqcBMmFLcMslI="), (VECTOR_2, "sha1=CKiT6u4nb4Mpi0tdbCbgBXKAF1E=")],
)
def test_appendix_b_sha1_vectors(body: bytes, expected: str) -> None:
    assert sign(body, SECRET) == expected
    assert verify(body, SECRET, expected)


def test_sha256_and_hex_variants_of_vector_1() -> None:
    assert sign(VECTOR_1, SECRET, "sha256") == "sha256=PH84lxXVcKluSQQ3Fy8oaaZe1vDHZ3JZMNEQoQjUjsU="
    assert sign(VECTOR_1, SECRET, "sha1", encoding="hex") == "sha1=7bf4df4b4c2fd476ef12c32a70132614b70cb252"
    assert (
        sign(VECTOR_1, SECRET, "sha256", encoding="hex")
        == "sha256=3c7f389715d570a96e490437172f2869a65ed6f0c767725930d110a108d48ec5"
    )
    for header in (
        "sha256=PH84lxXVcKluSQQ3Fy8oaaZe1vDHZ3JZMNEQoQjUjsU=",
        "sha1=7bf4df4b4c2fd476ef12c32a70132614b70cb252",
        "sha256=3c7f389715d570a96e490437172f2869a65ed6f0c767725930d110a108d48ec5",
    ):
        assert verify(VECTOR_1, SECRET, header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "e/TfS0wv1HbvEsMqcBMmFLcMslI=",  # no algorithm prefix
        "md5=e/TfS0wv1HbvEsMqcBMmFLcMslI=",
        "sha1=CKiT6u4nb4Mpi0tdbCbgBXKAF1E=",  # the other vector's signature
        "sha256=e/TfS0wv1HbvEsMqcBMmFLcMslI=",  # right digest, wrong algorithm
        "sha1=not base64!",
        "sha1=é/TfS0wv1HbvEsMqcBMmFLcMslI=",
    ],
)
def test_verify_rejects(header: str | None) -> None:
    assert not verify(VECTOR_1, SECRET, header)


def test_verify_rejects_other_secret_and_changed_body() -> None:
    good = sign(VECTOR_1, SECRET)
    assert not verify(VECTOR_1, SECRET + "x", good)
    assert not verify(VECTOR_1.replace(b"PAUSE", b"ACTIVE"), SECRET, good)


def test_encode_escapes_non_ascii_and_signature_covers_those_bytes() -> None:
    notification = {"kind": "notification", "body": {"changes": [{"event": {"message": "héllo 👋 שלום"}}]}}
    body = encode(notification)
    assert body.isascii()
    assert b"\\u00e9" in body
    assert b"\\ud83d\\udc4b" in body
    assert b": " not in body
    assert b", " not in body
    assert json.loads(body) == notification
    signature = sign(body, "sécret")  # the key is the secret's UTF-8 bytes
    assert verify(body, "sécret", signature)
    assert not verify(json.dumps(notification, ensure_ascii=False).encode(), "sécret", signature)


def test_encode_refuses_nan() -> None:
    with pytest.raises(ValueError, match="JSON"):
        encode({"x": float("nan")})
