"""The Send API serves only accounts with Asynchronous Messaging (feature ``Common.Async_Messaging``).

LivePerson requires the feature for the Connector API but does not document what the Send API answers
without it; the domain error ``FeatureOff`` is answered 403 ``FORBIDDEN`` in the REST envelope
(``errors.REFUSALS``; inferred, see ARCHITECTURE.md), and the ``mockcc`` object says so.
"""

from __future__ import annotations

from mockcc.errors import FeatureOff
from mockcc.state.models import ASYNC_MESSAGING, Account


def require_async_messaging(account: Account) -> None:
    """Refuse, changing nothing, when the account's Async Messaging grant is off."""
    if not account.async_messaging:
        raise FeatureOff(
            f"account {account.account_id} has {ASYNC_MESSAGING} off in its feature grants, and the Connector "
            "API needs Asynchronous Messaging. LivePerson does not document this answer; mockcc answers 403 "
            "FORBIDDEN (inferred). Turn it on with POST .../configuration/provision/featureGrants?v=1.0 or the "
            "seed's feature_grants.",
            expected={ASYNC_MESSAGING: True},
        )
