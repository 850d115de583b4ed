"""Receipts, both ways, so each side sees what the other has seen.

* The agent's receipts (ACCEPT/READ of the consumer's texts) go to the channel as ``receipt``
  events naming the channel's own message ids.
* The consumer's go to LivePerson as AcceptStatusEvents on the agent's messages: ACCEPT once the
  channel took a message (it reached the consumer's device), READ when the channel reports that
  the consumer read it. That is what Agent Workspace shows beside each message (sent, received,
  read); a channel that cannot report reads leaves its messages at "received", which is the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from connector_ref.lp import LpClient
from connector_ref.ordering import Reorderer
from connector_ref.retry import LpError
from connector_ref.state import Consumer, Conversation

log = logging.getLogger("connector_ref.receipts")

JSON = dict[str, Any]
Tell = Callable[[Conversation, JSON], Awaitable[bool]]
#: How long an agent receipt waits for the SEND answer that tells which message its sequence is.
RECEIPT_WAIT = 2.0


class Receipts:
    """Moves receipts between the channel and LivePerson for the bridge."""

    def __init__(self, lp: LpClient, reorder: Reorderer, tell: Tell, *, enabled: bool = True) -> None:
        self.lp = lp
        self.reorder = reorder
        self.tell = tell
        self.enabled = enabled  # send the consumer's receipts to LivePerson at all

    async def from_agent(self, conversation: Conversation, consumer: Consumer, event: JSON) -> None:
        """The agent got (ACCEPT) or read (READ) consumer messages: tell the channel which ones."""
        status = event.get("status")
        sequences = [s for s in event.get("sequenceList") or [] if isinstance(s, int)]
        if status not in ("ACCEPT", "READ") or not sequences:
            return
        if consumer.sending is not None and any(s not in consumer.message_ids for s in sequences):
            # The agent may acknowledge a text before its SEND answer (and so its sequence) reached us.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(consumer.sending.wait(), RECEIPT_WAIT)
        known = consumer.message_ids
        ids = list(dict.fromkeys(known[s] for s in sequences if s in known))
        await self.tell(conversation, {"type": "receipt", "status": status, "messageIds": ids, "sequences": sequences})

    async def delivered(self, conversation: Conversation, dialog_id: str, sequence: int) -> None:
        """The channel took an agent message: ACCEPT, unless the conversation is over."""
        await self._send(conversation, dialog_id, "ACCEPT", [sequence])

    async def read(self, conversation: Conversation, dialog_id: str, sequences: list[int]) -> None:
        """The channel reports the consumer read these agent messages: READ."""
        await self._send(conversation, dialog_id, "READ", sequences)

    async def _send(self, conversation: Conversation, dialog_id: str, status: str, sequences: list[int]) -> None:
        if not self.enabled or conversation.finished:
            return
        try:
            own = await self.lp.send_receipt(
                conversation.consumer_id, dialog_id, conversation.conversation_id, status, sequences
            )
            if own is not None:
                self.reorder.note(conversation.conversation_id, dialog_id, own)
        except LpError as exc:  # a lost receipt is not a lost message
            log.info("%s receipt for %s %s not sent: %s", status, conversation.conversation_id, sequences, exc)
