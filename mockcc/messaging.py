"""Conversations and their events: the rules of LivePerson's messaging service (UMS), no HTTP.

Both the consumer side (the Send API) and the agent side (control plane, bots) change state only
through ``Messaging``; every change is announced to the listeners (webhooks, bots) as a ``Change``,
after the state is fully updated, so a listener never sees half a change. A broken rule raises a
``Refused`` error (``mockcc.errors``) before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mockcc.clock import Clock
from mockcc.errors import (
    AgentAssigned,
    AlreadyOpen,
    ConversationClosed,
    NotAccepted,
    NotClosed,
    NotParticipant,
    UnknownDialog,
)
from mockcc.ids import Ids
from mockcc.settings import CONVERSATIONS_PER_ACCOUNT
from mockcc.state.models import Account, ChatState, Conversation, Dialog, Event, Joined, Participant, Transfer
from mockcc.types import JSON

#: ttrDefName -> seconds to respond (LivePerson's defaults are per account; these are the mock's).
TTR_SECONDS = {"URGENT": 300, "PRIORITIZED": 600, "NORMAL": 3600, "CUSTOM": 600}
SEQUENCED_EVENTS = ("ContentEvent", "RichContentEvent", "AcceptStatusEvent")


@dataclass(frozen=True, slots=True)
class Change:
    """What just happened: a conversation changed (``event`` None) or an event was published."""

    account: Account
    conversation: Conversation
    event: Event | None = None
    features: tuple[str, ...] = ()  # Client-Properties features of the consumer request that made it, if any


Listener = Callable[[Change], None]


def _require_open(conversation: Conversation) -> None:
    if not conversation.is_open or conversation.state != "OPEN":
        raise ConversationClosed(f"conversation {conversation.conversation_id} is closed")


class Messaging:
    """Owns the conversation lifecycle for every account."""

    def __init__(self, clock: Clock, ids: Ids, conversations_limit: int = CONVERSATIONS_PER_ACCOUNT) -> None:
        self._clock = clock
        self._ids = ids
        #: Conversations kept per account; the oldest closed go first, and when all are open a new one is refused.
        self.conversations_limit = max(1, conversations_limit)
        self.refused_at_limit = 0
        self.listeners: list[Listener] = []

    def _announce(self, change: Change) -> None:
        for listener in list(self.listeners):
            listener(change)

    def _touch(self, conversation: Conversation, *dialogs: Dialog) -> int:
        now = self._clock.now_ms()
        conversation.meta_data_last_update_ts = now
        for dialog in dialogs:
            dialog.meta_data_last_update_ts = now
        return now

    # -- consumer side -------------------------------------------------------------------------

    def open_conflict(self, account: Account, consumer_id: str) -> str | None:
        """LivePerson's refusal text if this consumer already has an open conversation."""
        if consumer_id in account.open_by_consumer:
            return (
                f"Consumer request conversation failed: User {consumer_id} already has open conversation. "
                "Can't open another one."
            )
        return None

    def at_limit(self, account: Account) -> bool:
        """True when a new conversation cannot be kept: the account holds its limit, none of them closed."""
        full = len(account.conversations) >= self.conversations_limit and not account.closed
        if full:
            self.refused_at_limit += 1
        return full

    def request_conversation(
        self, account: Account, consumer_id: str, client_id: str, body: JSON, features: tuple[str, ...]
    ) -> Conversation:
        """Open a conversation (cm.ConsumerRequestConversation); the caller checked ``open_conflict``."""
        ttr_name = str(body.get("ttrDefName") or "PRIORITIZED")
        skill = body.get("skillId")
        conversation = self._open(
            account,
            consumer_id,
            client_id,
            skill_id="-1" if skill is None else str(skill),
            ttr={"ttrType": ttr_name, "value": TTR_SECONDS.get(ttr_name, 600)},
            request=body,
            features=features,
        )
        self._announce(Change(account, conversation))
        return conversation

    def _open(
        self,
        account: Account,
        consumer_id: str,
        client_id: str,
        *,
        skill_id: str,
        ttr: JSON,
        request: JSON,
        features: tuple[str, ...],
        agent_id: str | None = None,
    ) -> Conversation:
        now = self._clock.now_ms()
        conversation_id = self._ids.uuid()
        people = [Participant(id=consumer_id, role="CONSUMER")]
        if agent_id is not None:
            people.append(Participant(id=agent_id, role="ASSIGNED_AGENT"))
        main = Dialog(
            dialog_id=conversation_id,
            dialog_type="MAIN",
            creation_ts=now,
            participants=[Participant(p.id, p.role) for p in people],
            meta_data_last_update_ts=now,
        )
        conversation = Conversation(
            conversation_id=conversation_id,
            account_id=account.account_id,
            consumer_id=consumer_id,
            client_id=client_id,
            start_ts=now,
            skill_id=skill_id,
            ttr=ttr,
            dialogs=[main],
            participants=people,
            request=request,
            meta_data_last_update_ts=now,
            routed_ts=now,
            features=features,
        )
        if agent_id is not None:
            conversation.remember_join(Joined(agent_id, "ASSIGNED_AGENT", now))
        if (consumer := account.consumers.get(consumer_id)) is not None:
            conversation.first = consumer.conversations == 0
            consumer.conversations += 1
        account.opened(conversation)
        account.forget_closed(self.conversations_limit)
        return conversation

    def resume(self, account: Account, closed: Conversation, agent_id: str) -> Conversation:
        """An agent resumes a closed conversation: a *new* conversation for the same consumer, agent assigned.

        [INFERRED] the new conversation keeps the old one's installation, skill, TTR and features, and
        is announced once, already OPEN with the agent assigned (the notes: "new convId, state OPEN").
        """
        if closed.is_open:
            raise NotClosed(
                f"conversation {closed.conversation_id} is not closed (stage {closed.stage}); "
                "only a closed conversation can be resumed",
            )
        if (conflict := self.open_conflict(account, closed.consumer_id)) is not None:
            raise AlreadyOpen(
                f"the consumer already has open conversation {account.open_by_consumer[closed.consumer_id]}; "
                "LivePerson allows one open conversation per consumer: close it first or write in it",
                msg=conflict,
            )
        conversation = self._open(
            account,
            closed.consumer_id,
            closed.client_id,
            skill_id=closed.skill_id,
            ttr=dict(closed.ttr),
            request=closed.request,
            features=closed.features,
            agent_id=agent_id,
        )
        conversation.resumed_from = closed.conversation_id
        self._announce(Change(account, conversation))
        return conversation

    def publish(
        self,
        account: Account,
        conversation: Conversation,
        dialog: Dialog,
        participant: Participant,
        event: JSON,
        *,
        metadata: list[JSON] | None = None,
        audience: str = "ALL",
        features: tuple[str, ...] = (),
    ) -> Event:
        """Publish one event into an open dialog; sequenced events take the dialog's next number.

        ``features``: the Client-Properties features of the consumer request that publishes it.
        """
        if dialog.state != "OPEN" or not conversation.is_open:
            raise ConversationClosed(
                f"dialog {dialog.dialog_id} of conversation {conversation.conversation_id} is closed"
            )
        if event.get("type") == "ChatStateEvent" and dialog.dialog_type == "POST_SURVEY":
            raise NotAccepted("ChatStateEvents are not accepted in a POST_SURVEY dialog")
        sequenced = event.get("type") in SEQUENCED_EVENTS
        published = Event(
            dialog_id=dialog.dialog_id,
            originator_id=participant.id,
            role=participant.role,
            event=event,
            server_timestamp=self._clock.now_ms(),
            sequence=dialog.take_sequence() if sequenced else None,
            metadata=metadata,
            message_audience=audience,
        )
        if sequenced:
            dialog.events.append(published)
        elif event.get("type") == "ChatStateEvent":
            conversation.chat_states[participant.id] = ChatState(
                str(event.get("chatState")), published.server_timestamp, dialog.dialog_id, dialog.next_sequence
            )
        self._announce(Change(account, conversation, published, features))
        return published

    def close(self, account: Account, conversation: Conversation, by: str, *, survey: bool = False) -> None:
        """Close the conversation's MAIN dialog (by CONSUMER, AGENT or SYSTEM); optionally open a survey."""
        _require_open(conversation)
        now = self._touch(conversation, conversation.main)
        self._close_dialog(conversation.main, by, "Closed by " + by.lower(), now)
        conversation.state = "CLOSE"
        conversation.close_reason = by
        if survey:
            bot = Participant(id=self._ids.uuid(), role="AGENT")
            dialog = Dialog(
                dialog_id=self._ids.short(),
                dialog_type="POST_SURVEY",
                creation_ts=now,
                participants=[Participant(id=conversation.consumer_id, role="CONSUMER"), bot],
                meta_data_last_update_ts=now,
                meta_data={"appInstallId": self._ids.uuid()},
            )
            conversation.dialogs.append(dialog)
            account.survey_dialogs[dialog.dialog_id] = conversation.conversation_id
        else:
            self._finish(account, conversation, now)
        self._announce(Change(account, conversation))

    def close_dialog_named(
        self, account: Account, conversation: Conversation, dialog_id: str, by: str, cause: str, *, survey: bool = False
    ) -> None:
        """A ``DialogChange`` (either side); ``survey``: closing MAIN opens the post-conversation survey."""
        if (dialog := conversation.dialog(dialog_id)) is None:
            path, where = "$.body.conversationField.dialog.dialogId", conversation.conversation_id
            raise UnknownDialog(f"dialog {dialog_id!r} is not part of conversation {where}", path=path)
        if survey and dialog.dialog_type == "MAIN":
            self.close(account, conversation, by, survey=True)
        else:
            self.close_dialog(account, conversation, dialog, by, cause)

    def close_dialog(self, account: Account, conversation: Conversation, dialog: Dialog, by: str, cause: str) -> None:
        """DialogChange: close one dialog; closing the last open one ends the conversation."""
        if dialog.state != "OPEN":
            raise ConversationClosed(f"dialog {dialog.dialog_id} is already closed")
        if dialog.dialog_type == "MAIN":
            self.close(account, conversation, by)
            return
        now = self._touch(conversation, dialog)
        self._close_dialog(dialog, by, cause, now)
        if all(d.state == "CLOSE" for d in conversation.dialogs):
            self._finish(account, conversation, now)
        self._announce(Change(account, conversation))

    def close_stage(self, account: Account, conversation: Conversation, by: str) -> None:
        """Stage CLOSE: end the whole conversation, every dialog, skipping any survey."""
        if not conversation.is_open:
            raise ConversationClosed(f"conversation {conversation.conversation_id} is closed")
        now = self._touch(conversation, *conversation.dialogs)
        for dialog in conversation.dialogs:
            if dialog.state == "OPEN":
                self._close_dialog(dialog, by, "Closed by " + by.lower(), now)
        conversation.state = "CLOSE"
        conversation.close_reason = conversation.close_reason or by
        self._finish(account, conversation, now)
        self._announce(Change(account, conversation))

    def _close_dialog(self, dialog: Dialog, by: str, cause: str, now: int) -> None:
        dialog.state = "CLOSE"
        dialog.end_ts = now
        dialog.closed_by = by
        dialog.closed_cause = cause

    def _finish(self, account: Account, conversation: Conversation, now: int) -> None:
        conversation.stage = "CLOSE"
        conversation.end_ts = now
        account.finished(conversation)

    def set_ttr(self, account: Account, conversation: Conversation, ttr_type: str, value: int) -> None:
        self._touch(conversation)
        conversation.ttr = {"ttrType": ttr_type, "value": value}
        self._announce(Change(account, conversation))

    def set_csat(self, account: Account, conversation: Conversation, csat: JSON) -> None:
        """CSATRate: allowed on a closed conversation (that is when the legacy survey is sent)."""
        self._touch(conversation)
        conversation.csat = csat
        self._announce(Change(account, conversation))

    # -- agent side ----------------------------------------------------------------------------

    def join(self, account: Account, conversation: Conversation, agent_id: str, role: str = "ASSIGNED_AGENT") -> None:
        """An agent accepts the ring (or a manager/reader joins): participants and MAIN dialog gain it."""
        _require_open(conversation)
        if role == "ASSIGNED_AGENT" and (current := conversation.agent()) is not None:
            if current.id == agent_id:
                return
            raise AgentAssigned(f"agent {current.id} is already assigned; transfer first")
        if any(p.id == agent_id and p.role == role for p in conversation.participants):
            return
        now = self._touch(conversation, conversation.main)
        conversation.remember_join(Joined(agent_id, role, now))
        main = conversation.main  # a SUGGESTED agent (a transfer to it) becomes the ACTIVE one
        main.participants = [p for p in main.participants if not (p.id == agent_id and p.state == "SUGGESTED")]
        joined = Participant(id=agent_id, role=role)
        if role == "CONTROLLER":  # LivePerson lists the controller first (the notes' Appendix B vector)
            conversation.participants.insert(0, joined)
        else:
            conversation.participants.append(joined)
        conversation.main.participants.append(Participant(id=agent_id, role=role))
        self._announce(Change(account, conversation))

    def leave(self, account: Account, conversation: Conversation, participant_id: str, role: str) -> None:
        """A manager or reader leaves (ParticipantsChange REMOVE)."""
        _require_open(conversation)
        if not any(p.id == participant_id and p.role == role for p in conversation.participants):
            raise NotParticipant(f"{participant_id} is not a {role} of conversation {conversation.conversation_id}")
        self._touch(conversation, conversation.main)
        conversation.participants = [
            p for p in conversation.participants if not (p.id == participant_id and p.role == role)
        ]
        main = conversation.main
        main.participants = [p for p in main.participants if not (p.id == participant_id and p.role == role)]
        self._announce(Change(account, conversation))

    def suggest(self, account: Account, conversation: Conversation, agent_id: str, skill_id: str) -> None:
        """Transfer to one agent (v2.1 SUGGEST): the assigned agent leaves, the target waits in the MAIN
        dialog as ASSIGNED_AGENT with state SUGGESTED until it accepts (not in the conversation's list)."""
        _require_open(conversation)
        conversation.routed_ts = self._touch(conversation, conversation.main)
        conversation.participants = [p for p in conversation.participants if p.role != "ASSIGNED_AGENT"]
        main = conversation.main
        main.participants = [p for p in main.participants if p.role != "ASSIGNED_AGENT"]
        main.participants.append(Participant(id=agent_id, role="ASSIGNED_AGENT", state="SUGGESTED"))
        conversation.skill_id = skill_id
        self._announce(Change(account, conversation))

    def agent_request(self, account: Account, consumer_id: str, client_id: str, agent_id: str) -> Conversation:
        """AgentRequestConversation: the agent opens a conversation with a known consumer, assigned to it."""
        if (conflict := self.open_conflict(account, consumer_id)) is not None:
            raise AlreadyOpen(
                f"the consumer already has open conversation {account.open_by_consumer[consumer_id]}", msg=conflict
            )
        conversation = self._open(
            account,
            consumer_id,
            client_id,
            skill_id="-1",
            ttr={"ttrType": "PRIORITIZED", "value": TTR_SECONDS["PRIORITIZED"]},
            request={"channelType": "MESSAGING"},
            features=(),
            agent_id=agent_id,
        )
        self._announce(Change(account, conversation))
        return conversation

    def transfer(self, account: Account, conversation: Conversation, skill_id: str) -> None:
        """Back to the queue or to another skill: the assigned agent leaves, the TTR restarts."""
        _require_open(conversation)
        conversation.routed_ts = self._touch(conversation, conversation.main)
        leaving = conversation.agent()
        conversation.remember_transfer(
            Transfer(conversation.routed_ts, conversation.skill_id, skill_id, leaving.id if leaving else None)
        )
        conversation.participants = [p for p in conversation.participants if p.role != "ASSIGNED_AGENT"]
        conversation.main.participants = [p for p in conversation.main.participants if p.role != "ASSIGNED_AGENT"]
        conversation.skill_id = skill_id
        self._announce(Change(account, conversation))

    def effective_ttr(self, conversation: Conversation) -> int:
        """Epoch ms of the response deadline, counted from the last routing change; -1 once closed."""
        if conversation.state == "CLOSE":
            return -1
        return conversation.routed_ts + int(conversation.ttr["value"]) * 1000
