"""Who listens and to what: a ``Peer`` (one open socket) and the two subscriptions both sockets share,
conversations (snapshot, then live) and a dialog's events.

``ConversationFilter`` is what ``SubscribeExConversations`` asks for, already in participant ids
(the agent side maps ``<acc>.<userId>`` to PIDs, the consumer side pins its own id). A conversation
that stops matching (closed under ``convState: ["OPEN"]``, transferred away from ``agentIds``) is sent
once as a ``DELETE`` [INFERRED] and then no more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mockcc.state.models import Conversation
from mockcc.streams.outbox import CLOSE_UNAUTHORIZED, Outbox

#: Conversations a SubscribeExConversations snapshot lists at most (LivePerson's documented initial cap).
SNAPSHOT_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """convState, stage, agentIds (as PIDs), the consumer (consumer side), minLastUpdatedTime (ms)."""

    states: frozenset[str] | None = None
    stages: frozenset[str] | None = None
    participants: frozenset[str] | None = None
    consumer_id: str | None = None
    min_last_updated: int | None = None

    def matches(self, conversation: Conversation) -> bool:
        if self.states is not None and conversation.state not in self.states:
            return False
        if self.stages is not None and conversation.stage not in self.stages:
            return False
        if self.consumer_id is not None and conversation.consumer_id != self.consumer_id:
            return False
        if self.participants is not None and not any(p.id in self.participants for p in conversation.participants):
            return False
        return self.min_last_updated is None or conversation.meta_data_last_update_ts >= self.min_last_updated


@dataclass(eq=False, slots=True)
class ConversationsSubscription:
    """One SubscribeExConversations: its filter and the conversations it has announced (for DELETE)."""

    subscription_id: str
    peer: Peer
    account_id: str
    filter: ConversationFilter
    announced: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class EventsSubscription:
    """One dialog's messaging events for one peer (SubscribeMessagingEvents, or the SDK's QueryMessages)."""

    subscription_id: str
    peer: Peer
    account_id: str
    dialog_id: str


@dataclass(eq=False, slots=True)
class Peer:
    """One open socket: ``side`` is ``agent`` or ``consumer``; ``user`` is what the per-user cap counts
    (an agent's ``<acc>.<userId>``, a consumer's id); ``pid`` its participant id in conversations."""

    socket_id: str
    side: str
    account_id: str
    user: str
    pid: str
    outbox: Outbox
    opened_at: float
    last_seen: float  # time.monotonic() of its last frame (idle is wall time)
    #: ``valid(now)``: whether the credential still holds on the mock's clock (the agent's bearer, which
    #: ``refresh`` extends); None = it never expires. Checked once a second; False closes with 4401.
    valid: Callable[[float], bool] | None = None
    version: str = ""
    #: The close code and reason once ``valid`` fails (4401; 4407 for a consumer's signup identity).
    expired: tuple[int, str] = (CLOSE_UNAUTHORIZED, "token expired: log in again")
    conversations: dict[str, ConversationsSubscription] = field(default_factory=dict)
    events: dict[str, EventsSubscription] = field(default_factory=dict)
    #: The agent side's own subscriptions by topic (``routing``, ``agent-state``) -> subscription id.
    topics: dict[str, str] = field(default_factory=dict)
    #: The skills its routing subscription hears (UpdateRoutingTaskSubscription); None: every skill.
    routing_skills: frozenset[str] | None = None
    #: Conversations whose UPSERT reached this peer (§7.8: events of an unknown conversation crash bots).
    known: set[str] = field(default_factory=set)
    requests: int = 0

    @property
    def subscriptions(self) -> int:
        return len(self.conversations) + len(self.events) + len(self.topics)
