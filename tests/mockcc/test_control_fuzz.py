"""Hypothesis drives every control-plane call with arbitrary JSON: never a 500, and afterwards the mock
still renders its state, its clock and its faults (no control call can poison what later calls read)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ACCOUNT

NUMBERS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1e308, -1e308, 5e-324, 2**53 + 1, 315_360_000, 86_400.5]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=12))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
KEYS = ["seconds", "kind", "count", "probability", "delay_seconds", "scope", "endpoint", "seed", "account_id"]
KEYS += ["text", "chatState", "sequenceList", "status", "dialogId", "role", "quickReplies", "metadata", "accounts"]
BODIES = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5) | VALUES
ACTIONS = ["join", "chat-state", "receipt", "text", "note", "rich-content", "file", "transfer", "close", "resume"]
PATHS = ["/_mockcc/clock/advance", "/_mockcc/faults", "/_mockcc/webhooks/faults", "/_mockcc/seed", "/_mockcc/settle"]


def test_arbitrary_json_never_breaks_the_control_plane(client, lp, ext_id):
    conv = lp.open(ext_id)
    paths = PATHS + [f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}/agent/{a}" for a in ACTIONS]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(path=st.sampled_from(paths), body=BODIES)
    def one_call(path, body):
        r = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code < 500, (path, body, r.text)
        if r.status_code >= 400:
            assert r.json()["mockcc"]["explanation"]
        for after in ("/_mockcc/state", "/_mockcc/clock", "/_mockcc/faults", "/_mockcc/webhooks/faults"):
            assert client.get(after).status_code == 200, (path, body, after)
        assert client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations/{conv}").status_code in (200, 404)

    one_call()
