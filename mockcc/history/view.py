"""One ``conversationHistoryRecords`` item: the conversation's ``info`` and the parts a request asked for."""

from __future__ import annotations

from mockcc.history import records
from mockcc.history.records import PARTS, Ttr, latest_agent, time_text
from mockcc.state.models import Account, Conversation
from mockcc.types import JSON

#: Messages a record in a *search* page carries at most; past it the record says ``isPartial`` and the
#: by-id method (which has no such cap) gives the rest, as LivePerson documents ``isPartial``.
SEARCH_MESSAGES = 500

#: conversationContext.type -> history ``source`` (inferred: Connector API and app contexts show as APP).
SOURCES = {"SharkContext": "SHARK", "MobileAppContext": "APP"}
#: Who closed -> ``closeReasonDescription`` (inferred: LivePerson's example shows MANUAL_CLOSE for an agent).
CLOSE_DESCRIPTIONS = {"AGENT": "MANUAL_CLOSE", "CONSUMER": "MANUAL_CLOSE", "SYSTEM": "AUTO_CLOSE"}


def source(conversation: Conversation) -> str:
    context = conversation.request.get("conversationContext")
    kind = context.get("type") if isinstance(context, dict) else None
    return SOURCES.get(str(kind), "APP")


def info(conversation: Conversation, now_ms: int, *, partial: bool) -> JSON:
    """``info``: times, status, latest agent and skill, close reason, CSAT, queue state."""
    main = conversation.main
    end = main.end_ts if conversation.state == "CLOSE" and main.end_ts is not None else -1
    full_end = conversation.end_ts if conversation.end_ts is not None else -1
    out: JSON = {
        "startTime": time_text(conversation.start_ts),
        "startTimeL": conversation.start_ts,
        "endTime": time_text(end) if end >= 0 else "undefined",
        "endTimeL": end,
        "fullDialogEndTime": time_text(full_end) if full_end >= 0 else "undefined",
        "fullDialogEndTimeL": full_end,
        "duration": (end if end >= 0 else now_ms) - conversation.start_ts,
        "conversationId": conversation.conversation_id,
        "brandId": conversation.account_id,
    }
    agent = latest_agent(conversation)
    if agent is not None:
        out.update(
            latestAgentId=agent,
            latestAgentNickname=agent,
            latestAgentFullName=agent,
            latestAgentLoginName=agent,
            agentDeleted=False,
        )
    out.update(
        latestSkillId=int(conversation.skill_id) if conversation.skill_id.lstrip("-").isdigit() else -1,
        latestSkillName="Unassigned" if conversation.skill_id in ("-1", "") else conversation.skill_id,
        source=source(conversation),
    )
    if conversation.close_reason is not None:
        out["closeReason"] = conversation.close_reason
        out["closeReasonDescription"] = CLOSE_DESCRIPTIONS.get(conversation.close_reason, "MANUAL_CLOSE")
    out.update(
        mcs=0,
        alertedMCS=0,
        status=conversation.state,
        fullDialogStatus=conversation.stage,
        firstConversation=conversation.first,
    )
    if conversation.csat is not None and "csatRate" in conversation.csat:
        out["csatRate"] = conversation.csat["csatRate"]
    out.update(
        device="NA",
        latestAgentGroupId=-1,
        latestAgentGroupName="Unassigned",
        latestQueueState="ACTIVE" if conversation.agent() is not None else "IN_QUEUE",
        isPartial=partial,
    )
    return out


def campaign(conversation: Conversation) -> JSON:
    found = conversation.request.get("campaignInfo")
    found = found if isinstance(found, dict) else {}
    out: JSON = {}
    if "campaignId" in found:
        out["campaignId"] = str(found["campaignId"])
    if "engagementId" in found:
        out["campaignEngagementId"] = str(found["engagementId"])
    return out


def record(
    account: Account, conversation: Conversation, parts: tuple[str, ...], now_ms: int, ttr: Ttr, *, search: bool
) -> JSON:
    """The record with ``info`` and each part asked for, in LivePerson's documented order."""
    wanted = set(parts)
    limit = SEARCH_MESSAGES if search else None
    messages = records.message_records(conversation, source(conversation), limit + 1 if limit else None)
    partial = limit is not None and len(messages) > limit
    out: JSON = {"info": info(conversation, now_ms, partial=partial)}
    if "campaign" in wanted:
        out["campaign"] = campaign(conversation)
    if "monitoring" in wanted:
        out["monitoring"] = {"device": "NA"}
    if "messageRecords" in wanted:
        out["messageRecords"] = messages[:limit] if partial else messages
    joined, active, left = records.agent_participants(conversation)
    for key, value in (("agentParticipants", joined), ("agentParticipantsActive", active)):
        if key in wanted:
            out[key] = value
    if "agentParticipantsLeave" in wanted:
        out["agentParticipantsLeave"] = left
    if "consumerParticipants" in wanted:
        consumers = records.consumer_participants(account, conversation)
        out["consumerParticipants"] = consumers
        out["consumerParticipant"] = consumers  # the documented example's spelling, beside the field table's
    if "transfers" in wanted:
        out["transfers"] = records.transfers(conversation)
    if "interactions" in wanted:
        out["interactions"] = records.interactions(conversation)
    if "messageScores" in wanted:
        out["messageScores"] = []  # the mock computes no MCS (info.mcs is 0)
    if "messageStatuses" in wanted:
        out["messageStatuses"] = records.message_statuses(conversation)
    if "conversationSurveys" in wanted:
        out["conversationSurveys"] = records.surveys(conversation)
    if "coBrowseSessions" in wanted:
        out["coBrowseSessions"] = {"coBrowseSessionsList": []}
    if "sdes" in wanted:
        out["sdes"] = records.sdes(account, conversation)
    if "unAuthSdes" in wanted:
        out["unAuthSdes"] = {"events": []}
    if "responseTime" in wanted:
        out["responseTime"] = {
            "latestEffectiveResponseDueTime": ttr(conversation),
            "configuredResponseTime": int(conversation.ttr.get("value", 0)) * 1000,
        }
    return out


__all__ = ["PARTS", "SEARCH_MESSAGES", "record"]
