"""The reference connector on an account whose Asynchronous Messaging grant is off: the Send API refuses."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.connector_ref.stack import MockProcess, Stack

pytestmark = pytest.mark.live


def test_the_consumer_hears_of_the_refusal_and_nothing_is_retried(
    stack: Callable[..., Stack], live_mock: MockProcess
) -> None:
    s = stack()
    seed = live_mock.seed(s.webhook_url)
    seed["accounts"][0]["feature_grants"] = {"Common.Async_Messaging": False}
    live_mock.post("/_mockcc/reset", seed)
    s.say("grace", "hello")
    error = s.wait_for("grace", "error")[0]
    assert "could not be delivered" in error["text"]
    refused = [c for c in live_mock.journal("conversation") if c["status"] == 403]
    assert len(refused) == 1  # a 4xx is final: the connector does not retry it
    body = json.loads(refused[0]["response_body"])
    assert (body["code"], body["body"]) == ("FORBIDDEN", {"msg": "Forbidden"})
    assert live_mock.get(f"/_mockcc/accounts/{live_mock.fields['account_id']}/conversations") == []
