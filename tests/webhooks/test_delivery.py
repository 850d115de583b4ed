"""Routing by event key, the exact request LivePerson sends, and what counts as success."""

from __future__ import annotations

import asyncio
import json

import pytest

from mockcc.clock import Clock
from mockcc.webhooks import WebhookDispatcher, encode, verify
from mockcc_contracts.receiver import Receiver, Reply, free_port
from tests.webhooks.helpers import (
    ACCOUNT,
    CHAT,
    CLIENT_ID,
    CONTENT,
    CONVERSATION,
    SECRET,
    T0,
    accept,
    attempts,
    chat_state,
    content,
    conversation_change,
    hook,
    outcomes,
    subscription,
)

pytestmark = pytest.mark.anyio


async def test_routes_by_event_key_with_query_and_custom_headers(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    sub = subscription(
        {
            CONTENT: hook(receiver.url("/content"), headers={"X-Brand": "acme", "Authorization": "Bearer t"}),
            CHAT: hook(receiver.url("/chat")),
            CONVERSATION: hook(receiver.url("/conv?tenant=7&x=a%20b")),
        }
    )
    dispatcher.publish(sub, content("c1", 0, "hello"))
    dispatcher.publish(sub, chat_state("c1"))
    dispatcher.publish(sub, conversation_change("c1"))
    dispatcher.publish(sub, accept("c1", 1))  # no endpoint for AcceptStatusEvent
    assert await dispatcher.settle()

    requests = receiver.wait_for(3)
    by_path = {r.path: r for r in requests}
    assert set(by_path) == {"/content", "/chat", "/conv"}
    assert by_path["/conv"].target == "/conv?tenant=7&x=a%20b"
    assert all(r.method == "POST" for r in requests)
    assert by_path["/content"].json()["body"]["changes"][0]["event"]["message"] == "hello"
    assert by_path["/chat"].json()["body"]["changes"][0]["event"]["type"] == "ChatStateEvent"
    assert by_path["/conv"].json()["type"] == CONVERSATION

    first = by_path["/content"]
    assert first.header("Content-Type") == "application/json"
    assert first.header("X-Liveperson-Account-Id") == ACCOUNT
    assert first.header("X-Liveperson-Client-Id") == CLIENT_ID
    assert first.header("X-Brand") == "acme"
    assert first.header("Authorization") == "Bearer t"
    assert first.header_names() == {
        "host",
        "content-length",
        "content-type",
        "x-liveperson-account-id",
        "x-liveperson-client-id",
        "x-liveperson-signature",
        "x-brand",
        "authorization",
    }
    assert by_path["/chat"].header("X-Brand") is None
    for request in requests:
        assert verify(request.body, SECRET, request.header("X-Liveperson-Signature"))
        assert str(request.header("X-Liveperson-Signature")).startswith("sha1=")

    unrouted = outcomes(dispatcher, "unrouted")
    assert [(e["event_key"], e["reason"]) for e in unrouted] == [
        (accept("c1", 1).event_key, "no endpoint for event key")
    ]


async def test_body_is_the_exact_signed_ascii_bytes(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    sub = subscription({CONTENT: hook(receiver.url("/h"))})
    note = content("c1", 3, "Grüße 👋 — ok")
    dispatcher.publish(sub, note)
    assert await dispatcher.settle()
    (request,) = receiver.wait_for(1)
    assert request.body == encode(note.body)
    assert request.body.isascii()
    assert request.json() == note.body
    assert verify(request.body, SECRET, request.header("x-liveperson-signature"))
    (entry,) = attempts(dispatcher)
    assert entry["body"] == request.body.decode()
    assert entry["headers"]["X-Liveperson-Signature"] == request.header("x-liveperson-signature")
    assert entry["sequence"] == 3
    assert entry["outcome"] == "delivered"
    assert entry["at"] == T0
    assert entry["latency_ms"] >= 0


async def test_sha256_installation(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    sub = subscription({CHAT: hook(receiver.url("/h"))}, algorithm="sha256")
    dispatcher.publish(sub, chat_state("c1"))
    assert await dispatcher.settle()
    (request,) = receiver.wait_for(1)
    signature = request.header("X-Liveperson-Signature")
    assert signature is not None
    assert signature.startswith("sha256=")
    assert verify(request.body, SECRET, signature)


async def test_disabled_installation_is_not_delivered(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    sub = subscription({CONTENT: hook(receiver.url("/h"))}, enabled=False)
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    assert receiver.requests == []
    (entry,) = dispatcher.deliveries()
    assert (entry["outcome"], entry["reason"]) == ("unrouted", "installation disabled")


async def test_client_secret_never_appears_in_the_log(dispatcher: WebhookDispatcher, receiver: Receiver) -> None:
    sub = subscription({CONTENT: hook(receiver.url("/h"), headers={"X-Echo-Secret": f"k={SECRET}"})})
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    receiver.wait_for(1)
    dumped = json.dumps(dispatcher.deliveries()) + json.dumps(dispatcher.status())
    assert SECRET not in dumped
    assert attempts(dispatcher)[0]["headers"]["X-Echo-Secret"] == "<redacted>"


@pytest.mark.parametrize("status", [200, 201])
async def test_success_is_200_or_201(dispatcher: WebhookDispatcher, receiver: Receiver, status: int) -> None:
    receiver.set_default(status)
    sub = subscription({CONTENT: hook(receiver.url("/h"), max_retries=1)})
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    assert [e["outcome"] for e in dispatcher.deliveries()] == ["delivered"]
    assert dispatcher.status()["installations"][0]["stored"] == 0


@pytest.mark.parametrize("status", [202, 204, 301, 302, 304, 400, 401, 404, 429, 500, 503])
async def test_any_other_status_fails(dispatcher: WebhookDispatcher, receiver: Receiver, status: int) -> None:
    receiver.set_default(Reply(status, headers=(("Location", receiver.url("/elsewhere")),)))
    sub = subscription({CONTENT: hook(receiver.url("/h"))})
    dispatcher.publish(sub, content("c1", 0))
    assert await dispatcher.settle()
    log = dispatcher.deliveries()
    assert [(e["outcome"], e["status"]) for e in log] == [("failed", status), ("dropped", None)]
    assert log[1]["reason"] == "max_retries 0"
    assert [r.path for r in receiver.requests] == ["/h"]  # redirects are not followed


async def test_read_timeout_fails(clock: Clock, receiver: Receiver) -> None:
    receiver.set_default(Reply(200, delay=2.0))
    dispatcher = WebhookDispatcher(clock, connect_timeout=1.0, read_timeout=0.2)
    try:
        dispatcher.publish(subscription({CONTENT: hook(receiver.url("/slow"))}), content("c1", 0))
        assert await dispatcher.settle()
        entry = attempts(dispatcher)[0]
        assert entry["outcome"] == "failed"
        assert entry["status"] is None
        assert entry["error"].startswith("ReadTimeout")
        assert 150 <= entry["latency_ms"] < 1500
    finally:
        await dispatcher.aclose()


async def test_refused_connection_and_dropped_connection_fail(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    receiver.set_default(Reply(close=True))
    sub = subscription({CONTENT: hook(f"http://127.0.0.1:{free_port()}/nobody"), CHAT: hook(receiver.url("/hangs-up"))})
    dispatcher.publish(sub, content("c1", 0))
    dispatcher.publish(sub, chat_state("c1"))
    assert await dispatcher.settle()
    errors = {e["event_key"]: e["error"] for e in attempts(dispatcher)}
    assert errors[CONTENT].startswith("ConnectError")
    assert errors[CHAT].startswith(("RemoteProtocolError", "ReadError"))
    assert all(e["outcome"] == "failed" for e in attempts(dispatcher))


async def test_bad_endpoint_url_fails_without_crashing(dispatcher: WebhookDispatcher) -> None:
    dispatcher.publish(subscription({CONTENT: hook("not a url")}), content("c1", 0))
    assert await dispatcher.settle()
    (entry,) = attempts(dispatcher)
    assert entry["outcome"] == "failed"
    assert entry["error"]


async def test_publish_never_blocks_on_a_hanging_endpoint(clock: Clock, receiver: Receiver) -> None:
    """Behaviour, not speed: an endpoint that answers after an hour neither holds publish (it is synchronous
    and returns with every event counted) nor aclose (the hanging attempts are cancelled, not awaited)."""
    receiver.set_default(Reply(200, delay=3600.0))
    dispatcher = WebhookDispatcher(clock, read_timeout=3600.0)
    sub = subscription({CONTENT: hook(receiver.url("/hang"), max_retries=5)})
    try:
        for sequence in range(50):
            assert dispatcher.publish(sub, content(f"c{sequence % 7}", sequence)) is None  # nothing to await
        assert dispatcher.status()["totals"]["published"] == 50  # all taken while none was answered
        await receiver.wait_for_async(1)
        assert not await dispatcher.settle(timeout=0.1)  # still in flight
        assert dispatcher.status()["totals"]["in_flight"] > 0
    finally:
        # a bound on waiting, not a speed assertion: awaiting the endpoint would take the hour
        await asyncio.wait_for(dispatcher.aclose(), timeout=30)
    assert dispatcher.status()["totals"]["in_flight"] == 0
