"""The error family: every domain refusal has one envelope, looked up by class like starlette's handlers."""

from __future__ import annotations

import pytest

from mockcc import errors
from mockcc.errors import (
    AgentAssigned,
    ConfigError,
    ConversationClosed,
    MockccError,
    NotFound,
    Refused,
    RestError,
    UnknownDialog,
    as_api_error,
)


def refusals() -> list[type[Refused]]:
    """Every refusal answered 400 (FeatureOff, a 403, the hand replay's 404 and 409 and the sockets' 429 are
    tested on their own)."""
    others = (errors.FeatureOff, errors.UnknownDelivery, errors.NotReplayable, errors.LimitReached)
    return [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Refused) and c not in others]


def test_a_full_socket_cap_is_a_429() -> None:
    error = as_api_error(errors.LimitReached("10 sockets open"))
    assert error.status_code == 429
    assert (error.body()["code"], error.mockcc()["rule"]) == ("TOO_MANY_REQUESTS", "socket-limits")


def test_a_missing_feature_grant_is_a_403_forbidden() -> None:
    error = as_api_error(errors.FeatureOff("Async Messaging is off"), req_id="r1")
    assert error.status_code == 403
    assert error.body()["code"] == "FORBIDDEN"
    assert error.body()["body"] == {"msg": "Forbidden"}
    assert (error.mockcc()["rule"], error.mockcc()["path"]) == ("feature-grant", "$path.accountId")


def test_a_hand_replay_is_refused_404_or_409() -> None:
    missing, spent = as_api_error(errors.UnknownDelivery("gone")), as_api_error(errors.NotReplayable("sent nothing"))
    assert (missing.status_code, missing.body()["code"], missing.mockcc()["rule"]) == (
        404,
        "NOT_FOUND",
        "known-delivery",
    )
    assert (spent.status_code, spent.body()["code"], spent.mockcc()["rule"]) == (409, "CONFLICT", "replayable")
    assert missing.path == spent.path == "$path.deliveryId"


def test_every_status_has_its_named_refusal() -> None:
    """Endpoints raise a refusal by name; its status, code and text come with the class, never by hand."""
    for status, cls in errors.BY_STATUS.items():
        error = errors.rest_error(status, "why", rule="r")
        assert type(error) is cls
        assert (error.status_code, error.body()["code"]) == (status, errors.REST_CODES[status])
    assert errors.rest_error(418, "teapot", msg="I'm a teapot").body()["body"] == {"msg": "I'm a teapot"}


@pytest.mark.parametrize("cls", refusals(), ids=lambda c: c.__name__)
def test_every_refusal_is_a_400_rest_envelope_with_a_rule(cls: type[Refused]) -> None:
    error = as_api_error(cls("why"), req_id="r1")
    assert isinstance(error, RestError)
    assert error.status_code == 400
    assert error.body()["code"] == "BAD_REQUEST"
    assert error.body()["reqId"] == "r1"
    assert error.mockcc()["explanation"] == "why"
    assert error.rule


def test_the_closed_conversation_text_is_livepersons() -> None:
    body = as_api_error(ConversationClosed("conversation c1 is closed")).body()
    assert body["body"] == {"msg": "Bad Request, Conversation is close"}
    assert body["mockcc"] == {"explanation": "conversation c1 is closed", "path": "$", "rule": "conversation-state"}


def test_the_nearest_class_wins_and_the_raisers_path_beats_the_default() -> None:
    assert as_api_error(AgentAssigned("taken")).mockcc()["rule"] == "conversation-state"  # falls back to Refused
    assert as_api_error(UnknownDialog("d?")).path == "$.dialogId"
    assert as_api_error(UnknownDialog("d?", path="$.body.dialogId")).path == "$.body.dialogId"


def test_config_errors_and_api_errors() -> None:
    assert as_api_error(ConfigError("bad seed")).body() == {
        "code": "BAD_REQUEST",
        "body": {"msg": "Bad Request"},
        "mockcc": {"explanation": "bad seed", "path": "$", "rule": "control"},
    }
    not_found = NotFound("gone", rule="known-thing")
    assert as_api_error(not_found) is not_found
    assert (not_found.status_code, not_found.body()["code"], not_found.msg) == (404, "NOT_FOUND", "Not Found")
    assert issubclass(ConfigError, MockccError)
    assert issubclass(RestError, MockccError)


def test_a_req_id_given_by_the_raiser_is_kept() -> None:
    assert as_api_error(RestError("x", req_id=5), req_id=6).body()["reqId"] == 5
