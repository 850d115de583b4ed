"""Every error mockcc raises on purpose, and the one place a refusal becomes LivePerson's envelope.

    MockccError                      the base: catch this to catch anything mockcc raises on purpose
     ├── ConfigError                 mockcc was told something wrong (seed, fault, flag); 400 on the control plane
     ├── Refused                     a rule refused an action; raised by the domain, knows no HTTP
     │    ├── ConversationClosed     the conversation or dialog is closed ("Bad Request, Conversation is close")
     │    ├── UnknownConversation    no such conversation
     │    ├── UnknownDialog          no such dialog (in the account, or in the conversation)
     │    ├── UnknownSequence        a receipt for an event that does not exist yet
     │    ├── NoAgent                the agent speaks before anyone joined
     │    ├── AgentAssigned          another agent already holds the conversation
     │    ├── NotClosed              only a closed conversation can be resumed
     │    ├── AlreadyOpen            the consumer already has an open conversation (LivePerson's text names them)
     │    ├── AutoMessagesOff        automatic messages where the connector did not announce AUTO_MESSAGES
     │    ├── NotAccepted            an event this dialog does not take (ChatStateEvent in a survey)
     │    ├── FeatureOff             the account lacks a feature grant the API needs (Common.Async_Messaging)
     │    ├── BadQuery               a Messaging History search whose fields contradict each other (range, window)
     │    ├── UnknownDelivery        a hand replay of a delivery the log does not hold (404)
 │    ├── LimitReached           a cap of the mock's websockets (sockets, subscriptions) is full (429)
 │    ├── NotParticipant         an agent acts on a conversation it is not in (socket refusals, 400)
 │    ├── RingClosed             a ring that is no longer WAITING (accepted twice, expired, unknown; 400)
     │    └── NotReplayable          a hand replay of a delivery that sent nothing, or has no endpoint now (409)
     └── ApiError                    an answer in one of LivePerson's envelopes, rendered by ``http.route``
          ├── RestError              {"code": "BAD_REQUEST", "body": {"msg": ...}, "reqId": ...}; one class a status:
          │                          BadRequest 400, Unauthorized 401 (TempUrlInvalid), Forbidden 403, NotFound 404,
          │                          MethodNotAllowed 405, RequestTimeout 408, Conflict 409, PreconditionFailed 412,
          │                          TooLarge 413, UnsupportedMediaType 415, TooManyRequests 429,
          │                          HeadersTooLarge 431, InternalError 500, Unavailable 503
          └── (in auth_errors.py)    the services' own auth envelopes: AuthError (the Send API's table),
                                     SessionError (agentVep's refresh/logout), OAuthError (Sentinel's OAuth 2.0:
                                     InvalidRequest 400, InvalidClient 401, UnsupportedGrantType 400)

Endpoints raise a refusal by name and never pick a status or text (``rest_error`` where the status is
data). ``as_api_error`` maps any ``MockccError`` to its envelope by class (the nearest class in the MRO wins,
as starlette looks up exception handlers); ``REFUSALS`` is the table. Every ApiError also carries a
mockcc explanation (which field, which rule, what was expected), rendered as a top-level ``"mockcc"``
object beside LivePerson's own keys, so a brand engineer sees why the mock refused a request without
losing the exact envelope their client must parse.
"""

from __future__ import annotations

from typing import Any

from mockcc.schemas import Violation
from mockcc.types import JSON

#: HTTP status -> the REST envelope's string code.
REST_CODES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class MockccError(Exception):
    """The base of every error mockcc raises on purpose.

    ``explanation``, ``path``, ``rule`` and ``expected`` become the answer's ``mockcc`` object: which input
    broke which of mockcc's rules, and what was expected.
    """

    def __init__(self, explanation: str, *, path: str = "$", rule: str = "", expected: object = None) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.path = path
        self.rule = rule
        self.expected = expected


class ConfigError(MockccError):
    """mockcc was told something wrong: a bad seed, fault or flag (the CLI exits 2; the control plane says 400)."""


class Refused(MockccError):
    """A LivePerson rule (or, for a mockcc-only feature like the hand replay, the mock's own) refused an action.

    ``path`` names the refused input when the raiser knows it (otherwise ``REFUSALS`` names it); ``msg``
    is LivePerson's own text when it names the case (otherwise the class's text in ``REFUSALS`` is used).
    """

    def __init__(
        self, explanation: str, *, path: str | None = None, expected: object = None, msg: str | None = None
    ) -> None:
        super().__init__(explanation, path=path or "", expected=expected)
        self.msg = msg


class ConversationClosed(Refused):
    """The conversation, or the dialog acted on, is closed."""


class UnknownConversation(Refused):
    """No conversation with this id in the account."""


class UnknownDialog(Refused):
    """No dialog with this id (in the account, or in the conversation named)."""


class UnknownSequence(Refused):
    """A receipt for sequences the dialog has not reached yet."""


class NoAgent(Refused):
    """The agent would speak, but nobody has joined the conversation."""


class AgentAssigned(Refused):
    """Another agent already holds the conversation; it must be transferred first."""


class NotClosed(Refused):
    """Only a closed conversation can be resumed."""


class AlreadyOpen(Refused):
    """The consumer already has an open conversation; LivePerson allows one."""


class AutoMessagesOff(Refused):
    """Automatic messages for a conversation whose connector did not announce AUTO_MESSAGES."""


class NotAccepted(Refused):
    """An event the dialog does not take (a ChatStateEvent in a POST_SURVEY dialog)."""


class FeatureOff(Refused):
    """The account's feature grants do not include what the API needs (the Send API: Async Messaging)."""


class BadQuery(Refused):
    """A Messaging History search LivePerson rejects: a window backwards or longer than three months."""


class UnknownDelivery(Refused):
    """A hand replay of a delivery the log does not hold (never made, or evicted)."""


class NotReplayable(Refused):
    """A hand replay of a delivery that sent nothing, or whose event key has no endpoint any more."""


class LimitReached(Refused):
    """A cap of the mock's websockets is full: sockets in all or per user, subscriptions per socket."""


class NotParticipant(Refused):
    """An agent publishes into (or changes) a conversation it does not take part in."""


class RingClosed(Refused):
    """A ring that is not WAITING any more (already accepted or rejected, expired, or never made)."""


class ApiError(MockccError):
    """An error the mock answers over HTTP, in one of LivePerson's envelopes."""

    status_code: int = 400

    @classmethod
    def from_violation(cls, violation: Violation, **kwargs: Any) -> ApiError:
        return cls(violation.message, path=violation.path, rule=violation.rule, expected=violation.expected, **kwargs)

    def mockcc(self) -> JSON:
        """The mockcc explanation object added beside LivePerson's keys."""
        out: JSON = {"explanation": self.explanation, "path": self.path}
        if self.rule:
            out["rule"] = self.rule
        if self.expected is not None:
            out["expected"] = self.expected
        return out

    def envelope(self) -> JSON:
        raise NotImplementedError

    def body(self) -> JSON:
        return {**self.envelope(), "mockcc": self.mockcc()}


class RestError(ApiError):
    """``{"code": "BAD_REQUEST", "body": {"msg": "..."}, "reqId": "..."}``: the Send API's own error shape.

    A ``req_id`` left None is filled by the pipeline with the request's id once SEND has read it.
    """

    msg: str = "Bad Request"

    def __init__(
        self,
        explanation: str,
        *,
        status: int | None = None,
        msg: str | None = None,
        req_id: object = None,
        path: str = "$",
        rule: str = "",
        expected: object = None,
    ) -> None:
        super().__init__(explanation, path=path, rule=rule, expected=expected)
        if status is not None:
            self.status_code = status
        if msg is not None:
            self.msg = msg
        self.req_id = req_id

    def envelope(self) -> JSON:
        out: JSON = {"code": REST_CODES.get(self.status_code, "BAD_REQUEST"), "body": {"msg": self.msg}}
        if self.req_id is not None:
            out["reqId"] = self.req_id
        return out


# LivePerson's REST refusals by status: endpoints raise these by name and never pick a status or text.


class BadRequest(RestError):
    """400: the request itself is wrong (a parameter, a field's type, a limit of the mock)."""

    status_code, msg = 400, "Bad Request"


class Unauthorized(RestError):
    status_code, msg = 401, "Unauthorized"


class TempUrlInvalid(Unauthorized):
    """Swift's refusal of a missing, wrong or expired temp-URL signature."""

    msg = "Temp URL invalid"


class Forbidden(RestError):
    status_code, msg = 403, "Forbidden"


class NotFound(RestError):
    status_code, msg = 404, "Not Found"


class MethodNotAllowed(RestError):
    status_code, msg = 405, "Method Not Allowed"


class RequestTimeout(RestError):
    status_code, msg = 408, "Request Timeout"


class Conflict(RestError):
    status_code, msg = 409, "Conflict"


class PreconditionFailed(RestError):
    status_code, msg = 412, "Precondition Failed"


class TooLarge(RestError):
    status_code, msg = 413, "Request Entity Too Large"


class UnsupportedMediaType(RestError):
    status_code, msg = 415, "Unsupported Media Type"


class TooManyRequests(RestError):
    status_code, msg = 429, "Too Many Requests"


class HeadersTooLarge(RestError):
    status_code, msg = 431, "Request Header Fields Too Large"


class InternalError(RestError):
    status_code, msg = 500, "Internal Server Error"


class Unavailable(RestError):
    status_code, msg = 503, "Service Unavailable"


#: Status -> the named refusal, for the answers whose status is data (an armed fault, a stray HTTPException).
BY_STATUS: dict[int, type[RestError]] = {
    cls.status_code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        RequestTimeout,
        Conflict,
        PreconditionFailed,
        TooLarge,
        UnsupportedMediaType,
        TooManyRequests,
        HeadersTooLarge,
        InternalError,
        Unavailable,
    )
}


def rest_error(status: int, explanation: str, **kwargs: Any) -> RestError:
    """The named refusal for ``status`` (a bare ``RestError`` with that status where none is named)."""
    cls = BY_STATUS.get(status)
    return cls(explanation, **kwargs) if cls else RestError(explanation, status=status, **kwargs)


#: How each refusal is answered: (the REST refusal, its ``msg`` where LivePerson's text is not the
#: status's, the mockcc rule, the path when the raiser gave none).
REFUSALS: dict[type[Refused], tuple[type[RestError], str | None, str, str]] = {
    Refused: (BadRequest, None, "conversation-state", "$"),
    ConversationClosed: (BadRequest, "Bad Request, Conversation is close", "conversation-state", "$"),
    UnknownConversation: (BadRequest, None, "known-conversation", "$"),
    UnknownDialog: (BadRequest, None, "known-dialog", "$.dialogId"),
    UnknownSequence: (BadRequest, None, "known-sequence", "$.sequenceList"),
    AlreadyOpen: (BadRequest, None, "one-open-conversation", "$"),
    NoAgent: (BadRequest, None, "agent-joined", "$path.conversationId"),
    AutoMessagesOff: (BadRequest, None, "auto-messages", "$headers.client-properties.features"),
    # LivePerson documents no answer for a Send API call on an account without Async Messaging (inferred).
    FeatureOff: (Forbidden, None, "feature-grant", "$path.accountId"),
    BadQuery: (BadRequest, None, "history-query", "$.start"),
    # The control plane's hand replay of a logged delivery (a mockcc feature).
    UnknownDelivery: (NotFound, None, "known-delivery", "$path.deliveryId"),
    NotReplayable: (Conflict, None, "replayable", "$path.deliveryId"),
    # The websockets' own refusals (LivePerson documents no body for them; mockcc's choices).
    LimitReached: (TooManyRequests, None, "socket-limits", "$"),
    NotParticipant: (BadRequest, None, "participant", "$body.conversationId"),
    RingClosed: (BadRequest, None, "ring-state", "$body.ringId"),
}


def as_api_error(error: MockccError, *, req_id: object = None) -> ApiError:
    """The envelope ``error`` is answered with; ``req_id`` is echoed by REST envelopes that have none."""
    if isinstance(error, Refused):
        answer, msg, rule, path = next(REFUSALS[cls] for cls in type(error).__mro__ if cls in REFUSALS)
        error = answer(
            error.explanation,
            msg=error.msg or msg,
            path=error.path or path,
            rule=rule,
            expected=error.expected,
        )
    elif not isinstance(error, ApiError):  # ConfigError, or a bare MockccError
        error = BadRequest(error.explanation, path=error.path, rule=error.rule or "control", expected=error.expected)
    if isinstance(error, RestError) and error.req_id is None:
        error.req_id = req_id
    return error
