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
from mockcc.webhooks.notifications import conversation_change, messaging_event


def subscription(account: Account, installation: Installation) -> Subscription:
    """A snapshot of the installation's webhooks, secret and the account's signature algorithm."""
    return Subscription(
        account_id=account.account_id,
        client_id=installation.client_id,
        client_secret=installation.client_secret,
        webhooks=installation.webhooks,
        signature_algorithm="sha256" if account.signature_algorithm == "sha256" else "sha1",
        enabled=installation.enabled,
    )


class Notifier:
    """Turns ``Messaging`` changes into notifications for the dispatcher."""

    def __init__(self, dispatcher: WebhookDispatcher, effective_ttr: Callable[[Conversation], int]) -> None:
        self._dispatcher = dispatcher
        self._effective_ttr = effective_ttr

    def on_change(self, change: Change) -> None:
        conversation = change.conversation
        installation = change.account.installations.get(conversation.client_id)
        if installation is None:
            return
        if change.event is None:
            key, body = conversation_change(conversation, self._effective_ttr(conversation))
        else:
            key, body = messaging_event(conversation, change.event)
        self._dispatcher.publish(
            subscription(change.account, installation),
            Notification(event_key=key, conversation_id=conversation.conversation_id, body=body),
        )
