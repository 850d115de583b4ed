"""Agent actions (join, type, read, reply, transfer, close), the way Agent Workspace does them.

The control plane, the scripted bots and a console all act through ``AgentDesk``; each action
changes state through ``Messaging`` and so reaches the connector as LivePerson's webhooks.
"""

from __future__ import annotations

from mockcc.errors import NoAgent, UnknownDialog, UnknownSequence
from mockcc.ids import Ids
from mockcc.messaging import Messaging
from mockcc.state.models import Account, Conversation, Dialog, Event, Participant
from mockcc.types import JSON

AGENT_CHAT_STATES = ("COMPOSING", "ACTIVE", "PAUSE", "INACTIVE", "GONE")
RECEIPTS = ("ACCEPT", "READ", "ACCESS", "NACK", "ACTION")
PRIVATE = "AGENTS_AND_MANAGERS"


class AgentDesk:
    """Acts as the agent (or a survey bot, or the system) on any conversation."""

    def __init__(self, messaging: Messaging, ids: Ids) -> None:
        self._messaging = messaging
        self._ids = ids

    def join(
        self, account: Account, conversation: Conversation, agent_id: str | None = None, role: str = "ASSIGNED_AGENT"
    ) -> str:
        agent_id = agent_id or self._ids.uuid()
        self._messaging.join(account, conversation, agent_id, role)
        return agent_id

    def _speaker(self, conversation: Conversation, dialog: Dialog) -> Participant:
        """The assigned agent in MAIN; the survey bot in a POST_SURVEY dialog."""
        if dialog.dialog_type == "POST_SURVEY":
            return next(p for p in dialog.participants if p.role == "AGENT")
        agent = conversation.agent()
        if agent is None:
            raise NoAgent(f"no agent has joined conversation {conversation.conversation_id}; join first")
        return agent

    def _dialog(self, conversation: Conversation, dialog_id: str | None) -> Dialog:
        if dialog_id is None:
            open_dialogs = [d for d in conversation.dialogs if d.state == "OPEN"]
            return open_dialogs[-1] if open_dialogs else conversation.main
        dialog = conversation.dialog(dialog_id)
        if dialog is None:
            raise UnknownDialog(f"dialog {dialog_id!r} is not part of conversation {conversation.conversation_id}")
        return dialog

    def publish(
        self,
        account: Account,
        conversation: Conversation,
        event: JSON,
        *,
        dialog_id: str | None = None,
        metadata: list[JSON] | None = None,
        audience: str = "ALL",
    ) -> Event:
        dialog = self._dialog(conversation, dialog_id)
        speaker = self._speaker(conversation, dialog)
        return self._messaging.publish(
            account, conversation, dialog, speaker, event, metadata=metadata, audience=audience
        )

    def chat_state(self, account: Account, conversation: Conversation, state: str) -> Event:
        return self.publish(account, conversation, {"type": "ChatStateEvent", "chatState": state})

    def receipt(
        self,
        account: Account,
        conversation: Conversation,
        status: str,
        sequences: list[int],
        dialog_id: str | None = None,
    ) -> Event:
        dialog = self._dialog(conversation, dialog_id)
        unknown = [s for s in sequences if s >= dialog.next_sequence]
        if unknown:
            raise UnknownSequence(
                f"sequences {unknown} do not exist yet in dialog {dialog.dialog_id}",
                expected=f"< {dialog.next_sequence}",
            )
        event = {"type": "AcceptStatusEvent", "status": status, "sequenceList": sequences}
        return self.publish(account, conversation, event, dialog_id=dialog.dialog_id)

    def read_all(self, account: Account, conversation: Conversation, *statuses: str) -> list[int]:
        """Acknowledge every consumer event the agent has not yet acknowledged with ``statuses``."""
        dialog = conversation.main
        acked = {
            s
            for e in dialog.events
            if e.role != "CONSUMER"
            and e.event.get("type") == "AcceptStatusEvent"
            and e.event.get("status") == statuses[-1]
            for s in e.event.get("sequenceList", [])
        }
        pending = [
            e.sequence
            for e in dialog.events
            if e.role == "CONSUMER"
            and e.sequence is not None
            and e.event.get("type") != "AcceptStatusEvent"
            and e.sequence not in acked
        ]
        if pending:
            for status in statuses:
                self.receipt(account, conversation, status, pending)
        return pending

    def text(
        self,
        account: Account,
        conversation: Conversation,
        text: str,
        *,
        dialog_id: str | None = None,
        metadata: list[JSON] | None = None,
        quick_replies: JSON | None = None,
        private: bool = False,
    ) -> Event:
        event: JSON = {"type": "ContentEvent", "message": text, "contentType": "text/plain"}
        if quick_replies is not None:
            event["quickReplies"] = quick_replies
        return self.publish(
            account, conversation, event, dialog_id=dialog_id, metadata=metadata, audience=PRIVATE if private else "ALL"
        )

    def rich_content(
        self, account: Account, conversation: Conversation, content: JSON, *, metadata: list[JSON] | None = None
    ) -> Event:
        return self.publish(account, conversation, {"type": "RichContentEvent", "content": content}, metadata=metadata)

    def file(self, account: Account, conversation: Conversation, message: JSON) -> Event:
        return self.publish(
            account, conversation, {"type": "ContentEvent", "contentType": "hosted/file", "message": message}
        )

    def resume(
        self, account: Account, closed: Conversation, text: str, agent_id: str | None = None
    ) -> tuple[Conversation, Event]:
        """Resume a closed conversation: LivePerson opens a new one, agent assigned, then the agent writes.

        The agent is ``agent_id``, else the closed conversation's last assigned agent, else a new one.
        """
        if agent_id is None:
            last = closed.agent()
            agent_id = last.id if last is not None else self._ids.uuid()
        conversation = self._messaging.resume(account, closed, agent_id)
        return conversation, self.text(account, conversation, text)

    def transfer(self, account: Account, conversation: Conversation, skill_id: str) -> None:
        self._messaging.transfer(account, conversation, skill_id)

    def close(self, account: Account, conversation: Conversation, *, survey: bool = False) -> None:
        """Close as the agent; a second close while a survey runs completes the survey."""
        survey_dialog = next(
            (d for d in conversation.dialogs if d.dialog_type == "POST_SURVEY" and d.state == "OPEN"), None
        )
        if conversation.state == "CLOSE" and survey_dialog is not None:
            self._messaging.close_dialog(account, conversation, survey_dialog, "AGENT", "Completed")
            return
        self._messaging.close(account, conversation, "AGENT", survey=survey)

    def system_close(self, account: Account, conversation: Conversation) -> None:
        """The system's auto-close (idle dialogs): every dialog, closeReason SYSTEM."""
        self._messaging.close_stage(account, conversation, "SYSTEM")
