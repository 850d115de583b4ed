"""Reading ``capabilities.webhooks``: routes, retry settings, and the change's sequence."""

from __future__ import annotations

from typing import Any

import pytest

from mockcc.webhooks import EVENT_KEYS, Notification, retention_time, route
from tests.webhooks.helpers import CHAT, CONTENT, CONVERSATION, chat_state, content, subscription


def test_the_five_event_keys() -> None:
    assert EVENT_KEYS == (
        "ms.MessagingEventNotification.ContentEvent",
        "ms.MessagingEventNotification.RichContentEvent",
        "ms.MessagingEventNotification.AcceptStatusEvent",
        "ms.MessagingEventNotification.ChatStateEvent",
        "cqm.ExConversationChangeNotification",
    )


def test_route_reads_endpoint_headers_and_retries() -> None:
    sub = subscription(
        {
            CONTENT: {
                "endpoint": " https://x.test/h?a=1 ",
                "max_retries": 3,
                "headers": [
                    {"header_name": "X-One", "header_value": "1"},
                    {"header_name": "X-Num", "header_value": 2},
                    {"header_name": "", "header_value": "skipped"},
                    "garbage",
                ],
            },
            CHAT: {"endpoint": "https://x.test/c", "max_retries": 0},
            CONVERSATION: {"endpoint": "https://x.test/v"},
        }
    )
    content_route = route(sub, CONTENT)
    assert content_route is not None
    assert content_route.url == "https://x.test/h?a=1"
    assert content_route.headers == (("X-One", "1"), ("X-Num", "2"))
    assert (content_route.max_retries, content_route.opts_out_of_retention) == (3, False)
    chat_route = route(sub, CHAT)
    assert chat_route is not None
    assert chat_route.opts_out_of_retention
    conversation_route = route(sub, CONVERSATION)
    assert conversation_route is not None
    assert (conversation_route.max_retries, conversation_route.opts_out_of_retention) == (0, False)


@pytest.mark.parametrize(
    ("config", "expected"),
    [({"max_retries": 9}, 5), ({"max_retries": -1}, 0), ({"max_retries": "2"}, 2), ({"max_retries": True}, 0)],
)
def test_max_retries_is_clamped(config: dict[str, Any], expected: int) -> None:
    found = route(subscription({CONTENT: {"endpoint": "https://x.test", **config}}), CONTENT)
    assert found is not None
    assert found.max_retries == expected


@pytest.mark.parametrize("config", [None, {}, {"endpoint": ""}, {"endpoint": 5}, "https://x.test"])
def test_no_route_without_an_endpoint(config: Any) -> None:
    webhooks = {} if config is None else {CONTENT: config}
    assert route(subscription(webhooks), CONTENT) is None


@pytest.mark.parametrize(
    ("retry", "expected"),
    [
        (None, None),
        ({}, None),
        ({"retention_time": 0}, None),
        ({"retention_time": True}, None),
        ({"retention_time": 1}, 2.0),
        ({"retention_time": 3600}, 3600.0),
        ({"retention_time": 10**9}, 259_200.0),
        ("86400", None),
    ],
)
def test_retention_time(retry: Any, expected: float | None) -> None:
    webhooks: dict[str, Any] = {} if retry is None else {"retry": retry}
    assert retention_time(subscription(webhooks)) == expected


def test_notification_sequence() -> None:
    assert content("c", 7).sequence == 7
    assert chat_state("c").sequence is None
    assert Notification(CONTENT, "c", {"body": {"changes": []}}).sequence is None
    assert Notification(CONTENT, "c", {"body": "odd"}).sequence is None
