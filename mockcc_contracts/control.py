"""A typed client for the mock's control plane (``/_mockcc/...``), for the suite and brands' tests.

Every state-changing call sends a JSON body with ``Content-Type: application/json`` and the Host of
the URL it was given (the mock refuses other hosts and non-JSON control calls). It wraps any
``httpx.Client`` whose base URL is the mock's, so it works against a live server and against
Starlette's in-process ``TestClient`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

JSON = dict[str, Any]


class ControlError(RuntimeError):
    """The mock refused a control call; the message carries its explanation."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a connector needs to reach the mock: its base URL, the account and the app's credentials."""

    base_url: str
    account_id: str
    client_id: str
    client_secret: str

    @property
    def csds_host(self) -> str:
        """``host:port``, what a connector is configured with as its CSDS domain."""
        return self.base_url.split("://", 1)[-1].rstrip("/")

    @property
    def scheme(self) -> str:
        return self.base_url.split("://", 1)[0]


class ControlClient:
    """``/_mockcc`` calls with typed results; raises ``ControlError`` on a refusal."""

    def __init__(self, http: httpx.Client | str, account_id: str | None = None, *, timeout: float = 30.0) -> None:
        self.http = http if isinstance(http, httpx.Client) else httpx.Client(base_url=http, timeout=timeout)
        self._account_id = account_id

    def close(self) -> None:
        self.http.close()

    # -- plumbing ---------------------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 300:
            raise ControlError(
                f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:500]}"
            )
        return response.json() if response.content else {}

    def get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return self._check(self.http.get(path, params=query))

    def post(self, path: str, body: object | None = None) -> Any:
        return self._check(self.http.post(path, json={} if body is None else body))

    def delete(self, path: str) -> Any:
        return self._check(self.http.request("DELETE", path, json={}))

    @property
    def account_id(self) -> str:
        if self._account_id is None:
            self._account_id = str(self.get("/_mockcc/health")["accounts"][0])
        return self._account_id

    # -- state ------------------------------------------------------------------------------------

    def health(self) -> JSON:
        return dict(self.get("/_mockcc/health"))

    def reset(self, seed: JSON | None = None) -> JSON:
        """Back to the seed, or to ``seed`` (the same document as ``mockcc serve --config``)."""
        return dict(self.post("/_mockcc/reset", seed))

    def state(self) -> JSON:
        return dict(self.get("/_mockcc/state"))

    def conversations(self) -> list[JSON]:
        return list(self.get(f"/_mockcc/accounts/{self.account_id}/conversations"))

    def conversation(self, conversation_id: str) -> JSON:
        """One conversation with its events (as notification changes)."""
        return dict(self.get(f"/_mockcc/accounts/{self.account_id}/conversations/{conversation_id}"))

    def journal(self, *, service: str | None = None, since_id: int = 0, limit: int | None = None) -> list[JSON]:
        """Inbound calls the mock received, oldest first (control calls are never journaled)."""
        doc = self.get("/_mockcc/journal", service=service, since_id=since_id or None, limit=limit)
        return list(doc["calls"])

    # -- time -------------------------------------------------------------------------------------

    def clock(self) -> JSON:
        return dict(self.get("/_mockcc/clock"))

    def now(self) -> float:
        return float(self.clock()["now"])

    def advance(self, seconds: float) -> JSON:
        """Move the mock's clock; answers once the timers it woke have run."""
        return dict(self.post("/_mockcc/clock/advance", {"seconds": seconds}))

    def settle(self) -> bool:
        """Wait until the deliveries and bots due now have run."""
        return bool(self.post("/_mockcc/settle")["settled"])

    # -- faults -----------------------------------------------------------------------------------

    def fault(self, kind: str, *, count: int | None = 1, scope: str = "sendapi", **extra: Any) -> JSON:
        """Arm a Send API fault (``429``, ``500``, ``503``, ``401``, ``400``, ``403``, ``delay``)."""
        return dict(self.post("/_mockcc/faults", {"kind": kind, "count": count, "scope": scope, **extra}))

    def clear_faults(self) -> None:
        self.delete("/_mockcc/faults")

    def webhook_fault(self, endpoint: str, kind: str, *, count: int | None = 1, **extra: Any) -> JSON:
        """Arm a delivery fault on one endpoint: drop, delay, duplicate, reorder, corrupt_signature."""
        return dict(
            self.post("/_mockcc/webhooks/faults", {"endpoint": endpoint, "kind": kind, "count": count, **extra})
        )

    def clear_webhook_faults(self) -> None:
        self.delete("/_mockcc/webhooks/faults")

    def deliveries(self) -> list[JSON]:
        """Every webhook delivery attempt (and fate), oldest first."""
        return list(self.get("/_mockcc/webhooks/deliveries")["deliveries"])

    def webhook_status(self) -> JSON:
        return dict(self.get("/_mockcc/webhooks/status"))

    # -- the agent's chair ------------------------------------------------------------------------

    def agent(self, conversation_id: str, action: str, body: JSON | None = None) -> JSON:
        """An agent action: join, chat-state, receipt, text, note, rich-content, file, transfer, close, system-close,
        resume, auto-message."""
        path = f"/_mockcc/accounts/{self.account_id}/conversations/{conversation_id}/agent/{action}"
        return dict(self.post(path, body or {}))

    def agent_view(self, conversation_id: str) -> JSON:
        """What the agent sees: each agent message with the consumer's receipts, and the consumer typing."""
        return dict(self.get(f"/_mockcc/accounts/{self.account_id}/conversations/{conversation_id}/agent-view"))


class Agent:
    """The agent of one conversation, in a few words: ``agent.join(); agent.say("hi"); agent.close()``."""

    def __init__(self, control: ControlClient, conversation_id: str) -> None:
        self.control = control
        self.conversation_id = conversation_id

    def join(self) -> str:
        return str(self.control.agent(self.conversation_id, "join")["agentId"])

    def say(self, text: str) -> int:
        """Publish an agent text; its sequence."""
        return int(self.control.agent(self.conversation_id, "text", {"text": text})["sequence"])

    def note(self, text: str) -> int:
        """A private note (agents and managers only: must never reach the consumer)."""
        return int(self.control.agent(self.conversation_id, "note", {"text": text})["sequence"])

    def typing(self, composing: bool = True) -> None:
        self.control.agent(self.conversation_id, "chat-state", {"chatState": "COMPOSING" if composing else "PAUSE"})

    def rich(self, content: JSON) -> int:
        return int(self.control.agent(self.conversation_id, "rich-content", {"content": content})["sequence"])

    def read(self, sequences: list[int]) -> None:
        self.control.agent(self.conversation_id, "receipt", {"status": "READ", "sequenceList": sequences})

    def transfer(self, skill_id: str = "-1") -> None:
        self.control.agent(self.conversation_id, "transfer", {"skillId": skill_id})

    def close(self) -> None:
        self.control.agent(self.conversation_id, "close")

    def resume(self, text: str) -> str:
        """Resume this (closed) conversation with ``text``: LivePerson opens a new one; its id."""
        answer = self.control.agent(self.conversation_id, "resume", {"text": text})
        return str(answer["conversation"]["convId"])

    def manager_join(self, role: str = "MANAGER") -> str:
        """A manager (or, with ``READER``, a reader) joins: not the consumer's agent."""
        return str(self.control.agent(self.conversation_id, "join", {"role": role})["agentId"])

    def view(self) -> JSON:
        return self.control.agent_view(self.conversation_id)
