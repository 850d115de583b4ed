"""A conversation as Messaging History (Messaging Interactions API) shows it, built from the mock's state.

The shape is LivePerson's documented ``conversationHistoryRecords[]`` item (docs/messaging-history.md
says which keys are documented and which values are the mock's inference). No HTTP here: the endpoint
(``services/msghist.py``) chooses the conversations and the parts; this module only renders them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from mockcc.state.models import Account, Conversation, Dialog, Event
from mockcc.types import JSON

#: What a record carries when the request names no ``contentToRetrieve`` (LivePerson's documented default).
DEFAULT_PARTS = (
    "campaign",
    "messageRecords",
    "agentParticipants",
    "agentParticipantsLeave",
    "agentParticipantsActive",
    "consumerParticipants",
    "transfers",
    "interactions",
    "messageScores",
    "messageStatuses",
    "conversationSurveys",
    "coBrowseSessions",
    "summary",
    "sdes",
)
#: Every part a request may name (LivePerson's documented contentToRetrieve values).
PARTS = (*DEFAULT_PARTS, "unAuthSdes", "monitoring", "responseTime")
#: SetUserProfile SDE type -> (history key, sdeType, field renames); the Send API takes these two types.
SDE_TYPES = {
    "ctmrinfo": ("customerInfo", "CUSTOMER_INFO", {"cstatus": "customerStatus", "ctype": "customerType"}),
    "personal": ("personalInfo", "PERSONAL_INFO", {"firstname": "name", "lastname": "surname", "age": "customerAge"}),
}
AGENT_ROLES = ("ASSIGNED_AGENT", "AGENT", "MANAGER", "READER", "CONTROLLER")

Ttr = Callable[[Conversation], int]


def time_text(ms: int) -> str:
    """LivePerson's history time format: ``2016-08-29 14:30:24.565+0000`` (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}+0000"


def _at(ms: int, key: str = "time") -> JSON:
    return {key: time_text(ms), f"{key}L": ms}


def message_id(conversation: Conversation, dialog_id: str, sequence: int | None) -> str:
    """``ms::conv:<conv>::msg:<seq>`` as in LivePerson's example; a survey dialog's messages name the dialog
    instead (inferred: the documented example has only MAIN-dialog messages)."""
    main = dialog_id == conversation.conversation_id
    where = f"conv:{conversation.conversation_id}" if main else f"dialog:{dialog_id}"
    return f"ms::{where}::msg:{sequence}"


def _side(role: str) -> str:
    return "Consumer" if role == "CONSUMER" else "Agent"


def _skill(skill_id: str) -> int:
    return int(skill_id) if skill_id.lstrip("-").isdigit() else -1


def _skill_name(skill_id: str) -> str:
    """[INFERRED] the mock has no skill names: -1 is LivePerson's "Unassigned", others their id."""
    return "Unassigned" if _skill(skill_id) == -1 else skill_id


def _events(conversation: Conversation) -> Iterator[tuple[Dialog, Event]]:
    for dialog in conversation.dialogs:
        for event in dialog.events:
            yield dialog, event


def _content(event: JSON) -> tuple[str, JSON] | None:
    """(record type, messageData) of a content event; None for receipts."""
    kind = event.get("type")
    if kind == "RichContentEvent":
        return "RICH_CONTENT", {"richContent": {"content": json.dumps(event.get("content", event.get("message")))}}
    if kind != "ContentEvent":
        return None
    content_type = str(event.get("contentType", "text/plain"))
    message = event.get("message")
    if content_type == "hosted/file" and isinstance(message, dict):
        file = {k: message[k] for k in ("caption", "relativePath", "fileType", "preview") if k in message}
        data: JSON = {"file": file}
    else:
        data = {"msg": {"text": message if isinstance(message, str) else json.dumps(message)}}
    if isinstance(event.get("quickReplies"), dict):
        data["quickReplies"] = {"content": json.dumps(event["quickReplies"])}
    return content_type.upper().replace("/", "_").replace("-", "_"), data


def _context(metadata: list[JSON] | None) -> JSON | None:
    """contextData: the raw metadata as a JSON string, and its BotResponse/ActionReason items structured."""
    if not metadata:
        return None
    structured: list[JSON] = []
    for item in metadata:
        if item.get("type") == "BotResponse":
            bot = {k: item[k] for k in ("externalConversationId", "businessCases", "intents") if k in item}
            structured.append({"botResponse": bot})
        elif item.get("type") == "ActionReason":
            structured.append({"actionReason": {"reason": item.get("reason")}})
    return {"rawMetadata": json.dumps(metadata), "structuredMetadata": structured}


def message_records(conversation: Conversation, source: str, limit: int | None = None) -> list[JSON]:
    """Every content event of every dialog, oldest first (at most ``limit``: the newest are dropped)."""
    records: list[JSON] = []
    for dialog, event in _events(conversation):
        content = _content(event.event)
        if content is None:
            continue
        record: JSON = {
            "type": content[0],
            "messageData": content[1],
            "messageId": message_id(conversation, dialog.dialog_id, event.sequence),
            "seq": event.sequence,
            "dialogId": dialog.dialog_id,
            "participantId": event.originator_id,
            "source": source,
            **_at(event.server_timestamp),
            "sentBy": _side(event.role),
        }
        if (context := _context(event.metadata)) is not None:
            record["contextData"] = context
        records.append(record)
    records.sort(key=lambda r: int(r["timeL"]))
    return records if limit is None else records[:limit]


def message_statuses(conversation: Conversation) -> list[JSON]:
    """One entry per sequence an AcceptStatusEvent names (ACCEPT, READ, ...), in time order."""
    statuses: list[JSON] = []
    for dialog, event in _events(conversation):
        if event.event.get("type") != "AcceptStatusEvent":
            continue
        for seq in event.event.get("sequenceList") or []:
            statuses.append(
                {
                    "messageId": message_id(conversation, dialog.dialog_id, seq),
                    "seq": seq,
                    "dialogId": dialog.dialog_id,
                    **_at(event.server_timestamp),
                    "participantId": event.originator_id,
                    "participantType": _side(event.role),
                    "messageDeliveryStatus": event.event.get("status"),
                }
            )
    return statuses


def _agent(participant_id: str, role: str, ms: int) -> JSON:
    """[INFERRED] the mock's agents have no login, nick or full names, nor groups: their id stands for
    each name, the group is LivePerson's "Unassigned" (-1); the controller bot is a System user."""
    system = role == "CONTROLLER"
    return {
        "agentId": participant_id,
        "agentLoginName": participant_id,
        "agentNickname": participant_id,
        "agentFullName": participant_id,
        "agentDeleted": False,
        **_at(ms),
        "role": role,
        "userType": "0" if system else "1",
        "userTypeName": "System" if system else "Human",
        "agentGroupId": -1,
        "agentGroupName": "Unassigned",
        "permission": role,
    }


def agent_participants(conversation: Conversation) -> tuple[list[JSON], list[JSON], list[JSON]]:
    """(everyone who joined, those still in, those who left), each in join order."""
    present = {(p.id, p.role) for p in conversation.participants}
    joined = [_agent(j.participant_id, j.role, j.ts) for j in conversation.joins if j.role in AGENT_ROLES]
    active = [a for a in joined if (a["agentId"], a["role"]) in present]
    left = [a for a in joined if (a["agentId"], a["role"]) not in present]
    return joined, active, left


def latest_agent(conversation: Conversation) -> str | None:
    """The agent most recently assigned (the one assigned now, else the last who was)."""
    current = conversation.agent()
    if current is not None:
        return current.id
    assigned = [j.participant_id for j in conversation.joins if j.role == "ASSIGNED_AGENT"]
    return assigned[-1] if assigned else None


def _sde_list(account: Account, conversation: Conversation) -> tuple[list[JSON], int]:
    consumer = account.consumers.get(conversation.consumer_id)
    if consumer is None:
        return [], conversation.start_ts
    data = consumer.profile.get("authenticatedData")
    sdes = data.get("lp_sdes") if isinstance(data, dict) else None
    return (sdes if isinstance(sdes, list) else []), consumer.profile_ts or conversation.start_ts


def sdes(account: Account, conversation: Conversation) -> JSON:
    """The consumer's SDEs (SetUserProfile's lp_sdes) as history's engagement attribute events."""
    items, ts = _sde_list(account, conversation)
    events: list[JSON] = []
    for sde in items:
        kind = sde.get("type")
        if kind not in SDE_TYPES:
            continue
        key, sde_type, renames = SDE_TYPES[kind]
        values = dict(sde.get("info" if kind == "ctmrinfo" else "personal") or {})
        fields = {renames.get(k, k): v for k, v in values.items() if k != "contacts"}
        if isinstance(values.get("contacts"), list):
            fields["contacts"] = [{"personalContact": c} for c in values["contacts"]]
        events.append({key: {"serverTimeStamp": str(ts), key: fields}, "sdeType": sde_type, "serverTimeStamp": str(ts)})
    return {"events": events}


def consumer_participants(account: Account, conversation: Conversation) -> list[JSON]:
    consumer = account.consumers.get(conversation.consumer_id)
    profile = consumer.profile if consumer is not None else {}
    personal: JSON = {}
    for sde in _sde_list(account, conversation)[0]:
        if sde.get("type") == "personal":
            personal = dict(sde.get("personal") or {})
    contacts = personal.get("contacts") if isinstance(personal.get("contacts"), list) else []
    contact = contacts[0] if contacts and isinstance(contacts[0], dict) else {}
    entry: JSON = {"participantId": conversation.consumer_id}
    first = profile.get("firstName") or personal.get("firstname")
    last = profile.get("lastName") or personal.get("lastname")
    found = {
        "firstName": first,
        "lastName": last,
        "email": contact.get("email"),
        "phone": contact.get("phone"),
        "avatarURL": profile.get("avatarUrl"),
    }
    entry.update({k: v for k, v in found.items() if v})
    updated = consumer.profile_ts if consumer is not None and consumer.profile_ts else conversation.start_ts
    entry.update({**_at(updated), **_at(conversation.start_ts, "joinTime")})
    if first or last:
        entry["consumerName"] = " ".join(str(n) for n in (first, last) if n)
    return [entry]


def transfers(conversation: Conversation) -> list[JSON]:
    out: list[JSON] = []
    for t in conversation.transfers:
        entry: JSON = {
            **_at(t.ts),
            "assignedAgentId": "null",
            "targetSkillId": _skill(t.target_skill),
            "targetSkillName": _skill_name(t.target_skill),
            "reason": "Skill" if t.source_agent is not None else "back2Q",
            "sourceSkillId": _skill(t.source_skill),
            "sourceSkillName": _skill_name(t.source_skill),
        }
        if t.source_agent is not None:
            entry.update(
                by=t.source_agent,
                sourceAgentId=t.source_agent,
                sourceAgentFullName=t.source_agent,
                sourceAgentLoginName=t.source_agent,
                sourceAgentNickname=t.source_agent,
            )
        out.append(entry)
    return out


def interactions(conversation: Conversation) -> list[JSON]:
    assigned = [j for j in conversation.joins if j.role == "ASSIGNED_AGENT"]
    return [
        {
            "assignedAgentId": j.participant_id,
            "assignedAgentFullName": j.participant_id,
            "assignedAgentLoginName": j.participant_id,
            "assignedAgentNickname": j.participant_id,
            **_at(j.ts, "interactionTime"),
            "interactiveSequence": n,
        }
        for n, j in enumerate(assigned, start=1)
    ]


def surveys(conversation: Conversation) -> list[JSON]:
    """The legacy CSAT (CSATRate) as a Satisfaction survey; a post-conversation survey dialog's
    consumer answers as its questions' answers (inferred: the mock's PCS has no question texts)."""
    out: list[JSON] = []
    csat = conversation.csat
    if csat is not None:
        data = [{"question": "CSAT", "answer": str(csat.get("csatRate"))}]
        if "csatResolutionConfirmation" in csat:
            answer = "Yes" if csat["csatResolutionConfirmation"] else "No"
            data.append({"question": "Confirm Resolution", "answer": answer})
        out.append({"surveyType": "Satisfaction", "surveyStatus": csat.get("status", "FILLED"), "surveyData": data})
    for dialog in conversation.dialogs[1:]:
        answers = [
            {"question": f"question {n}", "answer": str(e.event.get("message"))}
            for n, e in enumerate((e for e in dialog.events if e.role == "CONSUMER" and "message" in e.event), 1)
        ]
        status = "FILLED" if dialog.state == "CLOSE" and answers else "PARTIALLY_FILLED" if answers else "SKIPPED"
        out.append({"surveyType": "PostConversationSurvey", "surveyStatus": status, "surveyData": answers})
    return out
