"""State records. Attribute names are Python's; the wire names live in the builders only.

``Dialog.next_sequence`` is the one counter LivePerson shares between consumer and agent events
(ContentEvent, RichContentEvent, AcceptStatusEvent) in a dialog; ChatStateEvents take no number.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mockcc.rows import laid_out, read_back
from mockcc.state.agents import AgentUser, admin
from mockcc.types import JSON

#: Sequenced events kept per dialog (oldest forgotten first; the sequence counter is unaffected).
EVENTS_PER_DIALOG = 10_000
#: Consumers remembered per account (a forgotten one is remade from its JWS, which never expires).
CONSUMERS_PER_ACCOUNT = 100_000
#: Account Configuration feature LivePerson requires for the Connector API (Asynchronous Messaging).
ASYNC_MESSAGING = "Common.Async_Messaging"
#: Feature grants an account holds at most (a seed or POST past this is refused, nothing applied).
GRANTS_PER_ACCOUNT = 500
#: Agent joins and transfers remembered per conversation for Messaging History (oldest forgotten first).
ROUTING_HISTORY = 200


@dataclass(slots=True)
class Installation:
    """An app installation: LivePerson's app object kept verbatim, plus its ``ac-revision``."""

    app: JSON
    revision: int = 1

    @property
    def client_id(self) -> str:
        return str(self.app["client_id"])

    @property
    def client_secret(self) -> str:
        return str(self.app["client_secret"])

    @property
    def enabled(self) -> bool:
        return bool(self.app.get("enabled", True)) and not bool(self.app.get("deleted", False))

    @property
    def webhooks(self) -> JSON:
        hooks = self.app.get("capabilities", {}).get("webhooks", {})
        return hooks if isinstance(hooks, dict) else {}


@dataclass(slots=True)
class Consumer:
    """A consumer known to the IdP: its external id, participant id and last profile (SDEs)."""

    lp_consumer_id: str
    ext_consumer_id: str
    profile: JSON = field(default_factory=dict)
    profile_ts: int = 0  # when the profile (SDEs) was last set, epoch ms
    conversations: int = 0  # conversations it opened while remembered (Messaging History's firstConversation)
    client_id: str = ""  # the app installation that last issued it a ConsumerJWS (its webhooks hear of it)


@dataclass(slots=True)
class Participant:
    id: str
    role: str  # CONSUMER, ASSIGNED_AGENT, AGENT, MANAGER, READER, CONTROLLER
    state: str = "ACTIVE"


class Event(NamedTuple):
    """One messaging event in a dialog, as published by its originator (never changed once published)."""

    dialog_id: str
    originator_id: str
    role: str
    event: JSON  # LivePerson's event object verbatim: {"type": "ContentEvent", ...}
    server_timestamp: int
    sequence: int | None  # None for ChatStateEvent
    metadata: list[JSON] | None = None
    message_audience: str = "ALL"


#: The values an event object may hold for it to be kept flat (see ``Events``).
_FLAT_VALUES = frozenset({str, int, float, bool, type(None)})
#: Where an Event keeps its event object (kept flat, that place holds None and its items follow) and its time.
_EVENT, _TIMESTAMP = Event._fields.index("event"), Event._fields.index("server_timestamp")
_FIELDS = len(Event._fields)


class Events:
    """A dialog's sequenced events, oldest first; past ``maxlen`` the oldest are forgotten.

    Each is kept as one flat tuple, not as the ``Event`` it was published as: a text's event object
    (``{"type": "ContentEvent", "message": ..., ...}``, no nested values) is laid out as its keys and
    values after the Event's other values. CPython's cycle collector stops tracking a tuple of strings and
    numbers after its first pass, where it must keep tracking one that holds any dict or object: the
    million messages a long run stores made every later pass rescan them, 100 ms and more each
    (ARCHITECTURE.md "Performance"). Reading one makes its ``Event`` again, with a new event dict.
    The deque is made at the first append: until then the rows are the shared empty tuple (a dialog
    just opened costs the collector one object to scan, not two).
    """

    __slots__ = ("_maxlen", "_rows")

    def __init__(self, maxlen: int = EVENTS_PER_DIALOG) -> None:
        self._maxlen = maxlen
        self._rows: deque[tuple[Any, ...]] | tuple[()] = ()

    @property
    def maxlen(self) -> int:
        return self._maxlen

    @property
    def newest_timestamp(self) -> int | None:
        """The newest event's server timestamp (read without making the Event)."""
        return self._rows[-1][_TIMESTAMP] if self._rows else None

    def append(self, event: Event) -> None:
        rows = self._rows
        if not isinstance(rows, deque):
            rows = self._rows = deque(maxlen=self._maxlen)
        body = event.event
        if _FLAT_VALUES.issuperset(map(type, body.values())):
            d, o, r, _, ts, seq, meta, audience = event
            rows.append((d, o, r, None, ts, seq, meta, audience, *laid_out(body.items())))
        else:
            rows.append(tuple(event))

    def __iter__(self) -> Iterator[Event]:
        return map(_event, self._rows)

    def __reversed__(self) -> Iterator[Event]:
        return map(_event, reversed(self._rows))

    def __getitem__(self, index: int) -> Event:
        return _event(self._rows[index])

    def __len__(self) -> int:
        return len(self._rows)


def _event(row: tuple[Any, ...]) -> Event:
    """The Event a row keeps (``Events.append`` lays it out in Event's field order)."""
    if row[_EVENT] is not None:
        return Event._make(row)
    return Event._make((row[0], row[1], row[2], read_back(row[_FIELDS:]), row[4], row[5], row[6], row[7]))


@dataclass(slots=True)
class ChatState:
    """A participant's last ChatStateEvent; ChatStateEvents are not kept as events (they take no sequence)."""

    chat_state: str
    ts: int
    dialog_id: str
    next_sequence: int  # the dialog's counter when it was set: a later message from the participant ends it


@dataclass(frozen=True, slots=True)
class Joined:
    """An agent-side participant joined the conversation (Messaging History's agentParticipants)."""

    participant_id: str
    role: str
    ts: int


@dataclass(frozen=True, slots=True)
class Transfer:
    """The conversation went back to the queue or to another skill (Messaging History's transfers)."""

    ts: int
    source_skill: str
    target_skill: str
    source_agent: str | None


@dataclass(slots=True)
class Dialog:
    dialog_id: str
    dialog_type: str  # MAIN or POST_SURVEY
    creation_ts: int
    participants: list[Participant]
    state: str = "OPEN"
    end_ts: int | None = None
    meta_data_last_update_ts: int = 0
    closed_by: str | None = None
    closed_cause: str | None = None
    meta_data: JSON | None = None
    next_sequence: int = 0
    events: Events = field(default_factory=Events)

    def take_sequence(self) -> int:
        seq = self.next_sequence
        self.next_sequence += 1
        return seq


@dataclass(slots=True)
class Conversation:
    conversation_id: str
    account_id: str
    consumer_id: str
    client_id: str  # the app installation that opened it; its webhooks hear about it
    start_ts: int
    skill_id: str
    ttr: JSON  # {"ttrType": ..., "value": seconds}
    dialogs: list[Dialog]
    participants: list[Participant]
    request: JSON  # the ConsumerRequestConversation body, verbatim
    state: str = "OPEN"
    stage: str = "OPEN"
    close_reason: str | None = None
    end_ts: int | None = None
    meta_data_last_update_ts: int = 0
    routed_ts: int = 0  # when the TTR clock last started (creation, transfer): effectiveTTR counts from it
    csat: JSON | None = None
    features: tuple[str, ...] = ()  # Client-Properties features of the CONVERSATION call
    resumed_from: str | None = None  # the closed conversation an agent resumed into this one
    chat_states: dict[str, ChatState] = field(default_factory=dict)  # participant id -> last chat state
    #: Tuples, not deques: most conversations never have a transfer and many no join, and an empty
    #: tuple is one shared object the collector never scans (a deque per conversation was two more
    #: tracked objects for each of 100,000 open conversations). Added to by ``remember_*``.
    joins: tuple[Joined, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    first: bool = False  # the consumer's first conversation the mock knows of

    @property
    def main(self) -> Dialog:
        return self.dialogs[0]

    def remember_join(self, joined: Joined) -> None:
        self.joins = (*self.joins, joined)[-ROUTING_HISTORY:]

    def remember_transfer(self, transfer: Transfer) -> None:
        self.transfers = (*self.transfers, transfer)[-ROUTING_HISTORY:]

    def dialog(self, dialog_id: str) -> Dialog | None:
        return next((d for d in self.dialogs if d.dialog_id == dialog_id), None)

    def agent(self) -> Participant | None:
        # A loop, not next() over a generator: every messaging listener asks this on every event.
        for participant in self.participants:
            if participant.role == "ASSIGNED_AGENT":
                return participant
        return None

    @property
    def is_open(self) -> bool:
        return self.stage == "OPEN"


@dataclass(slots=True)
class Account:
    """Everything one brand (account) has in the mock.

    Beside the stores, three indexes keep every per-request lookup O(1) at any size: ``closed``
    (closed conversations, oldest first: what the cap forgets), ``idle_consumers`` (consumers
    without an open conversation, oldest first: what the consumer cap forgets) and
    ``survey_dialogs`` (a POST_SURVEY dialog id -> its conversation; a MAIN dialog's id is its
    conversation's).
    """

    account_id: str
    installations: dict[str, Installation] = field(default_factory=dict)  # client_id -> installation
    consumers: dict[str, Consumer] = field(default_factory=dict)  # lp_consumer_id -> consumer
    conversations: dict[str, Conversation] = field(default_factory=dict)  # conversation id -> conversation
    open_by_consumer: dict[str, str] = field(default_factory=dict)  # lp_consumer_id -> open conversation id
    agent: JSON = field(default_factory=lambda: {"type": "none"})  # the scripted agent for this account
    skill_agents: dict[str, JSON] = field(default_factory=dict)  # skillId -> scripted agent
    signature_algorithm: str = "sha1"
    signature_encoding: str = "base64"  # how the digest is written: base64 (LivePerson's default) or hex
    #: Account Configuration feature grants, compoundFeatureID -> on/off; Async Messaging on unless seeded off.
    feature_grants: dict[str, bool] = field(default_factory=lambda: {ASYNC_MESSAGING: True})
    closed: dict[str, None] = field(default_factory=dict)  # closed conversation ids, oldest first
    idle_consumers: dict[str, None] = field(default_factory=dict)  # lp ids without an open conversation
    survey_dialogs: dict[str, str] = field(default_factory=dict)  # POST_SURVEY dialog id -> conversation id
    forgotten_conversations: int = 0  # closed conversations dropped to respect the cap
    forgotten_consumers: int = 0  # idle consumers dropped to respect the cap
    #: The brand's keys for IdP authenticate (the seed's ``consumer_auth``: public_key or jwks, issuer).
    consumer_auth: JSON | None = None
    #: Agent users by login name: ``admin`` always, plus the seed's ``agent_users``.
    agent_users: dict[str, AgentUser] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "admin" not in self.agent_users:
            self.agent_users["admin"] = admin(self.account_id)

    def agent_user(self, full_or_user_id: str) -> AgentUser | None:
        """The user named ``<acc>.<userId>`` or ``<userId>`` (how the SDK names agents), or None."""
        wanted = full_or_user_id.rpartition(".")[2]
        return next((u for u in self.agent_users.values() if u.user_id == wanted), None)

    def agent_by_pid(self, pid: str) -> AgentUser | None:
        return next((u for u in self.agent_users.values() if u.pid == pid), None)

    @property
    def async_messaging(self) -> bool:
        """Whether the Connector API (Send API) may be used on this account at all."""
        return self.feature_grants.get(ASYNC_MESSAGING, False)

    def remember(self, consumer: Consumer) -> Consumer:
        """Add a consumer; past the cap the oldest without an open conversation (not this one) is forgotten."""
        lp_id = consumer.lp_consumer_id
        if lp_id not in self.consumers and lp_id not in self.open_by_consumer:
            self.idle_consumers[lp_id] = None
        self.consumers[lp_id] = consumer
        if len(self.consumers) > CONSUMERS_PER_ACCOUNT:
            oldest = next(iter(self.idle_consumers), None)
            if oldest == lp_id and len(self.idle_consumers) > 1:  # never the one being remembered
                self.idle_consumers[lp_id] = self.idle_consumers.pop(lp_id)  # to the back
                oldest = next(iter(self.idle_consumers))
            if oldest is not None and oldest != lp_id:
                del self.idle_consumers[oldest]
                del self.consumers[oldest]
                self.forgotten_consumers += 1
        return consumer

    def dialog_owner(self, dialog_id: str) -> Conversation | None:
        """The conversation a dialog (MAIN or POST_SURVEY) belongs to, without a scan."""
        found = self.conversations.get(dialog_id)
        if found is None and (owner := self.survey_dialogs.get(dialog_id)) is not None:
            found = self.conversations.get(owner)
        return found

    def opened(self, conversation: Conversation) -> None:
        """Index a new open conversation."""
        self.conversations[conversation.conversation_id] = conversation
        self.open_by_consumer[conversation.consumer_id] = conversation.conversation_id
        self.idle_consumers.pop(conversation.consumer_id, None)

    def finished(self, conversation: Conversation) -> None:
        """Index a conversation that just closed (its consumer may open another)."""
        self.closed[conversation.conversation_id] = None
        if self.open_by_consumer.get(conversation.consumer_id) == conversation.conversation_id:
            del self.open_by_consumer[conversation.consumer_id]
            if conversation.consumer_id in self.consumers:
                self.idle_consumers[conversation.consumer_id] = None

    def forget_closed(self, limit: int) -> None:
        """Keep at most ``limit`` conversations: the oldest closed ones go first."""
        while len(self.conversations) > limit and self.closed:
            oldest = next(iter(self.closed))
            del self.closed[oldest]
            gone = self.conversations.pop(oldest, None)
            if gone is not None:
                self.forgotten_conversations += 1
                for dialog in gone.dialogs[1:]:
                    self.survey_dialogs.pop(dialog.dialog_id, None)
