"""``Streams``: every connected socket, its subscriptions, and the ``Messaging`` listener that feeds them.

Bounded (``SocketLimits``, listed on ``GET /_mockcc/limits``): sockets in all and per user, connects
per user per minute (LivePerson's example bots reconnect at once on any close, §7.9), subscriptions per
socket, frames waiting per socket (past it the socket is closed with 1013, see ``outbox``). One sweep
a second closes sockets whose credential expired on the mock's clock (4401) and sockets idle for a minute of
wall time (1000).

Fan-out is indexed, never a scan of every socket: a dialog's events go to the subscriptions of that
dialog; a conversation change goes to the subscriptions filtering on one of its participants, the
unfiltered ones of its account, and those that announced it before (which may owe a DELETE).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter, deque
from collections.abc import Callable

from mockcc.agent.routing import RingChange, Routing
from mockcc.clock import Clock
from mockcc.errors import LimitReached
from mockcc.messaging import Change
from mockcc.settings import SocketLimits
from mockcc.state.agents import AgentUser
from mockcc.state.models import Account, Conversation, Dialog
from mockcc.streams import frames, report
from mockcc.streams.outbox import CLOSE_NORMAL, CLOSE_RESTART, CLOSE_WAIT_SECONDS, encode
from mockcc.streams.subscriptions import (
    SNAPSHOT_LIMIT,
    ConversationFilter,
    ConversationsSubscription,
    EventsSubscription,
    Peer,
)
from mockcc.types import JSON

SWEEP_SECONDS = 1.0
ROUTING = "routing"
AGENT_STATE = "agent-state"


class Streams:
    """The sockets' side of the one world: peers, subscriptions, fan-out of ``Messaging`` changes."""

    def __init__(
        self, clock: Clock, effective_ttr: Callable[[Conversation], int], limits: SocketLimits, routing: Routing
    ) -> None:
        self._clock = clock
        self._routing = routing
        routing.listeners.append(self.on_ring)
        routing.state_listeners.append(self.on_agent_state)
        self._effective_ttr = effective_ttr
        self.limits = limits
        self.peers: dict[str, Peer] = {}
        self._ids = itertools.count(1)
        self._by_user: dict[tuple[str, str], set[Peer]] = {}
        self._by_pid: dict[tuple[str, str], set[Peer]] = {}
        self._connects: dict[tuple[str, str], deque[float]] = {}
        self._events: dict[tuple[str, str], set[EventsSubscription]] = {}
        self._unfiltered: dict[str, set[ConversationsSubscription]] = {}
        self._by_participant: dict[tuple[str, str], set[ConversationsSubscription]] = {}
        self._announced: dict[tuple[str, str], set[ConversationsSubscription]] = {}
        self.overload: Counter[str] = Counter()
        self._sweeper: asyncio.Task[None] | None = None

    # -- peers -----------------------------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def attach(self, peer: Peer) -> None:
        """Admit a socket, or refuse it (``LimitReached``) past a cap; nothing is kept of a refused one."""
        key = (peer.account_id, peer.user)
        now = self._clock.now()
        recent = self._connects.setdefault(key, deque(maxlen=self.limits.connects_per_user_per_minute))
        while recent and recent[0] <= now - 60:
            recent.popleft()
        rule = None
        if len(self.peers) >= self.limits.sockets:
            rule = f"{self.limits.sockets} sockets are open (the mock's cap over all users)"
        elif len(self._by_user.get(key, ())) >= self.limits.sockets_per_user:
            rule = f"{peer.user} has {self.limits.sockets_per_user} sockets open (the cap per user)"
        elif len(recent) == recent.maxlen:
            rule = f"{peer.user} connected {recent.maxlen} times in the last minute (the cap per user)"
        if rule is not None:
            self.overload["sockets_refused"] += 1
            raise LimitReached(rule + "; close one, or wait", path="$socket", expected=self.limits.sockets)
        recent.append(now)
        peer.outbox.on_overload = self._slow_reader
        if len(self._connects) > 4 * self.limits.sockets:  # bounded: forget users not connected lately
            for stale in [k for k, v in self._connects.items() if not v or v[-1] <= now - 60]:
                del self._connects[stale]
        self.peers[peer.socket_id] = peer
        self._by_user.setdefault(key, set()).add(peer)
        self._by_pid.setdefault((peer.account_id, peer.pid), set()).add(peer)

    def detach(self, peer: Peer) -> None:
        if self.peers.pop(peer.socket_id, None) is None:
            return
        for sub_id in list(peer.conversations) + list(peer.events) + list(peer.topics.values()):
            self.unsubscribe(peer, sub_id)
        users = self._by_user.get((peer.account_id, peer.user))
        if users is not None:
            users.discard(peer)
            if not users:
                del self._by_user[(peer.account_id, peer.user)]
        same = self._by_pid.get((peer.account_id, peer.pid))
        if same is not None:
            same.discard(peer)
            if not same:
                del self._by_pid[(peer.account_id, peer.pid)]

    def peers_of(self, account_id: str, pid: str) -> set[Peer]:
        """The open sockets of the participant ``pid`` (an agent user's brand sockets)."""
        return set(self._by_pid.get((account_id, pid), ()))

    def of_user(self, account_id: str, user: str) -> set[Peer]:
        return set(self._by_user.get((account_id, user), ()))

    def close_all(self, code: int = CLOSE_RESTART, reason: str = "the mock was reset") -> None:
        for peer in list(self.peers.values()):
            peer.outbox.close(code, reason)

    # -- subscriptions ---------------------------------------------------------------------------

    def _room(self, peer: Peer) -> None:
        if peer.subscriptions >= self.limits.subscriptions_per_socket:
            self.overload["subscriptions_refused"] += 1
            raise LimitReached(
                f"this socket holds {self.limits.subscriptions_per_socket} subscriptions (the mock's cap per socket); "
                "unsubscribe from one first",
                path="$",
                expected=self.limits.subscriptions_per_socket,
            )

    def subscribe_conversations(self, peer: Peer, account: Account, wanted: ConversationFilter) -> tuple[str, JSON]:
        """Subscribe; returns the id and the snapshot notification (at most ``SNAPSHOT_LIMIT``, maybe none)."""
        self._room(peer)
        sub = ConversationsSubscription(self.next_id("conversations"), peer, account.account_id, wanted)
        peer.conversations[sub.subscription_id] = sub
        for key in self._index_keys(sub):
            self._index(key).add(sub)
        changes: list[JSON] = []
        for conversation in reversed(account.conversations.values()):  # newest first
            if len(changes) == SNAPSHOT_LIMIT:
                break
            if wanted.matches(conversation):
                changes.append(self._upsert(sub, conversation))
        return sub.subscription_id, frames.conversations_notification(sub.subscription_id, changes)

    def _index_keys(self, sub: ConversationsSubscription) -> list[tuple[str, str] | str]:
        ids = set(sub.filter.participants or ()) | ({sub.filter.consumer_id} if sub.filter.consumer_id else set())
        return [(sub.account_id, pid) for pid in ids] if ids else [sub.account_id]

    def _index(self, key: tuple[str, str] | str) -> set[ConversationsSubscription]:
        if isinstance(key, str):
            return self._unfiltered.setdefault(key, set())
        return self._by_participant.setdefault(key, set())

    def update_conversations(self, peer: Peer, subscription_id: str, wanted: ConversationFilter) -> None:
        """UpdateExConversationSubscription: a new filter; later changes are judged by it."""
        sub = peer.conversations[subscription_id]
        for key in self._index_keys(sub):
            self._index(key).discard(sub)
        sub.filter = wanted
        for key in self._index_keys(sub):
            self._index(key).add(sub)

    def subscribe_events(
        self, peer: Peer, account: Account, conversation: Conversation, dialog: Dialog, from_seq: int
    ) -> tuple[str, list[JSON]]:
        """Subscribe to a dialog's events; returns the id and the replay (events with sequence >= from_seq)."""
        existing = next((s for s in peer.events.values() if s.dialog_id == dialog.dialog_id), None)
        if existing is None:
            self._room(peer)
            existing = EventsSubscription(self.next_id("events"), peer, account.account_id, dialog.dialog_id)
            peer.events[existing.subscription_id] = existing
            self._events.setdefault((account.account_id, dialog.dialog_id), set()).add(existing)
        replay = self.replay(peer, conversation, dialog, from_seq)
        return existing.subscription_id, replay

    def replay(self, peer: Peer, conversation: Conversation, dialog: Dialog, from_seq: int) -> list[JSON]:
        changes = [
            frames.event_change(conversation, event)
            for event in dialog.events
            if event.sequence is not None and event.sequence >= from_seq and self._audible(peer, event.message_audience)
        ]
        return [frames.events_notification(dialog.dialog_id, changes)] if changes else []

    def unsubscribe(self, peer: Peer, subscription_id: str) -> bool:
        conv = peer.conversations.pop(subscription_id, None)
        if conv is not None:
            for key in self._index_keys(conv):
                self._index(key).discard(conv)
            for conversation_id in list(conv.announced):
                self._forget_id(conv, conversation_id)
            return True
        topic = next((name for name, sid in peer.topics.items() if sid == subscription_id), None)
        if topic is not None:
            del peer.topics[topic]
            if topic == ROUTING:
                self._routing.listen(peer.account_id, peer.pid, False, peer.routing_skills)
                peer.routing_skills = None
            return True
        events = peer.events.pop(subscription_id, None)
        if events is not None:
            key = (events.account_id, events.dialog_id)
            group = self._events.get(key)
            if group is not None:
                group.discard(events)
                if not group:
                    del self._events[key]
            return True
        return False

    def subscribe_topic(self, peer: Peer, topic: str) -> tuple[str, bool]:
        """The agent's routing tasks or its state: one subscription per topic per socket (a second
        asks for the same id). Returns the id and whether it is new."""
        if topic in peer.topics:
            return peer.topics[topic], False
        self._room(peer)
        peer.topics[topic] = self.next_id(topic)
        if topic == ROUTING:
            self._routing.listen(peer.account_id, peer.pid, True)
        return peer.topics[topic], True

    def update_routing(self, peer: Peer, skills: frozenset[str] | None) -> None:
        """UpdateRoutingTaskSubscription: the socket's routing subscription hears rings of ``skills`` from now on
        (None: every skill its agent takes), and routing rings the agent by what its subscriptions hear."""
        old, peer.routing_skills = peer.routing_skills, skills
        self._routing.listen(peer.account_id, peer.pid, True, skills)
        self._routing.listen(peer.account_id, peer.pid, False, old)

    def _topic_peers(self, account_id: str, pid: str, topic: str) -> list[Peer]:
        return [p for p in self._by_pid.get((account_id, pid), ()) if topic in p.topics]

    def on_ring(self, change: RingChange) -> None:
        """A ring changed: the rung agent's routing subscribers that hear its skill get the task with its ring."""
        for peer in self._topic_peers(change.account_id, change.ring.pid, ROUTING):
            if self._routing.hears(peer.routing_skills, change.task.skill_id):
                peer.outbox.push(frames.routing_notification(peer.topics[ROUTING], change.task, [change.ring]))

    def on_agent_state(self, account_id: str, user: AgentUser) -> None:
        for peer in self._topic_peers(account_id, user.pid, AGENT_STATE):
            peer.outbox.push(frames.agent_state_notification(peer.topics[AGENT_STATE], user.availability))

    # -- fan-out (a Messaging listener) ----------------------------------------------------------

    def on_change(self, change: Change) -> None:
        if not self.peers:
            return
        if change.event is None:
            self._conversation_changed(change, agents_only=False)
            return
        self._event_published(change)
        if change.event.event.get("type") in frames.CONTENT_EVENTS:
            # [INFERRED] a message refreshes agents' conversation lists (its lastContentEventNotification), as
            # LivePerson's agent SDK documents; the consumer side hears messages on its messaging subscription only
            self._conversation_changed(change, agents_only=True)

    def _event_published(self, change: Change) -> None:
        event = change.event
        assert event is not None  # noqa: S101 - the caller checked
        listeners = self._events.get((change.account.account_id, event.dialog_id))
        if listeners:
            item = frames.event_change(change.conversation, event)
            text = encode(frames.events_notification(event.dialog_id, [item]))  # once for every listener
            for listener in list(listeners):
                if self._audible(listener.peer, event.message_audience):
                    listener.peer.outbox.push_text(text)

    def _conversation_changed(self, change: Change, *, agents_only: bool) -> None:
        """Each subscription the change concerns gets an UPSERT (or its DELETE once it stops matching); the
        change is built and encoded once per audience (agents, consumers), then spliced into each frame."""
        account_id = change.account.account_id
        conversation = change.conversation
        groups = [self._by_participant.get((account_id, p.id)) for p in conversation.participants]
        groups += [self._unfiltered.get(account_id), self._announced.get((account_id, conversation.conversation_id))]
        candidates: set[ConversationsSubscription] = set().union(*(g for g in groups if g))
        encoded: dict[tuple[str, bool], str] = {}
        for sub in candidates:
            private = self._private(sub.peer)
            if agents_only and not private:
                continue
            if sub.filter.matches(conversation):
                self._announce_to(sub, conversation)
                kind, ttr = "UPSERT", self._effective_ttr(conversation)
            elif conversation.conversation_id in sub.announced:
                self._forget_id(sub, conversation.conversation_id)
                kind, ttr = "DELETE", -1
            else:
                continue
            if (kind, private) not in encoded:
                result = frames.conversation_result(conversation, ttr, private=private)
                encoded[(kind, private)] = encode({"type": kind, "result": result})
            sub.peer.outbox.push_text(frames.conversations_text(sub.subscription_id, [encoded[(kind, private)]]))

    def _upsert(self, sub: ConversationsSubscription, conversation: Conversation) -> JSON:
        self._announce_to(sub, conversation)
        ttr = self._effective_ttr(conversation)
        return {
            "type": "UPSERT",
            "result": frames.conversation_result(conversation, ttr, private=self._private(sub.peer)),
        }

    def _announce_to(self, sub: ConversationsSubscription, conversation: Conversation) -> None:
        """``sub`` hears of the conversation: its peer knows it, and an open one may owe it a DELETE later."""
        sub.peer.known.add(conversation.conversation_id)
        if conversation.is_open:
            sub.announced.add(conversation.conversation_id)
            self._announced.setdefault((sub.account_id, conversation.conversation_id), set()).add(sub)
        else:
            self._forget_id(sub, conversation.conversation_id)

    def _forget_id(self, sub: ConversationsSubscription, conversation_id: str) -> None:
        sub.announced.discard(conversation_id)
        key = (sub.account_id, conversation_id)
        group = self._announced.get(key)
        if group is not None:
            group.discard(sub)
            if not group:
                del self._announced[key]

    def _private(self, peer: Peer) -> bool:
        """Whether the peer hears AGENTS_AND_MANAGERS messages (an agent's socket)."""
        return peer.side == "agent"

    def _audible(self, peer: Peer, audience: str) -> bool:
        return audience == "ALL" or self._private(peer)

    def _slow_reader(self) -> None:
        self.overload["closed_slow_reader"] += 1

    # -- deadlines ---------------------------------------------------------------------------

    def sweep(self) -> None:
        """Close sockets whose credential expired (on the mock's clock) and idle ones (on wall time: a
        test that moves the mock's clock an hour ahead does not idle its sockets; a client that sends
        nothing for a minute is idle whatever the mock's clock says). A socket asked to close that has not
        closed within CLOSE_WAIT_SECONDS (a client that stopped reading: the close waits behind the
        frames it does not read) is detached: its cap slot and subscriptions are freed at once."""
        now, wall = self._clock.now(), time.monotonic()
        for peer in list(self.peers.values()):
            if peer.outbox.closed_at is not None:
                if wall - peer.outbox.closed_at >= CLOSE_WAIT_SECONDS:  # its close cannot reach it: let it go
                    self.overload["detached_unreachable"] += 1
                    self.detach(peer)
                continue
            if peer.valid is not None and not peer.valid(now):
                self.overload["closed_expired"] += 1
                peer.outbox.close(*peer.expired)
            elif wall - peer.last_seen >= self.limits.idle_seconds:
                self.overload["closed_idle"] += 1
                peer.outbox.close(CLOSE_NORMAL, f"idle: no frame for {self.limits.idle_seconds:g} s")

    async def _sweep_forever(self) -> None:
        """Once a second of wall time, and at once when a test moves the mock's clock."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._clock.sleep(SWEEP_SECONDS), SWEEP_SECONDS)
            self.sweep()

    def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def aclose(self) -> None:
        self.close_all(CLOSE_RESTART, "the mock is stopping")
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None

    def status(self) -> JSON:
        """For ``GET /_mockcc/limits``: each cap, how full, what overload cost."""
        return report.status(self.limits, list(self.peers.values()), self.overload)
