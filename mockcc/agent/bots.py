"""Scripted agents that answer conversations by themselves: ``echo``, a step ``script``, or ``none``.

Bots act through ``AgentDesk`` like a person at the console would, on asyncio tasks that sleep on
the mock's clock. Each conversation's bot work runs under one lock, so replies keep their order.

Bounded under load: the echo agent keeps one worker per conversation and at most ``ECHO_BACKLOG``
texts waiting for it. The worker answers what waits as one batch (one ACCEPT and one READ receipt
for the batch, one COMPOSING pause, then each text echoed in order); past the cap the oldest
waiting text is dropped unanswered (the latest ones are always echoed) and counted in
``overload["echo_dropped"]``. A script's inbox holds ``SCRIPT_INBOX`` texts; past it new texts are
not queued and counted in ``overload["script_inbox_dropped"]``. Both counters are on
``GET /_mockcc/limits``.
A step script (YAML or JSON) is a list of one-key steps::

    - join: true            # accept the ring
    - expect: "hello"       # wait for the consumer's next text (contains, case-insensitive)
    - read: true            # ACCEPT + READ receipts for everything unread
    - typing: 0.5           # COMPOSING, wait, then ACTIVE
    - say: "Hi there"       # text (add quickReplies: {...} beside it for quick replies)
    - rich: {type: vertical, elements: [...]}
    - wait: 2
    - transfer: "-1"        # back to the queue (or a skill id)
    - close: true           # or close: survey
    - resume: "Hi again"    # resume the closed conversation (a new one) and write; later steps act in it
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import Counter, deque
from collections.abc import Coroutine
from typing import Any

from mockcc.agent.desk import AgentDesk
from mockcc.agent.routing import Routing
from mockcc.clock import Clock
from mockcc.errors import Refused
from mockcc.messaging import Change
from mockcc.state.models import Account, Conversation
from mockcc.types import JSON

log = logging.getLogger("mockcc.bots")

TYPING_SECONDS = 0.25
EXPECT_TIMEOUT = 3600.0
#: Texts waiting for one conversation's echo worker; past it the oldest waiting text is dropped.
ECHO_BACKLOG = 100
#: Texts queued for one script's ``expect`` steps; past it new texts are not queued.
SCRIPT_INBOX = 100


class _Run:
    """One bot task's bookkeeping: is it waiting (on the clock or the consumer), so the mock is idle?"""

    def __init__(self) -> None:
        self.sleeping_until: float | None = None
        self.waiting = False


class Bots:
    """Starts bot work on conversation changes; tracks every task so tests can settle and reset."""

    def __init__(self, desk: AgentDesk, clock: Clock, routing: Routing) -> None:
        self._desk = desk
        self._clock = clock
        self._routing = routing
        self._tasks: dict[asyncio.Task[None], _Run] = {}
        # Weak: a conversation's lock lives while a bot task holds or waits for it, then goes.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._inbox: dict[str, asyncio.Queue[str]] = {}
        # conversation id -> (sequence, text) waiting for that conversation's one echo worker
        self._echoes: dict[str, deque[tuple[int | None, str]]] = {}
        #: What overload cost: texts never echoed, texts never seen by a script.
        self.overload: Counter[str] = Counter({"echo_dropped": 0, "script_inbox_dropped": 0})

    def agent_for(self, account: Account, conversation: Conversation) -> JSON:
        return account.skill_agents.get(conversation.skill_id, account.agent)

    def on_change(self, change: Change) -> None:
        """Messaging listener: react to a new conversation or a consumer's text."""
        conv, event = change.conversation, change.event
        spec = self.agent_for(change.account, conv)
        kind = spec.get("type")
        if kind == "none" or self._routing.claims(change.account, conv):  # a socket agent's conversation
            return
        if event is None:
            if (
                kind == "script"
                and conv.conversation_id not in self._inbox
                and not conv.main.events
                and conv.resumed_from is None  # a resumed conversation continues the script that resumed it
            ):
                self._inbox[conv.conversation_id] = asyncio.Queue(maxsize=SCRIPT_INBOX)
                self._spawn(self._script(change.account, conv, list(spec["steps"])), conv)
            return
        if event.role != "CONSUMER" or event.event.get("type") != "ContentEvent":
            return
        text = event.event.get("message")
        if not isinstance(text, str) or event.dialog_id != conv.main.dialog_id:
            return
        if kind == "echo":
            typing = float(spec.get("typing_seconds", TYPING_SECONDS))
            self._queue_echo(change.account, conv, event.sequence, text, typing)
        elif (inbox := self._inbox.get(conv.conversation_id)) is not None:
            if inbox.full():
                self.overload["script_inbox_dropped"] += 1
            else:
                inbox.put_nowait(text)

    def _queue_echo(self, account: Account, conv: Conversation, sequence: int | None, text: str, typing: float) -> None:
        """Queue ``text`` for the conversation's echo worker, starting one if none runs."""
        backlog = self._echoes.get(conv.conversation_id)
        if backlog is None:
            backlog = self._echoes[conv.conversation_id] = deque(maxlen=ECHO_BACKLOG)
            self._spawn(self._echo(account, conv, backlog, typing), conv)
        elif len(backlog) == ECHO_BACKLOG:
            self.overload["echo_dropped"] += 1
        backlog.append((sequence, text))

    def backlog(self) -> int:
        """Texts waiting for echo workers, over every conversation."""
        return sum(len(b) for b in self._echoes.values())

    def _spawn(self, work: Coroutine[Any, Any, None], conv: Conversation) -> None:
        run = _Run()
        task = asyncio.get_running_loop().create_task(self._guard(work, conv, run))
        self._tasks[task] = run
        task.add_done_callback(lambda t: self._tasks.pop(t, None))

    async def _guard(self, work: Coroutine[Any, Any, None], conv: Conversation, run: _Run) -> None:
        lock = self._locks.get(conv.conversation_id)
        if lock is None:
            lock = self._locks[conv.conversation_id] = asyncio.Lock()
        try:
            async with lock:
                await work
        except Refused as exc:  # the conversation moved on (closed, transferred) under the bot
            log.info("bot on %s stopped: %s", conv.conversation_id, exc)

    async def _sleep(self, seconds: float) -> None:
        run = self._tasks.get(asyncio.current_task())  # type: ignore[arg-type]
        if run is not None:
            run.sleeping_until = self._clock.now() + seconds
        try:
            await self._clock.sleep(seconds)
        finally:
            if run is not None:
                run.sleeping_until = None

    async def _typing(self, account: Account, conv: Conversation, seconds: float) -> None:
        self._desk.chat_state(account, conv, "COMPOSING")
        await self._sleep(seconds)
        self._desk.chat_state(account, conv, "ACTIVE")

    async def _echo(
        self, account: Account, conv: Conversation, backlog: deque[tuple[int | None, str]], typing: float
    ) -> None:
        """Answer the backlog a batch at a time until it is empty, then end (the backlog goes with it)."""
        try:
            while backlog:
                batch = list(backlog)
                backlog.clear()
                if conv.agent() is None:
                    self._desk.join(account, conv)
                sequences = [seq for seq, _ in batch if seq is not None]
                if sequences:
                    for status in ("ACCEPT", "READ"):
                        self._desk.receipt(account, conv, status, sequences, conv.main.dialog_id)
                self._desk.chat_state(account, conv, "COMPOSING")
                await self._sleep(typing)
                for _, text in batch:
                    self._desk.text(account, conv, text)
                    await asyncio.sleep(0)  # one text at a time: a batch never holds the loop for long
                self._desk.chat_state(account, conv, "ACTIVE")
        finally:
            if self._echoes.get(conv.conversation_id) is backlog:
                del self._echoes[conv.conversation_id]

    async def _expect(self, conv: Conversation, wanted: str) -> None:
        inbox = self._inbox[conv.conversation_id]
        run = self._tasks.get(asyncio.current_task())  # type: ignore[arg-type]
        if run is not None:
            run.waiting = True
        try:
            got = await asyncio.wait_for(inbox.get(), EXPECT_TIMEOUT)
        finally:
            if run is not None:
                run.waiting = False
        if wanted.lower() not in got.lower():
            log.warning("script on %s expected %r, consumer wrote %r", conv.conversation_id, wanted, got)

    async def _script(self, account: Account, conv: Conversation, steps: list[JSON]) -> None:
        try:
            for step in steps:
                conv = await self._step(account, conv, step)
        finally:
            self._inbox.pop(conv.conversation_id, None)

    def _resume(self, account: Account, conv: Conversation, text: str) -> Conversation:
        """``resume: text``: the script goes on in the new conversation (and hears the consumer there)."""
        resumed, _ = self._desk.resume(account, conv, text)
        if (inbox := self._inbox.pop(conv.conversation_id, None)) is not None:
            self._inbox[resumed.conversation_id] = inbox
        return resumed

    async def _step(self, account: Account, conv: Conversation, step: JSON) -> Conversation:
        if "resume" in step:
            return self._resume(account, conv, str(step["resume"]))
        if "wait" in step:
            await self._sleep(float(step["wait"]))
        elif "expect" in step:
            await self._expect(conv, str(step["expect"]))
        elif "join" in step:
            if conv.agent() is None:
                self._desk.join(account, conv)
        elif "read" in step:
            self._desk.read_all(account, conv, "ACCEPT", "READ")
        elif "typing" in step:
            await self._typing(account, conv, TYPING_SECONDS if step["typing"] is True else float(step["typing"]))
        elif "say" in step:
            self._desk.text(account, conv, str(step["say"]), quick_replies=step.get("quickReplies"))
        elif "rich" in step:
            self._desk.rich_content(account, conv, dict(step["rich"]), metadata=step.get("metadata"))
        elif "transfer" in step:
            self._desk.transfer(account, conv, str(step["transfer"]))
        elif "close" in step:
            self._desk.close(account, conv, survey=step["close"] == "survey")
        return conv

    def idle(self) -> bool:
        """True when every bot task waits on a future clock time or on the consumer."""
        now = self._clock.now()
        return all(
            run.waiting or (run.sleeping_until is not None and run.sleeping_until > now) for run in self._tasks.values()
        )

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._locks.clear()
        self._inbox.clear()
        self._echoes.clear()
        self.overload = Counter({"echo_dropped": 0, "script_inbox_dropped": 0})
