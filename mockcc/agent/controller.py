"""LivePerson's controller bot: the automatic messages a connector gets when it asks for them.

A connector announces ``AUTO_MESSAGES`` in ``Client-Properties`` on CONVERSATION and on every SEND;
the account's controller then joins the conversation (a ``CONTROLLER`` participant in the next
``cqm.ExConversationChangeNotification``) and writes ContentEvents whose originator role is
``CONTROLLER``. LivePerson's docs say the first SEND must follow the conversation's creation within
10 s to get them; when and what the controller says is [INFERRED]: the mock welcomes the consumer's
first message, and the agent API can make it say anything (``auto-message``).
"""

from __future__ import annotations

import uuid

from mockcc.errors import AutoMessagesOff
from mockcc.messaging import Change, Messaging
from mockcc.state.models import Account, Conversation, Event

AUTO_MESSAGES = "AUTO_MESSAGES"
#: The first consumer message must come this soon after creation to get automatic messages [DOC].
WINDOW_MS = 10_000
WELCOME = "Thank you for your message. An agent will be with you shortly."


def controller_id(account_id: str) -> str:
    """The account's controller participant id: a UUID like LivePerson's, stable per account."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockcc:controller:{account_id}"))


def wants_auto_messages(conversation: Conversation) -> bool:
    return AUTO_MESSAGES in conversation.features


class Controller:
    """Joins as CONTROLLER and writes automatic messages into conversations that asked for them."""

    def __init__(self, messaging: Messaging, welcome: str = WELCOME) -> None:
        self._messaging = messaging
        self.welcome = welcome

    def on_change(self, change: Change) -> None:
        """Messaging listener: welcome the consumer's first message, if the connector asked in time."""
        event, conversation = change.event, change.conversation
        if event is None or event.role != "CONSUMER" or event.event.get("type") != "ContentEvent":
            return
        if event.dialog_id != conversation.main.dialog_id or not wants_auto_messages(conversation):
            return
        if AUTO_MESSAGES not in change.features or event.server_timestamp - conversation.start_ts > WINDOW_MS:
            return
        if any(p.role == "CONTROLLER" for p in conversation.participants):
            return  # one welcome per conversation
        self.say(change.account, conversation, self.welcome)

    def say(self, account: Account, conversation: Conversation, text: str) -> Event:
        """Join (once) and publish ``text`` as the controller, if the connector asked for automatic messages."""
        if not wants_auto_messages(conversation):
            raise AutoMessagesOff(
                f"conversation {conversation.conversation_id} was opened without AUTO_MESSAGES in "
                "Client-Properties (LivePerson sends automatic messages only to connectors that announce them)",
                expected=AUTO_MESSAGES,
            )
        self._messaging.join(account, conversation, controller_id(account.account_id), "CONTROLLER")
        controller = next(p for p in conversation.participants if p.role == "CONTROLLER")
        event = {"type": "ContentEvent", "message": text, "contentType": "text/plain"}
        return self._messaging.publish(account, conversation, conversation.main, controller, event)
