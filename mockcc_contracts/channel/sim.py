"""The channel simulator's state: per-consumer transcripts and the way to talk to the connector.

Every entry is one JSON object with ``n`` (order across the whole simulator), ``at`` (wall time),
``from`` and ``type``. ``from`` is ``consumer`` for what the simulated consumer did, ``connector``
for what the connector POSTed to the channel (the object verbatim), and ``simulator`` when the
connector refused or could not be reached. The connector protocol is documented in
``connector_ref.channel``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import httpx

from mockcc_contracts.channel.protocol import check_event

JSON = dict[str, Any]
Predicate = Callable[[list[JSON]], bool]
MAX_UNROUTED = 1000  # outbound objects kept that name no consumer; past it the oldest go


class ChannelSim:
    """Transcripts plus a client for the connector's inbound URL; lives in one event loop."""

    def __init__(self, connector_url: str | None = None, *, max_entries: int = 10_000) -> None:
        self.connector_url = connector_url
        self.max_entries = max_entries
        self.transcripts: dict[str, list[JSON]] = {}
        self.unrouted: list[JSON] = []  # outbound objects without a usable consumerId
        self.fail_outbound = 0  # answer the next N outbound POSTs with ``fail_status``
        self.fail_status = 503
        self._counter = itertools.count(1)
        self._changed: asyncio.Event | None = None
        self._http: httpx.AsyncClient | None = None

    # -- recording -----------------------------------------------------------------------------

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def record(self, consumer_id: str, source: str, entry: JSON) -> JSON:
        """Append to the consumer's transcript (oldest entries fall off past ``max_entries``)."""
        full = {"n": next(self._counter), "at": time.time(), "from": source, **entry}
        transcript = self.transcripts.setdefault(consumer_id, [])
        transcript.append(full)
        del transcript[: -self.max_entries]
        changed, self._changed = self._event(), asyncio.Event()
        changed.set()
        return full

    def outbound(self, doc: object) -> tuple[int, JSON]:
        """An object POSTed by the connector: checked against the channel protocol, recorded; the answer.

        An event that does not match ``channel/event.json`` is refused (400) with the explanation, and the
        refusal is kept in the consumer's transcript (``from: simulator``, ``type: refused``), so a
        contract's evidence shows it."""
        if self.fail_outbound > 0:
            self.fail_outbound -= 1
            return self.fail_status, {"ok": False, "error": "a channel fault armed by the test"}
        explanation = check_event(doc)
        if explanation is not None:
            consumer = doc.get("consumerId") if isinstance(doc, dict) else None
            refusal = {"type": "refused", "status": 400, "event": doc, "mockcc": explanation}
            if isinstance(consumer, str) and consumer:
                self.record(consumer, "simulator", refusal)
            else:
                self.unroutable(doc, explanation)
            return 400, {"ok": False, "error": explanation["explanation"], "mockcc": explanation}
        assert isinstance(doc, dict)
        self.record(doc["consumerId"], "connector", doc)
        return 200, {"ok": True}

    def unroutable(self, body: object, explanation: JSON) -> None:
        """Keep an outbound object no consumer can be found for (the newest ``MAX_UNROUTED``)."""
        self.unrouted.append({"at": time.time(), "body": body, "mockcc": explanation})
        del self.unrouted[:-MAX_UNROUTED]

    def refusals(self, consumer_id: str | None = None) -> list[JSON]:
        """Events refused as not matching the protocol (of one consumer, or all, unrouted ones included)."""
        transcripts = [self.transcripts.get(consumer_id, [])] if consumer_id else list(self.transcripts.values())
        found = [e for t in transcripts for e in t if e.get("from") == "simulator" and e.get("type") == "refused"]
        if consumer_id is None:
            found += [
                {"type": "refused", "event": u["body"], "mockcc": u["mockcc"]} for u in self.unrouted if "mockcc" in u
            ]
        return found

    def reset(self) -> None:
        self.transcripts.clear()
        self.unrouted.clear()
        self.fail_outbound = 0

    async def wait_for(self, consumer_id: str, predicate: Predicate, within: float) -> bool:
        """Wait until ``predicate(transcript)`` holds; False after ``within`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate(self.transcripts.get(consumer_id, [])):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event().wait(), remaining)
            except TimeoutError:
                return False
        return True

    # -- acting as the consumer -----------------------------------------------------------------

    async def _post(self, consumer_id: str, doc: JSON) -> JSON:
        if not self.connector_url:
            raise RuntimeError("no connector URL: configure the simulator with the connector's inbound URL")
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=30)
        self.record(consumer_id, "consumer", {k: v for k, v in doc.items() if k != "consumerId"})
        try:
            response = await self._http.post(self.connector_url, json={"consumerId": consumer_id, **doc})
        except httpx.HTTPError as exc:
            failure = {"type": "send_failed", "status": None, "error": f"{type(exc).__name__}: {exc}"}
            self.record(consumer_id, "simulator", failure)
            return {"accepted": False, **failure}
        try:
            answer = response.json()
        except ValueError:
            answer = {"text": response.text[:500]}
        answer = answer if isinstance(answer, dict) else {"answer": answer}
        if response.status_code >= 300:
            self.record(
                consumer_id, "simulator", {"type": "send_failed", "status": response.status_code, "error": answer}
            )
        return {"status": response.status_code, **answer}

    async def send(
        self, consumer_id: str, text: str, *, profile: JSON | None = None, message_id: str | None = None
    ) -> JSON:
        """The consumer writes ``text``; returns the connector's answer (``messageId`` when accepted)."""
        doc: JSON = {"type": "text", "text": text}
        if profile is not None:
            doc["profile"] = profile
        if message_id is not None:
            doc["messageId"] = message_id
        return await self._post(consumer_id, doc)

    async def typing(self, consumer_id: str, chat_state: str = "COMPOSING") -> JSON:
        return await self._post(consumer_id, {"type": "typing", "chatState": chat_state})

    async def read(self, consumer_id: str, sequences: list[int] | None = None) -> JSON:
        """The consumer read agent messages: ``sequences``, or every one of its current conversation unread."""
        if sequences is None:
            sequences = unread(self.transcripts.get(consumer_id, []))
        if not sequences:
            return {"accepted": True, "sequences": []}  # nothing unread: nothing to tell the connector
        return await self._post(consumer_id, {"type": "read", "sequences": sequences})

    async def close(self, consumer_id: str) -> JSON:
        """The consumer asks to end the conversation."""
        return await self._post(consumer_id, {"type": "close"})

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def agent_texts(transcript: list[JSON]) -> list[str]:
    """The agent-side texts the connector delivered, in order."""
    return [str(e.get("text")) for e in transcript if e.get("from") == "connector" and e.get("type") == "text"]


def unread(transcript: list[JSON]) -> list[int]:
    """Sequences of the agent texts of the latest conversation the consumer has not read yet."""
    texts = [e for e in transcript if e.get("from") == "connector" and e.get("type") == "text"]
    if not texts:
        return []
    latest = texts[-1].get("conversationId")
    read = {s for e in transcript if e.get("from") == "consumer" and e.get("type") == "read" for s in e["sequences"]}
    return [
        e["sequence"]
        for e in texts
        if e.get("conversationId") == latest and isinstance(e.get("sequence"), int) and e["sequence"] not in read
    ]


def render(consumer_id: str, transcript: list[JSON]) -> list[str]:
    """A transcript as readable lines (for people: the demo, the simulator's index page)."""
    lines = [f"== consumer {consumer_id}"]
    for e in transcript:
        kind, source = e.get("type"), e.get("from")
        if source == "consumer":
            what = {
                "text": f"says: {e.get('text')}",
                "close": "asks to close the conversation",
                "typing": f"typing: {e.get('chatState')}",
                "read": f"read agent messages {e.get('sequences')}",
            }.get(str(kind), str(kind))
            lines.append(f"  consumer  -> {what}")
        elif source == "simulator" and kind == "refused":
            lines.append(f"  !! channel refused the connector's event: {e.get('mockcc', {}).get('explanation')}")
        elif source == "simulator":
            lines.append(f"  !! connector refused or unreachable: {e.get('status')} {e.get('error')}")
        else:
            lines.append(f"  connector <- {_describe(e)}")
    return lines


def _describe(e: JSON) -> str:
    kind = e.get("type")
    if kind == "text":
        extra = " (text fallback of rich content)" if e.get("fallback") else ""
        return f"agent says: {e.get('text')}{extra}  [seq {e.get('sequence')}]"
    if kind == "typing":
        return "agent is typing…" if e.get("typing") else "agent stopped typing"
    if kind == "receipt":
        return f"agent receipt {e.get('status')} for {e.get('messageIds') or e.get('sequences')}"
    if kind == "sent":
        return f"message {e.get('messageId')} reached LivePerson  [seq {e.get('sequence')}]"
    if kind == "resumed":
        return f"an agent resumed the conversation as {e.get('conversationId')}"
    if kind == "agent_joined":
        return f"agent {e.get('agentId')} joined"
    if kind == "closed":
        return f"conversation closed by {e.get('by')}"
    if kind == "error":
        return f"ERROR for message {e.get('messageId')}: {e.get('text')}"
    return f"{kind}: { {k: v for k, v in e.items() if k not in ('n', 'at', 'from', 'type', 'consumerId')} }"
