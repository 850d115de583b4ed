"""What the account-configuration APIs share: the login's bearer (App Installation, feature grants)."""

from __future__ import annotations

from mockcc.errors import Unauthorized
from mockcc.http import Ctx
from mockcc.state.bearers import Session


def admin_session(ctx: Ctx) -> Session:
    """The login session behind ``Authorization: Bearer``; LivePerson's 401 without a live one."""
    account = ctx.account()
    header = ctx.header("authorization") or ""
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    session = ctx.mock.bearers.session(account.account_id, token, ctx.mock.clock.now()) if token else None
    if session is None:
        raise Unauthorized(
            "Authorization: Bearer <bearer> from POST /api/account/{accountId}/login is required "
            "(a bearer is good for its account until sessionTTl has passed)",
            path="$headers.authorization",
            rule="bearer",
        )
    return session
