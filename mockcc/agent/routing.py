"""Routing: which socket agent a waiting conversation rings, and the ring's life on the mock's clock.

A conversation that is open and has no assigned agent waits in the queue of its skill. It rings one
*routable* agent user at a time: ONLINE, with at least one brand socket subscribed to routing tasks,
taking the skill, under its maximum of conversations, and not one that already let this ring go;
the least loaded first (then by login name). A ring is WAITING for ``RING_SECONDS`` of mock time, then
EXPIRED and the next agent is rung; REJECTED rings the next at once; ACCEPTED joins the agent as
ASSIGNED_AGENT through ``Messaging.join`` (so the webhooks and every socket hear it as any join) and
completes the task. A conversation someone else takes (the control plane, a transfer, a close) ends
its task: its waiting ring becomes CANCELLED. With no routable agent the conversation stays in the
queue until one becomes routable (SetAgentState ONLINE, a new routing subscription).

``claims`` tells the scripted agents (``Bots``) to stand aside: a conversation a socket agent holds,
is ringing, or could be rung is the socket agents' [INFERRED: the mock's "one world" rule; with no
socket agent ONLINE nothing changes for the scripted agents].
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from mockcc.clock import Clock
from mockcc.errors import RingClosed
from mockcc.messaging import Change, Messaging
from mockcc.state.agents import AgentUser
from mockcc.state.models import Account, Conversation

#: A ring waits this long for an answer [INFERRED: the docs' example, ringExpirationTs - ringId's time = 72 s].
RING_SECONDS = 72.0
#: The skills a routing subscription hears (UpdateRoutingTaskSubscription); None: every skill.
Skills = frozenset[str] | None
#: Finished rings remembered for their explanation (oldest forgotten first).
SETTLED_KEPT = 10_000


@dataclass(slots=True)
class Ring:
    ring_id: str
    pid: str  # the agent rung
    state: str  # WAITING, ACCEPTED, REJECTED, EXPIRED, CANCELLED
    created_ms: int
    expires_ms: int


@dataclass(slots=True)
class Task:
    """One conversation waiting for an agent (a routing task), and its rings so far."""

    task_id: str
    account_id: str
    conversation_id: str
    consumer_id: str
    skill_id: str
    rings: list[Ring] = field(default_factory=list)
    completed: bool = False
    passed: set[str] = field(default_factory=set)  # agents that rejected or let a ring expire
    target: str | None = None  # a transfer to one agent (SUGGEST): only that agent is rung

    def waiting(self) -> Ring | None:
        return next((r for r in self.rings if r.state == "WAITING"), None)


@dataclass(frozen=True, slots=True)
class RingChange:
    """A ring changed: its agent's routing subscribers hear the task with that ring."""

    account_id: str
    task: Task
    ring: Ring


class Routing:
    """Agents' availability and rings, for every account."""

    def __init__(self, messaging: Messaging, clock: Clock) -> None:
        self._messaging = messaging
        self._clock = clock
        self._accounts: Callable[[], dict[str, Account]] = dict
        #: (account, pid) -> its sockets' routing subscriptions, counted by the skills each hears (None: all)
        self._listening: dict[tuple[str, str], Counter[Skills]] = {}
        self._tasks: dict[tuple[str, str], Task] = {}  # (account, conversation) -> its open task
        self._rings: dict[str, tuple[Task, Ring]] = {}
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._assigned: dict[tuple[str, str], str] = {}  # (account, conversation) -> assigned pid
        self._load: Counter[tuple[str, str]] = Counter()  # (account, pid) -> open conversations assigned
        self._ids = itertools.count(1)
        #: Rings of finished tasks, newest last (a late UpdateRingState is told what became of its ring).
        self._settled: dict[str, str] = {}
        self.listeners: list[Callable[[RingChange], None]] = []
        self.state_listeners: list[Callable[[str, AgentUser], None]] = []

    def bind(self, accounts: Callable[[], dict[str, Account]]) -> None:
        """Where the accounts are (the mock's current seed: a reset replaces them)."""
        self._accounts = accounts

    def reset(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._tasks.clear()
        self._rings.clear()
        self._assigned.clear()
        self._load.clear()
        self._listening.clear()
        self._settled.clear()

    # -- agents --------------------------------------------------------------------------------

    def listen(self, account_id: str, pid: str, on: bool, skills: Skills = None) -> None:
        """A socket of the agent ``pid`` subscribed to routing tasks of ``skills`` (None: every skill the
        agent takes), or that subscription went away (``on`` False, the skills it had)."""
        key = (account_id, pid)
        filters = self._listening.setdefault(key, Counter())
        filters[skills] += 1 if on else -1
        if filters[skills] <= 0:
            del filters[skills]
        if not filters:
            del self._listening[key]
        elif on and (account := self._accounts().get(account_id)) is not None:
            self._offer_soon(account)

    @staticmethod
    def hears(skills: Skills, skill_id: str) -> bool:
        """Whether a routing subscription of ``skills`` hears rings of ``skill_id`` (``-1``: any skill)."""
        return skills is None or skill_id in skills or skill_id == "-1"

    def set_state(self, account: Account, user: AgentUser, availability: str) -> None:
        user.availability = availability
        for listener in list(self.state_listeners):
            listener(account.account_id, user)
        if availability == "ONLINE":
            self._offer_soon(account)

    def routable(self, account: Account, user: AgentUser, skill_id: str) -> bool:
        key = (account.account_id, user.pid)
        return (
            user.availability == "ONLINE"
            and any(self.hears(skills, skill_id) for skills in self._listening.get(key, ()))
            and user.takes(skill_id)
            and self._load[key] < user.max_conversations
        )

    def load(self, account_id: str, pid: str) -> int:
        return self._load[(account_id, pid)]

    def listening(self, account_id: str, pid: str) -> int:
        """How many of the agent's sockets are subscribed to routing tasks."""
        return sum(self._listening.get((account_id, pid), Counter()).values())

    def conversations_of(self, account_id: str, pid: str) -> list[str]:
        """The open conversations the agent holds as ASSIGNED_AGENT."""
        return [conv for (acc, conv), holder in self._assigned.items() if acc == account_id and holder == pid]

    def claims(self, account: Account, conversation: Conversation) -> bool:
        """Whether the socket agents hold this conversation (the scripted agent then stands aside)."""
        agent = conversation.agent()
        if agent is not None:
            return account.agent_by_pid(agent.id) is not None
        task = self._tasks.get((account.account_id, conversation.conversation_id))
        if task is not None and (task.waiting() is not None or task.target is not None):
            return True
        return any(self.routable(account, u, conversation.skill_id) for u in account.agent_users.values())

    # -- rings -----------------------------------------------------------------------------------

    def waiting_for(self, account_id: str, pid: str) -> list[tuple[Task, Ring]]:
        return [
            (t, r)
            for t, r in self._rings.values()
            if r.pid == pid and r.state == "WAITING" and t.account_id == account_id
        ]

    def update_ring(self, account: Account, user: AgentUser, ring_id: str, state: str) -> None:
        """UpdateRingState: ACCEPTED joins the agent (refused if another holds it), REJECTED rings the next."""
        found = self._rings.get(ring_id)
        if found is None and (settled := self._settled.get(ring_id)) is not None:
            raise RingClosed(f"ring {ring_id} is {settled}, not WAITING: it cannot be {state} now", expected="WAITING")
        if found is None or found[0].account_id != account.account_id or found[1].pid != user.pid:
            raise RingClosed(f"no ring {ring_id!r} for this agent", expected="a ringId of a RoutingTaskNotification")
        task, ring = found
        if ring.state != "WAITING":
            raise RingClosed(
                f"ring {ring_id} is {ring.state}, not WAITING: it cannot be {state} now", expected="WAITING"
            )
        conversation = account.conversations.get(task.conversation_id)
        if state == "ACCEPTED":
            if conversation is None:
                raise RingClosed(f"the conversation of ring {ring_id} is gone")
            self._messaging.join(account, conversation, user.pid)  # refuses before anything changes
            self._settle(ring, "ACCEPTED")
            task.completed = True
            self._announce(task, ring)
            self._drop(task)
            return
        self._settle(ring, "REJECTED")
        task.passed.add(user.pid)
        self._announce(task, ring)
        if conversation is not None:
            self._route(account, conversation, task)

    def suggest(self, account: Account, conversation: Conversation, user: AgentUser) -> None:
        """A transfer to one agent: only ``user`` is rung for this conversation."""
        task = self._task(account, conversation)
        task.target = user.pid
        task.passed.discard(user.pid)
        if (ring := task.waiting()) is not None:
            self._settle(ring, "CANCELLED")
            self._announce(task, ring)
        self._route(account, conversation, task)

    def on_change(self, change: Change) -> None:
        """Messaging listener: keep loads, open tasks for waiting conversations, end those taken."""
        account, conversation = change.account, change.conversation
        key = (account.account_id, conversation.conversation_id)
        agent = conversation.agent()
        holder = agent.id if agent is not None and conversation.is_open else None
        if self._assigned.get(key) != holder:
            if (old := self._assigned.pop(key, None)) is not None:
                self._load[(account.account_id, old)] -= 1
            if holder is not None:
                self._assigned[key] = holder
                self._load[(account.account_id, holder)] += 1
        task = self._tasks.get(key)
        if holder is not None or not conversation.is_open:
            if task is not None:
                task.completed = True
                if (ring := task.waiting()) is not None:
                    self._settle(ring, "CANCELLED")
                    self._announce(task, ring)
                self._drop(task)
            return
        if change.event is None or task is None:
            self._route(account, conversation, task)

    def _task(self, account: Account, conversation: Conversation) -> Task:
        key = (account.account_id, conversation.conversation_id)
        task = self._tasks.get(key)
        if task is None or task.skill_id != conversation.skill_id:
            task = Task(
                str(next(self._ids)),
                account.account_id,
                conversation.conversation_id,
                conversation.consumer_id,
                conversation.skill_id,
            )
            self._tasks[key] = task
        return task

    def _route(self, account: Account, conversation: Conversation, task: Task | None) -> None:
        """Ring the next routable agent, unless a ring already waits (the task is made only to ring)."""
        if not conversation.is_open or conversation.agent() is not None:
            return
        if task is not None and task.waiting() is not None:
            return
        candidates = [
            u
            for u in account.agent_users.values()
            if (task is None or (u.pid not in task.passed and (task.target is None or u.pid == task.target)))
            and self.routable(account, u, conversation.skill_id)
        ]
        if not candidates:
            return
        task = task or self._task(account, conversation)
        chosen = min(candidates, key=lambda u: (self._load[(account.account_id, u.pid)], u.login_name))
        now = self._clock.now_ms()
        ring = Ring(
            f"{conversation.conversation_id}_{account.account_id}_{now}_{next(self._ids)}",
            chosen.pid,
            "WAITING",
            now,
            now + int(RING_SECONDS * 1000),
        )
        task.rings.append(ring)
        self._rings[ring.ring_id] = (task, ring)
        self._timers[ring.ring_id] = asyncio.get_running_loop().create_task(self._expire(account, task, ring))
        self._announce(task, ring)

    async def _expire(self, account: Account, task: Task, ring: Ring) -> None:
        await self._clock.sleep_until(ring.expires_ms / 1000)
        self._timers.pop(ring.ring_id, None)
        if ring.state != "WAITING":
            return
        ring.state = "EXPIRED"
        task.passed.add(ring.pid)
        self._announce(task, ring)
        conversation = account.conversations.get(task.conversation_id)
        if conversation is not None:
            self._route(account, conversation, task)

    def _settle(self, ring: Ring, state: str) -> None:
        ring.state = state
        timer = self._timers.pop(ring.ring_id, None)
        if timer is not None:
            timer.cancel()

    def _drop(self, task: Task) -> None:
        self._tasks.pop((task.account_id, task.conversation_id), None)
        for ring in task.rings:
            self._rings.pop(ring.ring_id, None)
            self._settled[ring.ring_id] = ring.state
        while len(self._settled) > SETTLED_KEPT:
            del self._settled[next(iter(self._settled))]

    def _announce(self, task: Task, ring: Ring) -> None:
        change = RingChange(task.account_id, task, ring)
        for listener in list(self.listeners):
            listener(change)

    def _offer_soon(self, account: Account) -> None:
        """After the current request is answered: ring the conversations waiting in the account's queue."""
        asyncio.get_running_loop().call_soon(self._offer, account)

    def _offer(self, account: Account) -> None:
        if self._accounts().get(account.account_id) is not account:
            return  # reset meanwhile
        for conversation_id in list(account.open_by_consumer.values()):
            conversation = account.conversations.get(conversation_id)
            if conversation is not None and conversation.agent() is None:
                self._route(account, conversation, self._tasks.get((account.account_id, conversation_id)))

    def status(self) -> dict[str, int]:
        return {
            "tasks_waiting": len(self._tasks),
            "rings_waiting": sum(1 for _, r in self._rings.values() if r.state == "WAITING"),
        }
