"""What the agent's workspace shows of a conversation: receipts per agent message, the consumer typing.

LivePerson's agent sees, beside each message it sent, whether the consumer's side accepted
(ACCEPT: delivered) and read (READ) it, and sees when the consumer is typing. Both come from the
consumer's AcceptStatusEvents and ChatStateEvents, so a test (or the console) can assert the
overview's "see SENT, READ and RECEIVED" and "see that the consumer is typing" rows without
reading raw events. Timestamps are the mock clock's epoch milliseconds.
"""

from __future__ import annotations

from mockcc.state.models import Conversation, Dialog
from mockcc.types import JSON

MESSAGES = ("ContentEvent", "RichContentEvent")
#: Receipt statuses the view reports, by the key it reports them under.
RECEIPT_KEYS = {"ACCEPT": "accepted", "READ": "read"}


def _receipts(dialog: Dialog) -> dict[int, dict[str, int]]:
    """sequence -> {"accepted": ts, "read": ts}: the first consumer receipt of each kind."""
    seen: dict[int, dict[str, int]] = {}
    for event in dialog.events:
        if event.role != "CONSUMER" or event.event.get("type") != "AcceptStatusEvent":
            continue
        key = RECEIPT_KEYS.get(str(event.event.get("status")))
        if key is None:
            continue
        for sequence in event.event.get("sequenceList") or []:
            seen.setdefault(sequence, {}).setdefault(key, event.server_timestamp)
    return seen


def _messages(dialog: Dialog) -> list[JSON]:
    receipts = _receipts(dialog)
    out: list[JSON] = []
    for event in dialog.events:
        if event.role == "CONSUMER" or event.event.get("type") not in MESSAGES or event.sequence is None:
            continue
        got = receipts.get(event.sequence, {})
        read, accepted = got.get("read"), got.get("accepted")
        out.append(
            {
                "dialogId": dialog.dialog_id,
                "sequence": event.sequence,
                "originatorId": event.originator_id,
                "role": event.role,
                "event": event.event,
                "messageAudience": event.message_audience,
                "status": "READ" if read is not None else "ACCEPT" if accepted is not None else "SENT",
                "sent": event.server_timestamp,
                "accepted": accepted,
                "read": read,
            }
        )
    return out


def _consumer_typing(conversation: Conversation) -> JSON:
    """The consumer's last chat state; typing until it says otherwise or sends a message."""
    state = conversation.chat_states.get(conversation.consumer_id)
    if state is None:
        return {"typing": False, "chatState": None, "since": None}
    dialog = conversation.dialog(state.dialog_id)
    wrote_since = dialog is not None and any(
        e.role == "CONSUMER" and e.event.get("type") in MESSAGES and (e.sequence or 0) >= state.next_sequence
        for e in dialog.events
    )
    typing = state.chat_state == "COMPOSING" and not wrote_since and conversation.state == "OPEN"
    return {"typing": typing, "chatState": state.chat_state, "since": state.ts}


def agent_view(conversation: Conversation) -> JSON:
    """The agent's view of ``conversation`` (every dialog's agent-side messages, in order)."""
    agent = conversation.agent()
    return {
        "conversationId": conversation.conversation_id,
        "consumerId": conversation.consumer_id,
        "state": conversation.state,
        "stage": conversation.stage,
        "skillId": conversation.skill_id,
        "agentId": agent.id if agent is not None else None,
        "participants": [{"id": p.id, "role": p.role} for p in conversation.participants],
        "resumedFrom": conversation.resumed_from,
        "messages": [m for dialog in conversation.dialogs for m in _messages(dialog)],
        "consumer": _consumer_typing(conversation),
    }
