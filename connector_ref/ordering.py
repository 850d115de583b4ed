"""Put a dialog's sequenced events back in order before the consumer sees them.

Webhooks promise no order outside retention mode: an agent's second message can arrive before
its first. Every ContentEvent, RichContentEvent and AcceptStatusEvent of a dialog takes the next
number of one counter shared by both sides, so with all four messaging webhooks registered the
connector sees every number (its own events come back as echoes, and their SEND answers carry
them too). An event that arrives ahead of a missing number is held until the gap fills, or for
``hold`` seconds at most (a lost notification must delay the conversation, not stop it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from connector_ref.lanes import Lanes, Overloaded

T = TypeVar("T")
JSON = dict[str, Any]
Deliver = Callable[[str, JSON], Awaitable[None]]


@dataclass(slots=True)
class _Dialog(Generic[T]):
    next: int | None = None  # the lowest sequence not yet released or accounted for
    held: dict[int, T] = field(default_factory=dict)
    accounted: set[int] = field(default_factory=set)  # known from our own SEND answers, ahead of ``next``


class Sequencer(Generic[T]):
    """Per-dialog reorder buffer. Not thread-safe; one event loop owns it."""

    def __init__(self, limit: int = 50_000) -> None:
        self._dialogs: dict[str, _Dialog[T]] = {}
        self._limit = limit

    def _dialog(self, dialog_id: str) -> _Dialog[T]:
        dialog = self._dialogs.get(dialog_id)
        if dialog is None:
            if len(self._dialogs) >= self._limit:  # forget the oldest idle dialog
                idle = next((k for k, d in self._dialogs.items() if not d.held), None)
                if idle is not None:
                    del self._dialogs[idle]
            dialog = self._dialogs[dialog_id] = _Dialog()
        return dialog

    def start(self, dialog_id: str, first: int = 0) -> None:
        """A dialog whose numbering we know from the start (a conversation we opened)."""
        self._dialog(dialog_id).next = first

    def note(self, dialog_id: str, sequence: int) -> bool:
        """A sequence we learnt from our own SEND answer: no need to wait for its echo.

        True when that unblocked held events: the caller should then collect them with ``ready``
        (on the dialog's lane, so they are handled in order with everything else).
        """
        dialog = self._dialog(dialog_id)
        if dialog.next is None or sequence < dialog.next:
            return False
        dialog.accounted.add(sequence)
        while dialog.next in dialog.accounted:
            dialog.accounted.discard(dialog.next)
            dialog.next += 1
        return dialog.next in dialog.held

    def ready(self, dialog_id: str) -> list[T]:
        """Held events whose turn has come, in order."""
        dialog = self._dialogs.get(dialog_id)
        return self._advance(dialog) if dialog is not None and dialog.next is not None else []

    def _advance(self, dialog: _Dialog[T]) -> list[T]:
        ready: list[T] = []
        assert dialog.next is not None  # noqa: S101 - callers set it first
        while True:
            if dialog.next in dialog.held:
                ready.append(dialog.held.pop(dialog.next))
            elif dialog.next in dialog.accounted:
                dialog.accounted.discard(dialog.next)
            else:
                return ready
            dialog.next += 1

    def offer(self, dialog_id: str, sequence: int, item: T) -> list[T]:
        """Items now ready, in order: ``item`` and any it unblocked, or [] if it must wait."""
        dialog = self._dialog(dialog_id)
        if dialog.next is None:
            dialog.next = sequence  # joined mid-way: number from the first event seen
        if sequence < dialog.next:
            return [item]  # late (its gap was given up on) or a replay: handle now rather than never
        dialog.held[sequence] = item
        return self._advance(dialog)

    def waiting(self, dialog_id: str) -> bool:
        """True while events of this dialog are held for a gap."""
        dialog = self._dialogs.get(dialog_id)
        return bool(dialog and dialog.held)

    def give_up(self, dialog_id: str) -> list[T]:
        """The gap did not fill in time: release everything held, in order, and move past it."""
        dialog = self._dialogs.get(dialog_id)
        if dialog is None or not dialog.held:
            return []
        sequences = sorted(dialog.held)
        ready = [dialog.held.pop(s) for s in sequences]
        dialog.next = sequences[-1] + 1
        dialog.accounted = {s for s in dialog.accounted if s >= dialog.next}
        return ready + self._advance(dialog)


class Reorderer:
    """A ``Sequencer`` of notification changes, with a give-up timer per waiting dialog.

    Held changes are delivered on the conversation's lane (``deliver(conversation_id, change)``),
    so they take their place in line with everything else that happens to the conversation.
    """

    def __init__(self, hold: float, lanes: Lanes, deliver: Deliver) -> None:
        self.hold = hold
        self.order: Sequencer[JSON] = Sequencer()
        self.given_up = 0
        self._lanes = lanes
        self._deliver = deliver
        self._timers: dict[str, tuple[asyncio.TimerHandle, str]] = {}  # dialog -> (timer, conversation)

    @property
    def waiting(self) -> int:
        """Dialogs with changes held for a gap."""
        return len(self._timers)

    def offer(self, conversation_id: str, dialog_id: str, sequence: int, change: JSON) -> list[JSON]:
        """The changes to deliver now, in order (``change`` itself unless it must wait)."""
        if self.hold <= 0:
            return [change]
        ready = self.order.offer(dialog_id, sequence, change)
        self._arm(conversation_id, dialog_id)
        return ready

    def note(self, conversation_id: str, dialog_id: str, sequence: int) -> None:
        """Our own event's sequence (from a SEND answer) may fill the gap held changes wait for."""
        if self.order.note(dialog_id, sequence):
            self._release(conversation_id, dialog_id, give_up=False)

    def flush(self, dialog_id: str) -> list[JSON]:
        """Everything held for ``dialog_id``, in order (the conversation ended: nothing more is coming)."""
        return self.order.give_up(dialog_id)

    def release_all(self) -> None:
        """Stop waiting for any gap (shutdown): every held change goes to its lane now."""
        for dialog_id, (timer, conversation_id) in list(self._timers.items()):
            timer.cancel()
            self._give_up(conversation_id, dialog_id)

    def _arm(self, conversation_id: str, dialog_id: str) -> None:
        """One timer per dialog while changes are held for a gap, none otherwise."""
        armed = self._timers.get(dialog_id)
        if not self.order.waiting(dialog_id):
            if armed is not None:
                armed[0].cancel()
                del self._timers[dialog_id]
        elif armed is None:
            timer = asyncio.get_running_loop().call_later(self.hold, self._give_up, conversation_id, dialog_id)
            self._timers[dialog_id] = (timer, conversation_id)

    def _give_up(self, conversation_id: str, dialog_id: str) -> None:
        self._timers.pop(dialog_id, None)
        self._release(conversation_id, dialog_id, give_up=True)

    def _release(self, conversation_id: str, dialog_id: str, *, give_up: bool) -> None:
        async def release() -> None:
            held = self.order.give_up(dialog_id) if give_up else self.order.ready(dialog_id)
            self.given_up += give_up and bool(held)
            for change in held:
                await self._deliver(conversation_id, change)
            self._arm(conversation_id, dialog_id)

        with contextlib.suppress(Overloaded):  # the next change of the dialog will release them instead
            self._lanes.submit(conversation_id, release)
