"""The bridge: consumers on the channel <-> conversations in LivePerson.

Consumer side (one lane per consumer, so a consumer's actions keep their order): the first text
opens a conversation (CONVERSATION: SetUserProfile + ConsumerRequestConversation), later texts
reuse it until it closes, then the next text opens a new one. A text that cannot be sent is
reported to the channel as an ``error`` and logged: never dropped silently.

Agent side (one lane per conversation, so the channel sees LivePerson's order): webhook changes for
conversations the connector does not own are ignored; duplicates are dropped by (dialogId,
sequence) and stale conversation changes by ``metaDataLastUpdateTs``; messages that overtook one
another are put back in sequence order (``ordering``); private notes never reach the consumer.
The channel hears when the agent joins, types, writes and closes, and when an agent resumes a
closed conversation (LivePerson opens a new one, agent assigned: later texts go there); each agent
message it accepted is acknowledged to LivePerson with ACCEPT, and with READ once the channel says
the consumer read it (``receipts``). Messages that overtake the change announcing their conversation
are kept (``Orphans``) until it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from typing import Any

from connector_ref import render
from connector_ref.channel import ChannelClient, user_profile
from connector_ref.durable import Durable
from connector_ref.lanes import Lanes
from connector_ref.lp import ConversationClosed, LpClient, OpenConversationExists, split_text
from connector_ref.ordering import Reorderer
from connector_ref.receipts import Receipts
from connector_ref.retry import LpError
from connector_ref.state import Consumer, Conversation, Memory, Orphans, first_change, obj
from connector_ref.webhooks import Seen, conversation_key

log = logging.getLogger("connector_ref.bridge")

JSON = dict[str, Any]
EX_CHANGE = "cqm.ExConversationChangeNotification"
PRIVATE_AUDIENCE = "AGENTS_AND_MANAGERS"
MAX_CONVERSATIONS = 50_000
MAX_MESSAGE_IDS = 1_000
#: How long a text waits for the webhook naming the open conversation LivePerson says the consumer has.
ANNOUNCE_WAIT = 2.0


class Bridge:
    """Moves consumer actions to LivePerson and agent notifications to the channel."""

    def __init__(
        self,
        lp: LpClient,
        channel: ChannelClient,
        *,
        read_receipts: bool = True,
        reorder_hold: float = 1.0,
        lane_limit: int = 10_000,
        state_dir: str = "",
    ) -> None:
        self.lp = lp
        self.channel = channel
        self.memory = Memory(MAX_CONVERSATIONS)
        self.consumers, self.conversations = self.memory.consumers, self.memory.conversations
        self._consumer, self._own, self._forget = self.memory.consumer, self.memory.own, self.memory.forget
        self.inbound = Lanes("consumer", lane_limit)
        self.events = Lanes("conversation", lane_limit)
        self.reorder = Reorderer(reorder_hold, self.events, self._deliver_held)
        self.seen = Seen()
        self.receipts = Receipts(lp, self.reorder, self._tell, enabled=read_receipts)
        self.orphans = Orphans()
        self.stats: Counter[str] = Counter()
        self.durable = Durable(state_dir, self.memory)  # open conversations survive a restart (if a dir is set)
        self.durable.load()

    async def warm_up(self) -> None:
        """Discover hosts and fetch the AppJWT before the first consumer needs them."""
        try:
            await self.lp.app_jwt.get()
        except LpError as exc:
            log.warning("warm-up failed (will retry on first use): %s", exc)

    async def aclose(self, grace: float = 5.0) -> None:
        """Finish accepted work for up to ``grace`` seconds, then give up on the rest, loudly."""
        await self.inbound.wait_idle(grace)
        self.reorder.release_all()  # stop waiting for gaps: deliver what is held
        await self.events.wait_idle(grace)
        lost = await self.inbound.aclose()
        if lost:
            log.error("shutting down with %d consumer actions not handled", lost)
        await self.events.aclose()
        self.durable.close()

    # -- consumer side -----------------------------------------------------------------------------

    def accept_inbound(self, message: JSON) -> str:
        """Queue a (checked) channel message on its consumer's lane; returns its messageId."""
        message_id = str(message.get("messageId") or uuid.uuid4())
        self.inbound.submit(message["consumerId"], lambda: self._inbound(message, message_id))
        self.stats["inbound"] += 1
        return message_id

    async def _inbound(self, message: JSON, message_id: str) -> None:
        consumer = self._consumer(message["consumerId"])
        if isinstance(message.get("profile"), dict):
            consumer.profile = message["profile"]
        kind = message["type"]
        try:
            if kind == "text":
                await self._consumer_text(consumer, message["text"], message_id)
            elif kind == "typing":
                await self._consumer_typing(consumer, str(message.get("chatState", "COMPOSING")))
            elif kind == "read":
                await self._consumer_read(consumer, message)
            else:
                await self._consumer_close(consumer)
            self.durable.changed()
        except Exception as exc:  # LpError, or a bug: either way the consumer must hear of it
            self.stats["consumer_failures"] += 1
            log.error(
                "consumer %s %s %s was not delivered to LivePerson: %s", consumer.consumer_id, kind, message_id, exc
            )
            await self.channel.post(
                {
                    "type": "error",
                    "consumerId": consumer.consumer_id,
                    "messageId": message_id,
                    "conversationId": consumer.conversation_id,
                    "text": f"your {'message' if kind == 'text' else kind} could not be delivered",
                }
            )

    async def _ensure_conversation(self, consumer: Consumer) -> tuple[str, str]:
        """The consumer's open conversation and dialog, opening a conversation if it has none."""
        if consumer.conversation_id is not None:
            return consumer.conversation_id, consumer.dialog_id or consumer.conversation_id
        if consumer.lp_id is None:
            consumer.lp_id = await self.lp.lp_consumer_id(consumer.consumer_id)
            if consumer.lp_id:
                self.memory.by_lp_id[consumer.lp_id] = consumer.consumer_id
        try:
            conversation_id = await self.lp.open_conversation(consumer.consumer_id, user_profile(consumer.profile))
        except OpenConversationExists:
            # Opened earlier (a retried CONVERSATION, a restart, an agent's resume): a webhook names it.
            known = await self._announced(consumer)
            if known is None:
                raise
            conversation_id = known.conversation_id
            log.info("consumer %s already had conversation %s; using it", consumer.consumer_id, conversation_id)
        else:
            self.stats["conversations_opened"] += 1
            self.reorder.order.start(conversation_id)
        self._own(conversation_id, consumer.consumer_id)
        consumer.conversation_id = consumer.dialog_id = conversation_id
        return conversation_id, conversation_id

    async def _announced(self, consumer: Consumer) -> Conversation | None:
        """The consumer's open conversation as the webhooks tell it, waiting briefly for one on its way."""
        if (known := self.memory.open_of(consumer.consumer_id)) is None:
            consumer.announced = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(consumer.announced.wait(), ANNOUNCE_WAIT)
            consumer.announced = None
            known = self.memory.open_of(consumer.consumer_id)
        return known

    async def _consumer_text(self, consumer: Consumer, text: str, message_id: str) -> None:
        consumer.sending = asyncio.Event()
        try:
            await self._send_text(consumer, text, message_id)
        finally:
            consumer.sending.set()
            consumer.sending = None

    async def _send_text(self, consumer: Consumer, text: str, message_id: str) -> None:
        reopened = False
        sequences: list[int] = []
        pending: list[str] | None = None
        while True:
            conversation_id, dialog_id = await self._ensure_conversation(consumer)
            if pending is None:
                pending = split_text(text, self.lp.text_budget(dialog_id, conversation_id))
            try:
                while pending:
                    sequence = await self.lp.send_text(consumer.consumer_id, dialog_id, conversation_id, pending[0])
                    pending.pop(0)
                    if sequence is not None:
                        sequences.append(sequence)
                        self.reorder.note(conversation_id, dialog_id, sequence)
                break
            except ConversationClosed:
                if reopened:
                    raise
                reopened = True  # closed under us (agent or system) before its webhook arrived
                log.info("conversation %s was closed; opening a new one for %s", conversation_id, consumer.consumer_id)
                self._forget(consumer, conversation_id)
                sequences = []  # pieces already sent stay in the old conversation; receipts map to the new one
        for sequence in sequences:
            consumer.message_ids[sequence] = message_id
        while len(consumer.message_ids) > MAX_MESSAGE_IDS:
            consumer.message_ids.popitem(last=False)
        self.stats["consumer_texts"] += 1
        await self.channel.post(
            {
                "type": "sent",
                "consumerId": consumer.consumer_id,
                "messageId": message_id,
                "conversationId": consumer.conversation_id,
                "sequence": sequences[-1] if sequences else None,
            }
        )

    async def _consumer_typing(self, consumer: Consumer, state: str) -> None:
        if consumer.conversation_id is None:
            return  # nothing to type into; typing alone does not open a conversation
        try:
            await self.lp.send_chat_state(
                consumer.consumer_id, consumer.dialog_id or consumer.conversation_id, consumer.conversation_id, state
            )
        except LpError as exc:  # a lost typing indicator is not a lost message
            log.warning("typing state of %s not sent: %s", consumer.consumer_id, exc)

    async def _consumer_read(self, consumer: Consumer, message: JSON) -> None:
        conversation_id = str(message.get("conversationId") or consumer.conversation_id)
        conversation = self.conversations.get(conversation_id)
        if conversation is None or conversation.consumer_id != consumer.consumer_id or conversation.finished:
            log.info("consumer %s read messages of no open conversation (%s)", consumer.consumer_id, conversation_id)
            return
        current = conversation_id == consumer.conversation_id
        dialog_id = (consumer.dialog_id if current else None) or conversation_id
        await self.receipts.read(conversation, dialog_id, list(message["sequences"]))

    async def _consumer_close(self, consumer: Consumer) -> None:
        conversation_id = consumer.conversation_id
        if conversation_id is None:
            log.info("consumer %s asked to close but has no open conversation", consumer.consumer_id)
            return
        try:
            await self.lp.close(consumer.consumer_id, conversation_id)
        except ConversationClosed:
            log.info("conversation %s was already closed", conversation_id)
        self._forget(consumer, conversation_id)
        conversation = self._own(conversation_id, consumer.consumer_id)
        if not conversation.finished:
            conversation.finished = True  # at once: a queued OPEN change must not revive it
            self.events.submit(conversation_id, lambda: self._tell_closed(conversation, "CONSUMER"))

    # -- agent side --------------------------------------------------------------------------------

    def accept_change(self, kind: str, change: JSON) -> None:
        """Queue one webhook change on its conversation's lane (called before the 200 goes out)."""
        key = conversation_key(kind, change)
        if key is None:
            self.stats["ignored"] += 1
            return
        self.events.submit(self.memory.dialogs.get(key, key), lambda: self._change(kind, change))

    async def _change(self, kind: str, change: JSON) -> None:
        if kind == EX_CHANGE:
            await self._conversation_change(change)
            self.durable.changed()
        else:
            await self._messaging_event(change)

    async def _conversation_change(self, change: JSON) -> None:
        result = obj(change.get("result"))
        details = obj(result.get("conversationDetails"))
        conversation_id = str(result.get("convId"))
        adopted = conversation_id not in self.conversations
        conversation = self.memory.owner(conversation_id, details)
        if conversation is None or change.get("type", "UPSERT") != "UPSERT":  # DELETE, or a type from the future
            self.stats["ignored"] += 1
            return
        await self._conversation_details(conversation, details, adopted)
        if adopted and (waiting := self._consumer(conversation.consumer_id).announced) is not None:
            waiting.set()
        for orphan in self.orphans.take(conversation_id):  # messages that overtook this change
            await self._messaging_event(orphan)

    async def _conversation_details(self, conversation: Conversation, details: JSON, adopted: bool) -> None:
        updated = details.get("metaDataLastUpdateTs")
        if isinstance(updated, int):
            if updated < conversation.updated_ts:
                self.stats["stale"] += 1
                return
            conversation.updated_ts = updated
        if conversation.finished:
            return
        consumer = self._consumer(conversation.consumer_id)
        dialogs = [d for d in details.get("dialogs") or [] if isinstance(d, dict)]
        for dialog in dialogs:
            if dialog.get("dialogId") and dialog.get("dialogId") != conversation.conversation_id:
                self.memory.dialogs[str(dialog["dialogId"])] = conversation.conversation_id
        if details.get("stage") == "CLOSE":
            conversation.finished = True
            self._forget(consumer, conversation.conversation_id)
            for dialog_id in {conversation.conversation_id, *(str(d.get("dialogId")) for d in dialogs)}:
                for item in self.reorder.flush(dialog_id):  # nothing more is coming: the last words first
                    await self._deliver(conversation, item)
            await self._tell_closed(conversation, str(details.get("closeReason") or "AGENT"))
            return
        agent = next(
            (
                str(p.get("id"))
                for p in details.get("participants") or []
                if isinstance(p, dict) and p.get("role") == "ASSIGNED_AGENT"
            ),
            None,
        )
        if adopted and agent and details.get("state") == "OPEN" and first_change(details, dialogs):
            await self._resumed(conversation, consumer)
        if agent != conversation.agent_id:
            conversation.agent_id = agent
            event: JSON = {"type": "agent_joined", "agentId": agent} if agent else {"type": "agent_left"}
            await self._tell(conversation, event)
        if details.get("state") == "CLOSE":  # MAIN closed, stage open: a post-conversation survey runs
            survey = next(
                (d for d in dialogs if d.get("dialogType") == "POST_SURVEY" and d.get("state") == "OPEN"), None
            )
            if survey is not None and consumer.conversation_id == conversation.conversation_id:
                consumer.dialog_id = str(survey["dialogId"])
        elif consumer.conversation_id is None and details.get("state") == "OPEN":
            consumer.conversation_id = consumer.dialog_id = conversation.conversation_id

    async def _resumed(self, conversation: Conversation, consumer: Consumer) -> None:
        """An agent resumed a conversation with this consumer: a new one, the consumer's from now on."""
        self.stats["conversations_resumed"] += 1
        if consumer.conversation_id not in (None, conversation.conversation_id):
            self._forget(consumer, str(consumer.conversation_id))  # one open conversation: the old one is over
        consumer.conversation_id = consumer.dialog_id = conversation.conversation_id
        self.reorder.order.start(conversation.conversation_id)  # we see it from its first event on
        await self._tell(conversation, {"type": "resumed"})

    async def _messaging_event(self, change: JSON) -> None:
        dialog_id = str(change.get("dialogId") or change.get("conversationId"))
        conversation_id = str(change.get("conversationId") or self.memory.dialogs.get(dialog_id, dialog_id))
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            self.stats["ignored"] += 1
            if change.get("conversationId"):  # its conversation change may still come (a resumed conversation)
                self.orphans.keep(conversation_id, change)
            return
        sequence = change.get("sequence")
        if not isinstance(sequence, int):
            await self._deliver(conversation, change)  # chat states carry no sequence
            return
        if not self.seen.first_time(dialog_id, sequence):
            self.stats["duplicates"] += 1
            return
        for item in self.reorder.offer(conversation.conversation_id, dialog_id, sequence, change):
            await self._deliver(conversation, item)

    async def _deliver_held(self, conversation_id: str, change: JSON) -> None:
        if (conversation := self.conversations.get(conversation_id)) is not None:
            await self._deliver(conversation, change)

    async def _deliver(self, conversation: Conversation, change: JSON) -> None:
        """One agent-side event, in order, to the channel (the consumer's own echoes stop here)."""
        meta = obj(change.get("originatorMetadata"))
        if meta.get("role") == "CONSUMER":
            return
        if change.get("messageAudience") == PRIVATE_AUDIENCE:
            self.stats["private_notes"] += 1
            return
        event = obj(change.get("event"))
        kind = event.get("type")
        if kind == "ChatStateEvent":
            if not conversation.finished:
                await self._tell(conversation, {"type": "typing", "typing": event.get("chatState") == "COMPOSING"})
        elif kind == "AcceptStatusEvent":
            await self.receipts.from_agent(conversation, self._consumer(conversation.consumer_id), event)
        elif kind in ("ContentEvent", "RichContentEvent"):
            sequence = change.get("sequence")
            self.stats["agent_messages"] += 1
            if await self._tell(conversation, render.agent_message(event, sequence, meta.get("role"))) and isinstance(
                sequence, int
            ):
                dialog_id = str(change.get("dialogId") or conversation.conversation_id)
                await self.receipts.delivered(conversation, dialog_id, sequence)

    async def _tell_closed(self, conversation: Conversation, by: str) -> None:
        self.stats["conversations_closed"] += 1
        await self._tell(conversation, {"type": "closed", "by": by})

    async def _tell(self, conversation: Conversation, event: JSON) -> bool:
        out = {"consumerId": conversation.consumer_id, "conversationId": conversation.conversation_id, **event}
        return await self.channel.post(out)
