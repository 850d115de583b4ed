"""Reading the run's journal for two questions: whose call is this, and did the mock refuse it for good?

Each contract is an epoch: it starts at a journal id (the mock is reset at its start when the suite
owns the webhook registration). A call that names a conversation first seen in an earlier epoch is
that earlier contract's late traffic (a retry with back-off, arriving after its contract ended): it
is attributed there, never to the contract running now, so no verdict depends on how long another
contract's traffic lasts.

A refusal is a call the mock answered 4xx/5xx on its own account (not a fault the suite armed). The
connector gets ``grace`` seconds to recover from it (a renewed token, a new conversation: a later
success on the same service); a refusal it does not recover from is the root cause a waiting
contract reports at once, quoting the mock's explanation, instead of waiting out its patience.
"""

from __future__ import annotations

import bisect
import re
import time
from typing import Any

JSON = dict[str, Any]
#: How a Send API body names a conversation (SEND's dialogId, CONVERSATION's answers and updates).
CONVERSATION_ID = re.compile(r'"(?:dialogId|conversationId|convId)"\s*:\s*"([^"]+)"')


def named_conversations(text: str | None) -> list[str]:
    return CONVERSATION_ID.findall(text or "")


def refused(call: JSON) -> bool:
    """The mock refused this call of the connector by its own rules (an armed fault is the suite's doing)."""
    return int(call.get("status") or 0) >= 400 and call.get("outcome") != "fault" and call.get("service") != "control"


def explain(call: JSON) -> str:
    """``401 send POST /api/...: the AppJWT expired at ... (journal #12)``: the refusal in the mock's words."""
    mockcc = call.get("explanation") or {}
    words = str(mockcc.get("explanation") or "").strip() or str(call.get("response_body") or "")[:200]
    where = f" at {mockcc['path']}" if mockcc.get("path") not in (None, "", "$") else ""
    expected = f"; expected {mockcc['expected']}" if mockcc.get("expected") is not None else ""
    return (
        f"{call.get('status')} {call.get('service')} {call.get('method')} {call.get('path')}: "
        f"{words}{where}{expected} (journal #{call.get('id')})"
    )


class Attribution:
    """Which contract each journal call belongs to, and the refusals no call recovered from."""

    def __init__(self) -> None:
        self._starts: list[int] = []  # first journal id of each epoch
        self._names: list[str] = []  # the contract of each epoch
        self._first_seen: dict[str, int] = {}  # conversation id -> epoch it first appeared in
        self.late: dict[int, str] = {}  # journal id -> the earlier contract that call belongs to
        self._noticed: dict[int, float] = {}  # refusal id -> when the suite first saw it (monotonic)

    def begin(self, first_id: int, contract_id: str) -> None:
        """A new epoch: calls from ``first_id`` on happen during ``contract_id``."""
        self._starts.append(first_id)
        self._names.append(contract_id)

    def epoch_of(self, call_id: int) -> int:
        return bisect.bisect_right(self._starts, call_id) - 1

    def observe(self, call: JSON) -> None:
        """Record a completed call (in id order): the conversations it names, and whether it came late."""
        epoch = self.epoch_of(int(call["id"]))
        asked = named_conversations(call.get("request_body"))
        earlier = [self._first_seen[c] for c in asked if c in self._first_seen and self._first_seen[c] < epoch]
        if earlier and min(earlier) >= 0:
            self.late[int(call["id"])] = self._names[min(earlier)]
        for conversation in [*asked, *named_conversations(call.get("response_body"))]:
            self._first_seen.setdefault(conversation, epoch)

    def notice(self, conversation: str) -> None:
        """A conversation seen outside the journal (a webhook delivery): it belongs to the epoch now running,
        so a late call about it (a receipt after the next contract's reset) is that contract's."""
        self._first_seen.setdefault(conversation, len(self._starts) - 1)

    def belongs_to_another(self, call: JSON) -> bool:
        return int(call["id"]) in self.late

    def unrecovered(self, calls: list[JSON], grace: float) -> JSON | None:
        """The first refusal among ``calls`` (this contract's, in order) that no later success on the same
        service followed within ``grace`` seconds of the suite seeing it; None when there is none yet."""
        now = time.monotonic()
        own = [c for c in calls if not self.belongs_to_another(c)]
        for i, call in enumerate(own):
            if not refused(call):
                continue
            if any(200 <= int(c.get("status") or 0) < 300 and c["service"] == call["service"] for c in own[i + 1 :]):
                continue
            if now - self._noticed.setdefault(int(call["id"]), now) >= grace:
                return call
        return None

    def refusals(self, calls: list[JSON]) -> list[JSON]:
        return [c for c in calls if refused(c) and not self.belongs_to_another(c)]
