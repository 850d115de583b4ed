"""How the suite plays the consumer: the ``ChannelDriver`` protocol and its HTTP implementation.

A connector sits between a messaging channel and LivePerson. The suite needs four things from the
channel side: make a consumer write, type and close, and read what the consumer received. A brand
whose channel is not the reference connector's HTTP protocol implements ``ChannelDriver`` (a plain
class with these methods) and passes it to ``run_suite``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import httpx

from mockcc_contracts.channel.app import create_channel_app
from mockcc_contracts.channel.runner import ServerThread

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sent:
    """The channel's answer to a consumer action."""

    accepted: bool
    message_id: str | None = None
    detail: JSON = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Received:
    """One thing the consumer got from the connector.

    ``kind`` is one of the channel protocol's types: ``text`` (agent messages and text fallbacks of
    rich content), ``typing``, ``receipt``, ``agent_joined``, ``agent_left``, ``closed``, ``sent``,
    ``error``; ``raw`` is the object as the channel received it.
    """

    kind: str
    text: str | None
    raw: JSON


@runtime_checkable
class ChannelDriver(Protocol):
    """The consumer's side of a brand's channel, as the suite drives it."""

    def send_text(self, consumer_id: str, text: str, *, profile: JSON | None = None) -> Sent:
        """The consumer writes ``text`` (``profile`` on its first message: names, email, ...)."""
        ...

    def send_typing(self, consumer_id: str, composing: bool = True) -> Sent:
        """The consumer starts (or stops) typing."""
        ...

    def close(self, consumer_id: str) -> Sent:
        """The consumer ends the conversation."""
        ...

    def received(self, consumer_id: str) -> list[Received]:
        """Everything the consumer got from the connector so far, oldest first."""
        ...


class HttpChannelDriver:
    """The HTTP channel protocol of ``connector_ref/README.md``, played by the channel simulator.

    The simulator serves the connector's outbound URL (``outbound_url``) on a loopback port (``port``:
    0 for any free one, or the port a running connector was configured with) and POSTs consumer
    actions to the connector's inbound URL.
    """

    def __init__(self, inbound_url: str | None = None, *, port: int = 0, host: str = "127.0.0.1") -> None:
        self._server = ServerThread(create_channel_app(inbound_url), host=host, port=port, name="channel")
        self.url = self._server.start()
        self.outbound_url = f"{self.url}/outbound"
        self._http = httpx.Client(base_url=self.url, timeout=60)

    def connect(self, inbound_url: str) -> None:
        """Where the connector takes consumer actions (``POST /channel/messages``)."""
        self._http.put("/config", json={"connector_url": inbound_url}).raise_for_status()

    def _act(self, consumer_id: str, action: str, body: JSON) -> Sent:
        response = self._http.post(f"/consumers/{consumer_id}/{action}", json=body)
        try:
            doc = response.json()
        except ValueError:
            doc = {"text": response.text[:500]}
        accepted = response.status_code == 200 and bool(doc.get("accepted"))
        message_id = doc.get("messageId")
        return Sent(accepted, str(message_id) if message_id is not None else None, doc)

    def send_text(self, consumer_id: str, text: str, *, profile: JSON | None = None) -> Sent:
        body: JSON = {"text": text}
        if profile is not None:
            body["profile"] = profile
        return self._act(consumer_id, "messages", body)

    def send_typing(self, consumer_id: str, composing: bool = True) -> Sent:
        return self._act(consumer_id, "typing", {"chatState": "COMPOSING" if composing else "PAUSE"})

    def close(self, consumer_id: str) -> Sent:
        return self._act(consumer_id, "close", {})

    def received(self, consumer_id: str) -> list[Received]:
        entries = self._http.get(f"/consumers/{consumer_id}/transcript").json()["transcript"]
        return [
            Received(str(e.get("type")), e.get("text") if isinstance(e.get("text"), str) else None, e)
            for e in entries
            if e.get("from") == "connector"
        ]

    def refusals(self, consumer_id: str | None = None) -> list[JSON]:
        """Events the connector POSTed that the channel refused as not matching ``schemas/channel.yaml``
        (of one consumer, or of the whole run), each with its ``mockcc`` explanation."""
        if consumer_id is None:
            return list(self._http.get("/refusals").json()["refusals"])
        return [e for e in self.transcript(consumer_id) if e.get("from") == "simulator" and e.get("type") == "refused"]

    def transcript(self, consumer_id: str) -> list[JSON]:
        """Both sides, as the simulator recorded them (for evidence)."""
        return list(self._http.get(f"/consumers/{consumer_id}/transcript").json()["transcript"])

    def stop(self) -> None:
        self._http.close()
        self._server.stop()
