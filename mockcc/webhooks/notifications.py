"""Builders: mock state -> the exact notification bodies LivePerson's Webhooks service POSTs.

This is the one place where state attributes become LivePerson's wire keys (§5.4 of the notes).
Each builder returns the notification and the ``capabilities.webhooks`` key it is routed by.
"""

from __future__ import annotations

import uuid

from mockcc.state.models import Conversation, Dialog, Event, Participant
from mockcc.types import JSON

CONVERSATION_KEY = "cqm.ExConversationChangeNotification"
MESSAGING_TYPE = "ms.MessagingEventNotification"


def subscription_id(client_id: str) -> str:
    """A stable subscription id per installation (LivePerson sends one on newer notifications)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockcc:webhooks:{client_id}"))


def _participants(participants: list[Participant], *, with_state: bool) -> list[JSON]:
    if with_state:
        return [{"id": p.id, "role": p.role, "state": p.state} for p in participants]
    return [{"id": p.id, "role": p.role} for p in participants]


def _dialog(dialog: Dialog) -> JSON:
    out: JSON = {
        "dialogId": dialog.dialog_id,
        "participantsDetails": _participants(dialog.participants, with_state=True),
        "dialogType": dialog.dialog_type,
        "channelType": "MESSAGING",
        "state": dialog.state,
        "creationTs": dialog.creation_ts,
    }
    if dialog.end_ts is not None:
        out["endTs"] = dialog.end_ts
    out["metaDataLastUpdateTs"] = dialog.meta_data_last_update_ts
    if dialog.closed_by:
        out["closedBy"] = dialog.closed_by
    if dialog.closed_cause and dialog.dialog_type != "MAIN":
        out["closedCause"] = dialog.closed_cause
    if dialog.meta_data:
        out["metaData"] = dialog.meta_data
    return out


def conversation_details(conversation: Conversation) -> JSON:
    """``result.conversationDetails`` of an ExConversationChangeNotification (2019+ shape)."""
    details: JSON = {
        "skillId": conversation.skill_id,
        "participants": _participants(conversation.participants, with_state=False),
        "dialogs": [_dialog(d) for d in conversation.dialogs],
        "brandId": conversation.account_id,
        "state": conversation.state,
        "stage": conversation.stage,
    }
    if conversation.close_reason:
        details["closeReason"] = conversation.close_reason
    details["startTs"] = conversation.start_ts
    if conversation.end_ts is not None:
        details["endTs"] = conversation.end_ts
    details["metaDataLastUpdateTs"] = conversation.meta_data_last_update_ts
    details["ttr"] = dict(conversation.ttr)
    if conversation.csat is not None:
        details["csat"] = dict(conversation.csat)
    details["conversationHandlerDetails"] = {"accountId": conversation.account_id, "skillId": conversation.skill_id}
    return details


def conversation_change(conversation: Conversation, effective_ttr: int) -> tuple[str, JSON]:
    """A ``cqm.ExConversationChangeNotification`` UPSERT for the conversation as it is now."""
    result = {
        "convId": conversation.conversation_id,
        "effectiveTTR": effective_ttr,
        "conversationDetails": conversation_details(conversation),
    }
    body = {
        "subscriptionId": subscription_id(conversation.client_id),
        "changes": [{"type": "UPSERT", "result": result}],
    }
    return CONVERSATION_KEY, {"kind": "notification", "body": body, "type": CONVERSATION_KEY}


def messaging_key(event: Event) -> str:
    """The ``capabilities.webhooks`` key an event's notification is routed by."""
    return f"{MESSAGING_TYPE}.{event.event['type']}"


def messaging_event(conversation: Conversation, event: Event) -> tuple[str, JSON]:
    """A ``ms.MessagingEventNotification`` for one event."""
    body = {"changes": [messaging_change(conversation, event)]}
    return messaging_key(event), {"kind": "notification", "body": body, "type": MESSAGING_TYPE}


def messaging_change(conversation: Conversation, event: Event) -> JSON:
    """One ``changes[]`` item of a MessagingEventNotification; ChatStateEvents carry no sequence or timestamp."""
    change: JSON = {}
    if event.sequence is not None:
        change["sequence"] = event.sequence
    change["originatorId"] = event.originator_id
    change["originatorMetadata"] = {"id": event.originator_id, "role": event.role}
    if event.sequence is not None:
        change["serverTimestamp"] = event.server_timestamp
    change["event"] = event.event
    change["conversationId"] = conversation.conversation_id
    change["dialogId"] = event.dialog_id
    change["messageAudience"] = event.message_audience
    if event.metadata is not None:
        change["metadata"] = event.metadata
    return change
