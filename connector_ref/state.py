"""What the connector remembers: consumers by their channel id, and the conversations it owns.

Kept in memory; a production connector would store ``consumer -> conversation`` durably, because
LivePerson refuses a second open conversation and offers no way to look up the first one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass(slots=True)
class Consumer:
    """A consumer of the channel, by its external id, and its open conversation if any."""

    consumer_id: str
    profile: JSON = field(default_factory=dict)
    lp_id: str | None = None  # participant id in notifications (lp_consumer_id of its ConsumerJWS)
    conversation_id: str | None = None
    dialog_id: str | None = None  # where its events go: the MAIN dialog, or an open survey dialog
    message_ids: OrderedDict[int, str] = field(default_factory=OrderedDict)  # its sequences -> channel ids
    sending: asyncio.Event | None = None  # set when the text in flight has its sequence numbers
    announced: asyncio.Event | None = None  # set when a webhook names a conversation of this consumer


@dataclass(slots=True)
class Conversation:
    """A conversation this connector owns, as the webhooks have described it so far."""

    conversation_id: str
    consumer_id: str
    updated_ts: int = -1
    agent_id: str | None = None
    finished: bool = False


class Memory:
    """Consumers and the conversations the connector owns, with the indexes that find them."""

    def __init__(self, max_conversations: int = 50_000) -> None:
        self.consumers: dict[str, Consumer] = {}
        self.conversations: OrderedDict[str, Conversation] = OrderedDict()
        self.by_lp_id: dict[str, str] = {}  # participant id -> channel consumer id
        self.dialogs: dict[str, str] = {}  # non-MAIN dialog id -> conversation id
        self._max_conversations = max_conversations

    def consumer(self, consumer_id: str) -> Consumer:
        if (consumer := self.consumers.get(consumer_id)) is None:
            consumer = self.consumers[consumer_id] = Consumer(consumer_id)
        return consumer

    def own(self, conversation_id: str, consumer_id: str) -> Conversation:
        """Our record of a conversation of ``consumer_id`` (the oldest are forgotten past the cap)."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            conversation = self.conversations[conversation_id] = Conversation(conversation_id, consumer_id)
            while len(self.conversations) > self._max_conversations:
                self.conversations.popitem(last=False)
        return conversation

    def owner(self, conversation_id: str, details: JSON) -> Conversation | None:
        """Our record of the conversation, adopting it if its CONSUMER participant is one of ours."""
        if (conversation := self.conversations.get(conversation_id)) is not None:
            return conversation
        for participant in details.get("participants") or []:
            if isinstance(participant, dict) and participant.get("role") == "CONSUMER":
                consumer_id = self.by_lp_id.get(str(participant.get("id")))
                if consumer_id is not None:
                    return self.own(conversation_id, consumer_id)
        return None

    def open_of(self, consumer_id: str) -> Conversation | None:
        """The latest conversation of this consumer not known to be finished."""
        known = [c for c in self.conversations.values() if c.consumer_id == consumer_id and not c.finished]
        return known[-1] if known else None

    @staticmethod
    def forget(consumer: Consumer, conversation_id: str) -> None:
        """The consumer's conversation is over (if it is still this one): the next text opens another."""
        if consumer.conversation_id == conversation_id:
            consumer.conversation_id = consumer.dialog_id = None
            consumer.message_ids.clear()


def first_change(details: JSON, dialogs: list[JSON]) -> bool:
    """True for a conversation's first change: its MAIN dialog was created at the last update."""
    main = next((d for d in dialogs if d.get("dialogType") == "MAIN"), None)
    return main is not None and main.get("creationTs") == details.get("metaDataLastUpdateTs")


def obj(value: object) -> JSON:
    """``value`` if it is a JSON object, else {}: notifications are read defensively."""
    return value if isinstance(value, dict) else {}


class Orphans:
    """Messaging events of conversations not (yet) known, kept until a conversation change names them.

    A conversation the connector did not open (an agent resumed it) is announced by a conversation
    change, but its first message may overtake that change. Bounded: ``conversations`` at most,
    ``per_conversation`` events each; past that the oldest are dropped (they were probably not ours).
    """

    def __init__(self, conversations: int = 1_000, per_conversation: int = 50) -> None:
        self._held: OrderedDict[str, list[JSON]] = OrderedDict()
        self._conversations = conversations
        self._per_conversation = per_conversation
        self.dropped = 0

    def keep(self, conversation_id: str, change: JSON) -> None:
        held = self._held.setdefault(conversation_id, [])
        if len(held) >= self._per_conversation:
            self.dropped += 1
            return
        held.append(change)
        while len(self._held) > self._conversations:
            self.dropped += len(self._held.popitem(last=False)[1])

    def take(self, conversation_id: str) -> list[JSON]:
        return self._held.pop(conversation_id, [])
