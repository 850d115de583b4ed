"""The notification frames a socket subscriber gets, built from the webhooks' own builders.

A socket notification is the webhook's body plus what subscribers need (§2.1, §7 of the notes):
the subscription's id on conversation changes, ``originatorPId`` and a body-level ``dialogId`` on
messaging events. Types are the ones LivePerson's Agent SDK listens for (§7.3).
"""

from __future__ import annotations

from mockcc.agent.routing import Ring, Task
from mockcc.state.models import Conversation, Event
from mockcc.streams.outbox import encode
from mockcc.types import JSON
from mockcc.webhooks.notifications import CONVERSATION_KEY, MESSAGING_TYPE, conversation_details, messaging_change


def notification(kind: str, body: JSON) -> JSON:
    return {"kind": "notification", "type": kind, "body": body}


def event_change(conversation: Conversation, event: Event) -> JSON:
    """One ``changes[]`` item of a MessagingEventNotification (also QueryMessages' replay)."""
    change = messaging_change(conversation, event)
    change["originatorPId"] = event.originator_id
    return change


def events_notification(dialog_id: str, changes: list[JSON]) -> JSON:
    return notification(MESSAGING_TYPE, {"changes": changes, "dialogId": dialog_id})


#: The events ``lastContentEventNotification`` names: messages, not receipts or chat states.
CONTENT_EVENTS = ("ContentEvent", "RichContentEvent")


def last_content(conversation: Conversation, *, private: bool) -> Event | None:
    """The conversation's newest message over its dialogs; ``private``: agents also hear AGENTS_AND_MANAGERS."""
    latest: Event | None = None
    for dialog in conversation.dialogs:
        for event in reversed(dialog.events):
            if event.event.get("type") in CONTENT_EVENTS and (private or event.message_audience == "ALL"):
                if latest is None or event.server_timestamp >= latest.server_timestamp:
                    latest = event
                break
    return latest


def conversation_result(conversation: Conversation, effective_ttr: int, *, private: bool) -> JSON:
    """The ``result`` of an ExConversation change: the whole conversation as it is now, and its newest
    message as ``lastContentEventNotification`` (one messaging change, as LivePerson's UPSERTs carry it;
    absent before the first message). ``private``: for an agent's socket (private messages count)."""
    result: JSON = {
        "convId": conversation.conversation_id,
        "effectiveTTR": effective_ttr,
        "conversationDetails": conversation_details(conversation),
    }
    latest = last_content(conversation, private=private)
    if latest is not None:
        result["lastContentEventNotification"] = event_change(conversation, latest)
    return result


def conversations_notification(subscription_id: str, changes: list[JSON]) -> JSON:
    return notification(CONVERSATION_KEY, {"subscriptionId": subscription_id, "changes": changes})


_CONVERSATIONS_HEAD = encode(notification(CONVERSATION_KEY, {}))[:-3]  # {"kind":...,"body":


def conversations_text(subscription_id: str, encoded_changes: list[str]) -> str:
    """``conversations_notification`` already encoded, around changes encoded once for many subscribers
    (the same text ``encode(conversations_notification(...))`` gives)."""
    changes = ",".join(encoded_changes)
    return f'{_CONVERSATIONS_HEAD}{{"subscriptionId":{encode(subscription_id)},"changes":[{changes}]}}}}'


#: The types the SDK listens for after its renaming (§7.3): it renames ``.ams.routing.*`` to ``routing.*``.
ROUTING_TYPE = ".ams.routing.RoutingTaskNotification"
AGENT_STATE_TYPE = ".ams.routing.AgentStateNotification"


def routing_notification(subscription_id: str, task: Task | None, rings: list[Ring]) -> JSON:
    """A RoutingTaskNotification UPSERT: the task and this agent's ring(s) (§3.3 of the notes); none: ``[]``."""
    if task is None or not rings:
        return notification(ROUTING_TYPE, {"subscriptionId": subscription_id, "changes": []})
    result = {
        "routingTaskId": task.task_id,
        "taskCompleted": task.completed,
        "conversationId": task.conversation_id,
        "consumerId": task.consumer_id,
        "skillId": task.skill_id,
        "ringsDetails": [
            {
                "ringId": r.ring_id,
                "ringState": r.state,
                "ringExpiration": r.expires_ms - r.created_ms,
                "ringExpirationTs": r.expires_ms,
                "weight": r.created_ms,
            }
            for r in rings
        ],
    }
    return notification(
        ROUTING_TYPE, {"subscriptionId": subscription_id, "changes": [{"type": "UPSERT", "result": result}]}
    )


def agent_state_notification(subscription_id: str, availability: str) -> JSON:
    result = {"channels": ["MESSAGING"], "availability": availability, "description": ""}
    return notification(
        AGENT_STATE_TYPE, {"subscriptionId": subscription_id, "changes": [{"type": "UPSERT", "result": result}]}
    )
