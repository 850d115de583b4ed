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


@dataclass(slots=True)
class Conversation:
    """A conversation this connector owns, as the webhooks have described it so far."""

    conversation_id: str
    consumer_id: str
    updated_ts: int = -1
    agent_id: str | None = None
    finished: bool = False


def obj(value: object) -> JSON:
    """``value`` if it is a JSON object, else {}: notifications are read defensively."""
    return value if isinstance(value, dict) else {}
