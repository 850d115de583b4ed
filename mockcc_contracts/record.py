"""The run's record of what the mock saw: every journal call and webhook delivery, kept across resets.

The mock's journal and delivery log start again at every reset (each contract begins with one); the
record copies them as they grow, so the run-wide contracts, the coverage and the evidence see the whole
run, and tells ``watch.Attribution`` of every call so late traffic is known for whose it is.
"""

from __future__ import annotations

import json
import time
from typing import Any

from mockcc_contracts.control import ControlClient
from mockcc_contracts.watch import Attribution

JSON = dict[str, Any]


def items(call: JSON) -> list[JSON]:
    """The request objects of a Send API call (CONVERSATION takes a list, SEND one object)."""
    try:
        doc = json.loads(call.get("request_body") or "null")
    except ValueError:
        return []
    return [d for d in (doc if isinstance(doc, list) else [doc]) if isinstance(d, dict)]


def in_flight(call: JSON) -> bool:
    """Still being answered: no status yet (a call the ``disconnect`` fault closed has status 0 for good)."""
    return not call["status"] and call.get("fault") != "disconnect"


def event_of(item: JSON) -> JSON:
    body = item.get("body")
    event = body.get("event") if isinstance(body, dict) else None
    return event if isinstance(event, dict) else {}


class RunRecord:
    """Every journal call and delivery of the run, in order, with the queries contracts ask of them."""

    def __init__(self, control: ControlClient) -> None:
        self.control = control
        self.history: list[JSON] = []  # every journal entry of the run
        self.delivery_history: list[JSON] = []
        self.attribution = Attribution()
        self._seen_call = 0
        self._seen_delivery = 0

    def collect(self) -> None:
        """Copy new journal entries and deliveries into the run's history (before a reset clears them)."""
        for call in self.control.journal(since_id=self._seen_call):
            if in_flight(call):
                break  # taken, complete, by a later collect
            self.history.append(call)
            self.attribution.observe(call)
            self._seen_call = max(self._seen_call, int(call["id"]))
        for delivery in self.control.deliveries():
            if int(delivery["id"]) > self._seen_delivery:
                self.delivery_history.append({**delivery, "run_id": len(self.delivery_history) + 1})
                self._seen_delivery = int(delivery["id"])
                if delivery.get("conversation_id"):  # a conversation the journal may never name (a resume)
                    self.attribution.notice(str(delivery["conversation_id"]))

    def collect_when_answered(self, *, quiet: float = 0.0, at_most: float = 3.0) -> None:
        """Wait, at most ``at_most`` seconds, until no call of the connector is still being answered (and,
        with ``quiet``, until the journal has entries and took no new one for ``quiet`` seconds), then
        collect. A reset clears the journal: a call answered between the last collect and the reset (the
        connector's start-up discovery racing the first contract's reset on a loaded machine) would
        otherwise be lost from the run."""
        started = time.monotonic()
        seen, still_since = -1, started
        while time.monotonic() - started < at_most:
            entries = self.control.journal(since_id=self._seen_call)
            now = time.monotonic()
            if len(entries) != seen:
                seen, still_since = len(entries), now
            answering = any(in_flight(c) for c in entries)
            went_quiet = bool(self._seen_call or entries) and now - still_since >= quiet
            if not answering and (not quiet or went_quiet):
                break
            time.sleep(0.05)
        self.collect()

    def mark(self) -> int:
        """The journal position now: ``calls(since=mark)`` is what happened after."""
        self.collect()
        return self._seen_call

    def calls(self, since: int = 0, service: str | None = None) -> list[JSON]:
        self.collect()
        return [c for c in self.history if c["id"] > since and (service is None or c["service"] == service)]

    def sends(self, since: int = 0, *, event_type: str | None = None, dialog_id: str | None = None) -> list[JSON]:
        """SEND calls (``ms.PublishEvent`` and others) since ``since``, filtered by event type and dialog."""
        found = []
        for call in self.calls(since, "send"):
            for item in items(call):
                raw = item.get("body")
                body: JSON = raw if isinstance(raw, dict) else {}
                if event_type is not None and event_of(item).get("type") != event_type:
                    continue
                if (
                    dialog_id is not None
                    and body.get("dialogId") != dialog_id
                    and body.get("conversationId") != dialog_id
                ):
                    continue
                found.append(call)
                break
        return found

    def published_texts(self, since: int = 0, dialog_id: str | None = None) -> list[str]:
        """Texts of accepted (200) consumer ContentEvents."""
        return [
            str(event_of(item).get("message"))
            for call in self.sends(since, event_type="ContentEvent", dialog_id=dialog_id)
            if call["status"] == 200
            for item in items(call)
        ]

    def deliveries(self, since: int = 0, conversation_id: str | None = None) -> list[JSON]:
        self.collect()
        return [
            d
            for d in self.delivery_history
            if d["run_id"] > since and (conversation_id is None or d["conversation_id"] == conversation_id)
        ]

    def delivery_mark(self) -> int:
        self.collect()
        return len(self.delivery_history)
