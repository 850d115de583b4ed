"""Messaging History's conversation search over one account: filters, sort and a page, no HTTP.

Cost is bounded by the time window, not the store: conversations are kept in creation order (start
time never goes back on the mock's clock), so the search walks from the newest and stops at the first
conversation that started before ``start.from``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from mockcc.errors import BadQuery
from mockcc.history.records import latest_agent
from mockcc.state.models import Account, Conversation
from mockcc.types import JSON

#: LivePerson rounds ``from`` down and ``to`` up to 10 minutes, and rejects windows over three months.
ROUND_MS = 10 * 60 * 1000
MAX_WINDOW_MS = 93 * 24 * 3600 * 1000  # [INFERRED] "three months": 93 days, the longest three months can be
#: Filters LivePerson documents that the mock has no data for: accepted, applied as "no restriction", and
#: named in the journal's warnings (a connector sending them still gets an answer).
UNMODELLED = ("mcs", "alertedMcsValues", "agentGroupIds", "summary", "sdeSearch", "responseTime", "source", "device")


@dataclass(frozen=True, slots=True)
class Range:
    low: int
    high: int

    def holds(self, value: int) -> bool:
        return self.low <= value <= self.high


@dataclass(slots=True)
class Query:
    """A checked search body (the schema ran first; these checks span fields)."""

    start: Range
    end: Range | None = None
    status: set[str] | None = None
    skills: set[str] | None = None
    latest_skills: set[str] | None = None
    agents: set[str] | None = None
    latest_agents: set[str] | None = None
    keyword: str | None = None
    duration: Range | None = None
    csat: Range | None = None
    content_types: set[str] | None = None
    queue_state: str | None = None
    ignored: list[str] = field(default_factory=list)


def _ms(value: object) -> int:
    """An epoch-ms bound: a number or a numeric string (LivePerson's own examples send both)."""
    return int(value) if isinstance(value, int | float) else int(str(value))  # JSON's 3.0 is the integer 3


def _window(spec: JSON, name: str, now_ms: int) -> Range:
    low = _ms(spec["from"]) if "from" in spec else 0
    high = _ms(spec["to"]) if "to" in spec else now_ms
    high = now_ms if high == -1 else high  # [INFERRED] LivePerson's example sends to: -1 for "until now"
    low, high = low - low % ROUND_MS, high + (-high % ROUND_MS)
    if low > high:
        raise BadQuery(f"{name}.from is after {name}.to", path=f"$.{name}", expected="from <= to (epoch ms)")
    if name == "start" and high - low > MAX_WINDOW_MS:
        raise BadQuery(
            "the start window is longer than three months, which LivePerson rejects; search shorter windows",
            path="$.start",
            expected=MAX_WINDOW_MS,
        )
    return Range(low, high)


def _range(spec: JSON | None, low: int, high: int) -> Range | None:
    if spec is None:
        return None
    return Range(int(spec.get("from", low)), int(spec.get("to", high)))


def _ids(values: object) -> set[str] | None:
    return {str(v) for v in values} if isinstance(values, list) else None


def parse(body: JSON, now_ms: int) -> Query:
    keyword = body.get("keyword")
    return Query(
        start=_window(body["start"], "start", now_ms),
        end=_window(body["end"], "end", now_ms) if "end" in body else None,
        status=_ids(body.get("status")),
        skills=_ids(body.get("skillIds")),
        latest_skills=_ids(body.get("latestSkillIds")),
        agents=_ids(body.get("agentIds")),
        latest_agents=_ids(body.get("latestAgentIds")),
        keyword=str(keyword).strip().strip('"').lower() if keyword else None,
        duration=_range(body.get("duration"), 0, 2**62),
        csat=_range(body.get("csat"), 1, 5),
        content_types=_ids(body.get("messageContentTypes")),
        queue_state=str(body["latestConversationQueueState"]) if "latestConversationQueueState" in body else None,
        ignored=[name for name in UNMODELLED if name in body],
    )


def _texts(conversation: Conversation) -> Iterator[str]:
    for dialog in conversation.dialogs:
        for event in dialog.events:
            message = event.event.get("message")
            if isinstance(message, str):
                yield message
            elif isinstance(message, dict) and isinstance(message.get("caption"), str):
                yield message["caption"]


def _content_types(conversation: Conversation) -> set[str]:
    kinds = set()
    for dialog in conversation.dialogs:
        for event in dialog.events:
            if event.event.get("type") == "RichContentEvent":
                kinds.add("RICH_CONTENT")
            elif event.event.get("type") == "ContentEvent":
                kinds.add(str(event.event.get("contentType", "text/plain")).upper().replace("/", "_"))
    return kinds


def matches(query: Query, conversation: Conversation, now_ms: int) -> bool:
    """Every filter given holds (LivePerson ANDs filters; values inside one filter are ORed)."""
    if query.status is not None and conversation.state not in query.status:
        return False
    if query.end is not None and (conversation.main.end_ts is None or not query.end.holds(conversation.main.end_ts)):
        return False
    if query.latest_skills is not None and conversation.skill_id not in query.latest_skills:
        return False
    if query.skills is not None:
        skills = {conversation.skill_id, *(t.source_skill for t in conversation.transfers)}
        if not skills & query.skills:
            return False
    if query.agents is not None and not {j.participant_id for j in conversation.joins} & query.agents:
        return False
    if query.latest_agents is not None and latest_agent(conversation) not in query.latest_agents:
        return False
    if query.queue_state is not None:
        state = "ACTIVE" if conversation.agent() is not None else "IN_QUEUE"
        if state != query.queue_state:
            return False
    if query.duration is not None:
        end = conversation.main.end_ts if conversation.state == "CLOSE" and conversation.main.end_ts else now_ms
        if not query.duration.holds((end - conversation.start_ts) // 1000):
            return False
    if query.csat is not None:
        rate = (conversation.csat or {}).get("csatRate")
        if not isinstance(rate, int) or not query.csat.holds(rate):
            return False
    if query.content_types is not None and not _content_types(conversation) & query.content_types:
        return False
    return query.keyword is None or any(query.keyword in text.lower() for text in _texts(conversation))


def _sort_key(field_name: str) -> object:
    if field_name == "end":
        return lambda c: c.main.end_ts if c.state == "CLOSE" and c.main.end_ts is not None else 2**62
    return lambda c: c.start_ts


def search(account: Account, query: Query, sort: str, now_ms: int) -> list[Conversation]:
    """Every match in the window, sorted (``start:desc`` etc.)."""
    found: list[Conversation] = []
    for conversation in reversed(account.conversations.values()):
        if conversation.start_ts < query.start.low:
            break
        if conversation.start_ts <= query.start.high and matches(query, conversation, now_ms):
            found.append(conversation)
    field_name, _, order = sort.partition(":")
    found.sort(key=_sort_key(field_name), reverse=order == "desc")  # type: ignore[arg-type]
    return found
