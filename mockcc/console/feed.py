"""What the console is told: the mock's change announcements turned into server-sent events.

It listens where the webhooks listen (``Messaging`` changes), and to the delivery log, the journal
and resets. Clock, faults and installation states have no announcements of their own; the stream
compares a small snapshot of them once a second (busy or idle) and sends what changed.

Events: ``hello`` (first), ``conversation`` (a conversation as ``GET .../conversations/{id}``
shows it, without events), ``event`` (one messaging event, as a notification change), ``delivery``
(a delivery log entry, body cut to ``DELIVERY_BODY_LIMIT``), ``journal`` (a finished inbound call),
``clock``, ``faults``, ``webhooks`` (installation states), ``resync`` (reload everything after a
reset; only the ``panels`` it names when this console fell behind: see ``hub.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from mockcc.console.hub import Hub
from mockcc.control.common import conversation_view
from mockcc.journal import Call
from mockcc.messaging import Change
from mockcc.mock import Mock
from mockcc.types import JSON
from mockcc.webhooks.notifications import messaging_event

DELIVERY_BODY_LIMIT = 16_384  # characters of a delivery body pushed; the log keeps it whole


class Feed:
    """Subscribes to one mock's announcements and publishes them on its hub."""

    def __init__(self, mock: Mock, hub: Hub | None = None) -> None:
        self.mock = mock
        self.hub = hub or Hub()
        self.closed = False
        mock.messaging.listeners.append(self.on_change)
        mock.dispatcher.listeners.append(self.on_delivery)
        mock.journal.listeners.append(self.on_call)
        mock.reset_listeners.append(self.on_reset)
        mock.limit_reporters["console"] = self.hub.limits

    def close(self) -> None:
        """End every stream at its next tick (server shutdown must not wait on open consoles)."""
        self.closed = True

    def on_change(self, change: Change) -> None:
        if not self.hub:
            return
        conv = change.conversation
        if change.event is None:
            view = conversation_view(self.mock, change.account, conv, events=False)
            self.hub.publish("conversation", {"accountId": change.account.account_id, "conversation": view})
            return
        _, body = messaging_event(conv, change.event)
        self.hub.publish(
            "event",
            {
                "accountId": change.account.account_id,
                "convId": conv.conversation_id,
                "change": body["body"]["changes"][0],
                "at": self.mock.clock.now_ms(),
            },
        )

    def on_delivery(self, made: Callable[[], JSON]) -> None:
        if not self.hub:
            return  # no console open: the entry is not even built
        entry = made()
        body = entry.get("body")
        if isinstance(body, str) and len(body) > DELIVERY_BODY_LIMIT:
            entry = {**entry, "body": body[:DELIVERY_BODY_LIMIT], "body_truncated": True}
        self.hub.publish("delivery", entry)

    def on_call(self, call: Call) -> None:
        if self.hub:
            self.hub.publish("journal", call.as_dict())

    def on_reset(self) -> None:
        self.hub.publish("resync", {"reason": "reset"})

    # -- the idle tick ------------------------------------------------------------------------

    def clock(self) -> JSON:
        clock = self.mock.clock
        return {"now": clock.now(), "now_ms": clock.now_ms(), "offset": clock.offset(), "frozen": clock.frozen}

    def snapshot(self) -> dict[str, str]:
        """Kind -> JSON text of what has no announcement; a stream sends the kinds that changed."""
        status = self.mock.dispatcher.status()
        states = [
            {k: i[k] for k in ("account_id", "client_id", "mode", "state", "stored", "next_retry_at")}
            for i in status["installations"]
        ]
        clock = self.mock.clock
        return {
            "clock": json.dumps({"offset": clock.offset(), "frozen": clock.frozen}),
            "faults": json.dumps({"faults": self.mock.faults.list(), "webhook_faults": self.mock.dispatcher.faults()}),
            "webhooks": json.dumps(states, default=str),
        }

    def payload(self, kind: str, text: str) -> object:
        """What a changed snapshot kind is sent as (the clock with its current time)."""
        if kind == "clock":
            return self.clock()
        return json.loads(text)
