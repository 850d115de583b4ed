"""From messaging to webhooks: every conversation change becomes the notification LivePerson would POST.

``Notifier.on_change`` is a ``Messaging`` listener; the installation whose AppJWT opened the
conversation hears about it, with the subscription snapshot taken at the moment of the change.
"""

from __future__ import annotations

from collections.abc import Callable

from mockcc.messaging import Change
from mockcc.state.models import Account, Conversation, Installation
from mockcc.webhooks.dispatcher import WebhookDispatcher
from mockcc.webhooks.model import Notification, Subscription
from mockcc.webhooks.notifications import CONVERSATION_KEY, conversation_change, messaging_event, messaging_key

#: Installation snapshots the notifier keeps (cleared when full).
SNAPSHOTS_KEPT = 1024


def subscription(account: Account, installation: Installation) -> Subscription:
    """A snapshot of the installation's webhooks, secret and the account's signature algorithm."""
    return Subscription(
        account_id=account.account_id,
        client_id=installation.client_id,
        client_secret=installation.client_secret,
        webhooks=installation.webhooks,
        signature_algorithm="sha256" if account.signature_algorithm == "sha256" else "sha1",
        signature_encoding="hex" if account.signature_encoding == "hex" else "base64",
        enabled=installation.enabled,
    )


class Notifier:
    """Turns ``Messaging`` changes into notifications for the dispatcher."""

    def __init__(self, dispatcher: WebhookDispatcher, effective_ttr: Callable[[Conversation], int]) -> None:
        self._dispatcher = dispatcher
        self._effective_ttr = effective_ttr
        # (account, client id) -> the snapshot and what it was taken from: an installation's app object
        # is replaced (never edited) on update, so the same object and revision mean the same snapshot.
        self._snapshots: dict[tuple[str, str], tuple[object, int, tuple[str, str], Subscription]] = {}

    def _subscription(self, account: Account, installation: Installation) -> Subscription:
        key = (account.account_id, installation.client_id)
        cached = self._snapshots.get(key)
        if (
            cached is not None
            and cached[0] is installation.app
            and cached[1] == installation.revision
            and cached[2] == (account.signature_algorithm, account.signature_encoding)
        ):
            return cached[3]
        snapshot = subscription(account, installation)
        if len(self._snapshots) >= SNAPSHOTS_KEPT:  # bounded whatever the number of installations
            self._snapshots.clear()
        signing = (account.signature_algorithm, account.signature_encoding)
        self._snapshots[key] = (installation.app, installation.revision, signing, snapshot)
        return snapshot

    def on_change(self, change: Change) -> None:
        conversation = change.conversation
        installation = change.account.installations.get(conversation.client_id)
        if installation is None:
            return
        sub = self._subscription(change.account, installation)
        event = change.event
        key = CONVERSATION_KEY if event is None else messaging_key(event)
        if not self._dispatcher.routes(sub, key):  # logged as unrouted; the body nobody gets is not built
            seq = None if event is None else event.sequence
            self._dispatcher.publish(sub, Notification(key, conversation.conversation_id, {}, seq=seq))
            return
        if event is None:
            key, body = conversation_change(conversation, self._effective_ttr(conversation))
        else:
            key, body = messaging_event(conversation, event)
        self._dispatcher.publish(
            sub, Notification(event_key=key, conversation_id=conversation.conversation_id, body=body)
        )
