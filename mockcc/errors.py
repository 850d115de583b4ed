"""Errors the mock answers with, in LivePerson's own envelopes.

    MockccError                  misuse of mockcc itself (bad config); never turned into HTTP
    ApiError                     an emulated LivePerson error, rendered by one handler in app.py
     ├── RestError               REST envelope: {"code": "BAD_REQUEST", "body": {"msg": ...}, "reqId": ...}
     ├── AuthError               auth envelope: {"kind": "resp", "code": 401, "body": {title, details, errorCode}}
     └── OAuthError              Sentinel's OAuth 2.0 envelope: {"error": "invalid_client", "error_description": ...}

Every ApiError also carries a mockcc explanation (which field, which rule, what was expected),
rendered as a top-level ``"mockcc"`` object beside LivePerson's own keys, so a brand engineer sees
why the mock refused a request without losing the exact envelope their client must parse.
"""

from __future__ import annotations

from typing import Any

from mockcc.schemas import Violation

JSON = dict[str, Any]

#: Send API auth failures: errorCode -> (HTTP status, title, details), verbatim from LivePerson's table.
AUTH_ERRORS: dict[int, tuple[int, str, str]] = {
    40001: (400, "Missing parameter", "Brand Id is missing"),
    40102: (401, "Invalid AppJWT", "AppJWT has expired or is invalid"),
    40103: (401, "Invalid ConsumerJWS", "ConsumerJWS is invalid"),
    40104: (401, "ConsumerJWS is missing", "X_ON_BEHALF_HEADER is not present"),
    40105: (401, "AppJWT is missing", "AUTHORIZATION header is not present"),
}

#: HTTP status -> the REST envelope's string code.
REST_CODES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class MockccError(Exception):
    """mockcc was used wrongly (bad configuration, unknown account in a seed file)."""


class ApiError(Exception):
    """An error the mock answers over HTTP, in one of LivePerson's envelopes."""

    status_code: int = 400

    def __init__(self, explanation: str, *, path: str = "$", rule: str = "", expected: object = None) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.path = path
        self.rule = rule
        self.expected = expected

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
    """``{"code": "BAD_REQUEST", "body": {"msg": "..."}, "reqId": "..."}``: the Send API's own error shape."""

    def __init__(
        self,
        explanation: str,
        *,
        status: int = 400,
        msg: str = "Bad Request",
        req_id: object = None,
        path: str = "$",
        rule: str = "",
        expected: object = None,
    ) -> None:
        super().__init__(explanation, path=path, rule=rule, expected=expected)
        self.status_code = status
        self.msg = msg
        self.req_id = req_id

    def envelope(self) -> JSON:
        out: JSON = {"code": REST_CODES.get(self.status_code, "BAD_REQUEST"), "body": {"msg": self.msg}}
        if self.req_id is not None:
            out["reqId"] = self.req_id
        return out


class AuthError(ApiError):
    """One row of LivePerson's Send API auth table (40001, 40102–40105)."""

    def __init__(self, error_code: int, explanation: str) -> None:
        super().__init__(explanation, path="$headers", rule="auth")
        self.error_code = error_code
        self.status_code, self.title, self.details = AUTH_ERRORS[error_code]

    def envelope(self) -> JSON:
        return {
            "kind": "resp",
            "code": self.status_code,
            "body": {"title": self.title, "details": self.details, "errorCode": self.error_code},
            "type": ".ReqBody$ErrorResp",
        }


class OAuthError(ApiError):
    """Sentinel's OAuth 2.0 error (RFC 6749 §5.2): ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, explanation: str, *, status: int = 400, path: str = "$") -> None:
        super().__init__(explanation, path=path, rule="oauth2")
        self.error = error
        self.status_code = status

    def envelope(self) -> JSON:
        return {"error": self.error, "error_description": self.explanation}
