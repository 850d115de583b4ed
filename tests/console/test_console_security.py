"""A page from another origin cannot drive the mock through the browser of someone running it.

The console itself sends JSON (``Content-Type: application/json``) from the mock's own origin; the
mock's guard refuses state changes with another ``Origin``, a cross-site fetch, or another content
type, and never grants CORS. Here a page served from another loopback origin (same site, the harder
case) tries every request a browser lets it make without the mock's consent, and nothing changes.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from mockcc_contracts.receiver import Receiver, Reply
from tests.connector_ref.stack import Stack

GUARDED = importlib.util.find_spec("mockcc.guard") is not None
pytestmark = [
    pytest.mark.live,
    # Until the Host/Origin/content-type guard (issue 13) is in, a bodiless cross-origin POST gets through;
    # strict: this must fail until then, and runs for real as soon as the guard exists.
    pytest.mark.xfail(not GUARDED, reason="the mock's Origin/content-type guard has not landed", strict=True),
]

ATTACK = """async ([mock, account, conv]) => {
  const join = `${mock}/_mockcc/accounts/${account}/conversations/${conv}/agent/join`;
  const tries = {
    bodiless: () => fetch(join, { method: "POST", mode: "no-cors" }),
    textPlain: () => fetch(`${mock}/_mockcc/clock/advance`,
      { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: '{"seconds": 3600}' }),
    form: () => fetch(`${mock}/_mockcc/reset`,
      { method: "POST", mode: "no-cors", body: new URLSearchParams({ a: "1" }) }),
    json: () => fetch(join, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }),
    read: () => fetch(`${mock}/_mockcc/state`).then((r) => r.text()),
  };
  const out = {};
  for (const [name, attempt] of Object.entries(tries)) {
    try { const r = await attempt(); out[name] = typeof r === "string" ? "read" : r.type; }
    catch (e) { out[name] = "blocked"; }
  }
  return out;
}"""


def test_a_cross_origin_page_cannot_drive_the_mock(page: Page, stack: Callable[..., Stack]) -> None:
    s = stack(agent="none")
    s.say("eve", "hello")
    conv = s.conversation_id("eve")
    account = s.mock.fields["account_id"]
    before = s.mock.get("/_mockcc/clock")["offset"]
    with Receiver() as evil:  # a real server on another loopback port: another origin
        evil.script(Reply(200, b"<!doctype html><title>evil</title>", (("Content-Type", "text/html"),)))
        page.goto(evil.url("/evil.html").replace("127.0.0.1", "localhost"))
        outcomes = page.evaluate(ATTACK, [s.mock.url, account, conv])
    # no-cors requests leave the browser (their answers are opaque); the preflighted one and any read do not
    sent = {"bodiless": "opaque", "textPlain": "opaque", "form": "opaque"}
    assert outcomes == {**sent, "json": "blocked", "read": "blocked"}
    view = s.mock.conversation(conv)
    assert not [p for p in view["conversationDetails"]["participants"] if p["role"] == "ASSIGNED_AGENT"]
    assert s.mock.get("/_mockcc/clock")["offset"] == before
    assert s.mock.conversation(conv)["convId"] == conv  # not reset
