"""Account Configuration provisioning: the account's feature grants (``accountConfigReadWrite``).

``GET`` and ``POST /api/account/{accountId}/configuration/provision/featureGrants?v=1.0``, with the
login's bearer. The document is the one LivePerson's onboarding tools parse: features at
``appDataList[0].accountList.accountList[0].itemsCollection.data[]``, each ``{compoundFeatureID,
value: {value}}``; tools read ``Common.Async_Messaging`` there, and POST the document back changed.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from mockcc.errors import BadRequest
from mockcc.http import Ctx, route
from mockcc.schemas import validate
from mockcc.services.admin import admin_session
from mockcc.state.models import GRANTS_PER_ACCOUNT, Account
from mockcc.types import JSON


def document(account: Account) -> JSON:
    """The account's grants in LivePerson's nesting (the one shape both GET answers and POST takes)."""
    data = [{"compoundFeatureID": f, "value": {"value": on}} for f, on in account.feature_grants.items()]
    return {"appDataList": [{"accountList": {"accountList": [{"itemsCollection": {"data": data}}]}}]}


def _posted_grants(ctx: Ctx) -> dict[str, bool]:
    """Every ``{compoundFeatureID, value}`` of the posted document, checked before anything changes."""
    body = ctx.json()
    if (violation := validate("accountconfig/feature-grants", body)) is not None:
        raise BadRequest.from_violation(violation)
    assert isinstance(body, dict)  # noqa: S101 - the schema guarantees an object
    return {
        str(item["compoundFeatureID"]): bool(item["value"]["value"])
        for app in body["appDataList"]
        for entry in app["accountList"]["accountList"]
        for item in entry["itemsCollection"]["data"]
    }


async def get_grants(ctx: Ctx) -> Response:
    ctx.require_version("v", "1.0")
    admin_session(ctx)
    return JSONResponse(document(ctx.account()))


async def post_grants(ctx: Ctx) -> Response:
    """Set the posted features; ``overrideAll=true`` makes the posted list the account's whole list."""
    ctx.require_version("v", "1.0")
    admin_session(ctx)
    account = ctx.account()
    override_all = (ctx.query("overrideAll") or "false").lower()
    if override_all not in ("true", "false"):
        raise BadRequest(
            f"overrideAll must be true or false (got {override_all[:20]!r})",
            path="$query.overrideAll",
            rule="enum",
            expected=["true", "false"],
        )
    posted = _posted_grants(ctx)
    grants = posted if override_all == "true" else {**account.feature_grants, **posted}
    if len(grants) > GRANTS_PER_ACCOUNT:
        raise BadRequest(
            f"an account holds at most {GRANTS_PER_ACCOUNT} feature grants in this mock (this makes {len(grants)})",
            path="$.appDataList",
            rule="maxItems",
            expected=GRANTS_PER_ACCOUNT,
        )
    account.feature_grants = grants
    return JSONResponse(document(account))


_PATH = "/api/account/{accountId}/configuration/provision/featureGrants"
ROUTES = [
    route(_PATH, get_grants, service="accountconfig", methods=["GET"]),
    route(_PATH, post_grants, service="accountconfig", methods=["POST"]),
]
