"""LivePerson's authentication refusals, each in its own service's envelope (not the REST one).

``AuthError``: the Send API's auth table (40001, 40102-40105), ``{"kind": "resp", "code": 401, "body":
{title, details, errorCode}}``; ``SessionError``: agentVep's refresh/logout 401 ``{"error": {time,
message, internalCode, responseStatus}}``; ``OAuthError`` and its named cases: Sentinel's OAuth 2.0
``{"error", "error_description"}``. Like every ``ApiError`` each carries the mockcc explanation.
"""

from __future__ import annotations

from mockcc.errors import ApiError
from mockcc.types import JSON

#: Send API auth failures: errorCode -> (HTTP status, title, details), verbatim from LivePerson's table.
AUTH_ERRORS: dict[int, tuple[int, str, str]] = {
    40001: (400, "Missing parameter", "Brand Id is missing"),
    40102: (401, "Invalid AppJWT", "AppJWT has expired or is invalid"),
    40103: (401, "Invalid ConsumerJWS", "ConsumerJWS is invalid"),
    40104: (401, "ConsumerJWS is missing", "X_ON_BEHALF_HEADER is not present"),
    40105: (401, "AppJWT is missing", "AUTHORIZATION header is not present"),
}


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


class SessionError(ApiError):
    """agentVep's refresh/logout refusal: 401 ``{"error": {time, message, internalCode, responseStatus}}``
    (developer-center agent-interactions/login/methods/refresh.md)."""

    status_code = 401

    def __init__(
        self, explanation: str, *, at_ms: int = 0, path: str = "$.csrf", rule: str = "session", expected: object = None
    ) -> None:
        super().__init__(explanation, path=path, rule=rule, expected=expected)
        self.at_ms = at_ms

    def envelope(self) -> JSON:
        message = "CSRF token invalid! (the session is unknown, expired or logged out, or the csrf is not its own)"
        return {"error": {"time": self.at_ms, "message": message, "internalCode": 10, "responseStatus": "UNAUTHORIZED"}}


class OAuthError(ApiError):
    """Sentinel's OAuth 2.0 error (RFC 6749 §5.2): ``{"error": ..., "error_description": ...}``."""

    error: str = "invalid_request"

    def __init__(self, explanation: str, *, path: str = "$", rule: str = "oauth2", expected: object = None) -> None:
        super().__init__(explanation, path=path, rule=rule, expected=expected)

    def envelope(self) -> JSON:
        return {"error": self.error, "error_description": self.explanation}


class InvalidRequest(OAuthError):
    """400 ``invalid_request``: a parameter is missing or wrong, or the body is not a form."""


class InvalidClient(OAuthError):
    """401 ``invalid_client``: unknown, missing or wrong client credentials (an unknown account too)."""

    status_code, error = 401, "invalid_client"


class UnsupportedGrantType(OAuthError):
    """400 ``unsupported_grant_type``: a grant other than client_credentials."""

    error = "unsupported_grant_type"
