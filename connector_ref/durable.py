"""What must survive a restart: each consumer's open conversation, and whose each open conversation is.

LivePerson allows a consumer one open conversation and offers no way to look it up, so a connector
that forgets the mapping on a redeploy cannot reach its consumers' conversations until agents close
them. With ``CONNECTOR_STATE_DIR`` set, the open part of the bridge's memory is written to
``connector_ref-state.json`` there (a temporary file, then a rename: never half written) at most
``SAVE_EVERY`` seconds after it changed, and when the connector stops; it is read back at start.
Without it, state lives in memory only. Tokens are not kept: they are fetched again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from connector_ref.state import Memory

log = logging.getLogger("connector_ref.durable")

JSON = dict[str, Any]
FILE = "connector_ref-state.json"
SAVE_EVERY = 0.5


def snapshot(memory: Memory) -> JSON:
    """The open conversations, their consumers and indexes, as JSON."""
    conversations = {c.conversation_id: c for c in memory.conversations.values() if not c.finished}
    owners = {c.consumer_id for c in conversations.values()}
    return {
        "conversations": {
            cid: {"consumer": c.consumer_id, "updated_ts": c.updated_ts, "agent": c.agent_id}
            for cid, c in conversations.items()
        },
        "consumers": {
            cid: {"conversation": c.conversation_id, "dialog": c.dialog_id, "lp_id": c.lp_id}
            for cid, c in memory.consumers.items()
            if c.conversation_id in conversations or (cid in owners and c.lp_id)
        },
        "dialogs": {d: cid for d, cid in memory.dialogs.items() if cid in conversations},
    }


def restore(memory: Memory, doc: JSON) -> int:
    """Put a snapshot back into ``memory``; how many conversations it held."""
    for cid, c in dict(doc.get("conversations") or {}).items():
        conversation = memory.own(str(cid), str(c["consumer"]))
        conversation.updated_ts, conversation.agent_id = int(c.get("updated_ts", -1)), c.get("agent")
    for cid, c in dict(doc.get("consumers") or {}).items():
        consumer = memory.consumer(str(cid))
        consumer.conversation_id, consumer.dialog_id = c.get("conversation"), c.get("dialog")
        consumer.lp_id = c.get("lp_id")
        if consumer.lp_id:
            memory.by_lp_id[consumer.lp_id] = consumer.consumer_id
    memory.dialogs.update({str(d): str(cid) for d, cid in dict(doc.get("dialogs") or {}).items()})
    return len(doc.get("conversations") or {})


class Durable:
    """Saves the memory's open part to ``directory`` (none: nothing is saved), debounced."""

    def __init__(self, directory: str, memory: Memory) -> None:
        self.path = Path(directory) / FILE if directory else None
        self._memory = memory
        self._pending: asyncio.TimerHandle | None = None

    def load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            count = restore(self._memory, json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("state in %s not read (starting empty): %s", self.path, exc)
            return
        log.info("state: %d open conversation(s) restored from %s", count, self.path)

    def changed(self) -> None:
        """Save soon (once for a burst of changes)."""
        if self.path is not None and self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(SAVE_EVERY, self.save)

    def save(self) -> None:
        self._pending = None
        if self.path is None:
            return
        temporary = self.path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(snapshot(self._memory)), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as exc:
            log.error("state not saved to %s: %s", self.path, exc)

    def close(self) -> None:
        """The last save, now (the connector is stopping)."""
        if self._pending is not None:
            self._pending.cancel()
        with contextlib.suppress(Exception):
            self.save()
