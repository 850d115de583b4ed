"""The console in a real browser against a live mock, the reference connector and its channel."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Dialog, Page, Route, expect

from tests.conftest import LP, quiet_seed
from tests.connector_ref.stack import MockProcess, Stack, wait_until
from tests.console.conftest import open_console

pytestmark = pytest.mark.live


def test_a_new_conversation_appears_without_a_reload(page: Page, stack: Callable[..., Stack]) -> None:
    s = stack(agent="none")
    open_console(page, s.mock)
    loads: list[object] = []
    page.on("load", lambda loaded: loads.append(loaded))  # a reload would load the page again
    s.say("ada", "hello from the channel", profile={"firstName": "Ada", "customerId": "c-42"})
    row = page.locator("#conv-rows li.conv", has_text="ada")
    expect(row).to_be_visible()
    row.click()
    expect(page.locator("#transcript .msg.consumer")).to_contain_text("hello from the channel")
    expect(page.locator("#conv-info")).to_contain_text("c-42")  # the SDEs the connector sent
    assert not loads  # it was pushed, not reloaded


def test_the_list_follows_the_latest_activity(page: Page, stack: Callable[..., Stack]) -> None:
    s = stack(agent="none")
    open_console(page, s.mock)
    rows = page.locator("#conv-rows li.conv")
    s.say("fay", "first")
    expect(rows.first).to_contain_text("fay")
    s.say("gus", "second")
    expect(rows.first).to_contain_text("gus")
    s.say("fay", "fay again")  # no new conversation: a message in fay's moves it up
    expect(rows.first).to_contain_text("fay")
    expect(rows.nth(1)).to_contain_text("gus")
    page.reload()  # the mock lists them in the same order
    expect(rows.first).to_contain_text("fay")
    expect(rows.nth(1)).to_contain_text("gus")


def test_an_agent_reply_reaches_the_channel(page: Page, stack: Callable[..., Stack]) -> None:
    s = stack(agent="none")
    open_console(page, s.mock)
    s.say("bea", "is anyone there?")
    page.locator("#conv-rows li.conv", has_text="bea").click()
    expect(page.locator("#transcript .msg.consumer")).to_contain_text("is anyone there?")
    page.click("#act-join")
    expect(page.locator("#conv-head")).to_contain_text("agent ")
    page.fill("#reply-text", "Hello Bea, this is the console")
    page.click("#act-send")
    assert s.wait_for("bea", "text")[0]["text"] == "Hello Bea, this is the console"
    expect(page.locator("#transcript .msg.agent")).to_contain_text("Hello Bea, this is the console")
    # the connector's receipt for that message comes back and shows on it
    expect(page.locator("#transcript .msg.agent .receipt")).to_have_text(re.compile(r"✓✓ (accepted|read)"))
    # a card from the ready examples renders as a card, and the channel gets its text fallback
    page.click(".examples summary")
    page.select_option("#example", label="Card (structured content) (rich-content)")
    page.click("#act-json")
    expect(page.locator("#transcript .sc-vertical")).to_contain_text("Trail runner")
    assert any("Trail runner" in t for t in wait_until(lambda: s.agent_texts("bea")[1:], what="the card's text"))


def test_a_failed_delivery_shows_and_its_replay_succeeds(page: Page, stack: Callable[..., Stack]) -> None:
    s = stack(agent="none")
    open_console(page, s.mock, "webhooks")
    s.switch.down = True  # the connector's webhook endpoint answers 503
    s.say("cy", "anybody?")
    failed = page.locator("#deliveries tbody tr.o-failed").first
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("503")
    failed.click()
    expect(page.locator("#delivery-detail")).to_contain_text("X-Liveperson-Signature")
    s.switch.down = False
    page.click("#replay-detail")
    replayed = page.locator("#deliveries tbody tr.o-delivered", has_text="replay of delivery")
    expect(replayed).to_be_visible()
    expect(replayed).to_contain_text("200")
    assert any(d["reason"] and d["reason"].startswith("replay of") and d["status"] == 200 for d in s.mock.deliveries())


def test_a_bad_action_shows_the_mocks_explanation(page: Page, stack: Callable[..., Stack]) -> None:
    s = stack(agent="none")
    open_console(page, s.mock)
    s.say("dee", "hi")
    page.locator("#conv-rows li.conv", has_text="dee").click()
    page.fill("#reply-text", "nobody joined yet")
    page.click("#act-send")  # replying before joining is refused
    error = page.locator("#act-error .error")
    expect(error).to_contain_text("join first")
    expect(error).to_contain_text("agent-joined")
    # and a bad inbound call is in the journal with its verdict and explanation
    account = s.mock.fields["account_id"]
    httpx.post(f"{s.mock.url}/api/account/{account}/messaging/consumer/conversation/send?v=3", json={})
    page.click('[data-tab="journal"]')
    page.select_option("#journal-outcome", "rejected")
    row = page.locator("#journal tbody tr.v-rejected", has_text="/send").first
    expect(row).to_be_visible()
    row.click()
    expect(page.locator("#journal-detail")).to_contain_text("AUTHORIZATION header is not present")


def test_the_clock_and_faults_tab(page: Page, live_mock: MockProcess) -> None:
    live_mock.post("/_mockcc/reset")
    open_console(page, live_mock, "faults")
    page.select_option("#fault-kind", "503")
    page.fill("#fault-count", "2")
    page.click("#fault-add")
    expect(page.locator("#fault-list")).to_contain_text("503")
    assert live_mock.get("/_mockcc/faults")["faults"][0]["kind"] == "503"
    before = live_mock.get("/_mockcc/clock")["offset"]
    page.click("[data-advance='30']")  # the live mock is shared: a small step, tokens stay valid
    expect(page.locator("#clock-info")).to_contain_text(f"moved {before + 30:g}s ahead")
    live_mock.post("/_mockcc/reset")  # another client's change is pushed too
    expect(page.locator("#fault-list")).to_contain_text("none armed")


def test_the_reset_button_asks_first_then_resets(page: Page, live_mock: MockProcess) -> None:
    seed = quiet_seed()
    account, installation = seed["accounts"][0]["account_id"], seed["accounts"][0]["installations"][0]
    live_mock.post("/_mockcc/reset", seed)
    open_console(page, live_mock)
    with httpx.Client(base_url=live_mock.url, timeout=10) as http:
        LP(http, account, installation["client_id"], installation["client_secret"]).open("to-be-reset")  # type: ignore[arg-type]
    expect(page.locator("#conv-rows li.conv", has_text="to-be-reset")).to_be_visible()
    asked: list[str] = []
    resets: list[str] = []
    page.on("request", lambda r: resets.append(r.method) if r.url.endswith("/_mockcc/reset") else None)

    def answer(accept: bool) -> Callable[[Dialog], None]:
        def handle(dialog: Dialog) -> None:
            asked.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    page.click("#reset")  # cancelled: nothing is sent
    page.once("dialog", answer(True))
    page.click("#reset")
    expect(page.locator("#conv-count")).to_have_text("0 conversations")  # the stream's resync reloaded the list
    expect(page.locator("#toast")).to_contain_text("back to the seed")
    assert live_mock.get(f"/_mockcc/accounts/{account}/conversations") == []
    assert len(asked) == 2
    assert "Reset the mock to its seed?" in asked[0]
    assert resets == ["POST"]  # one reset, from the confirmed click


def test_a_panel_reload_keeps_what_was_pushed_while_it_fetched(page: Page, live_mock: MockProcess) -> None:
    seed = quiet_seed()
    account = seed["accounts"][0]["account_id"]
    live_mock.post("/_mockcc/reset", seed)
    open_console(page, live_mock, "journal")
    with httpx.Client(base_url=live_mock.url, timeout=10) as http:
        http.get(f"/api/account/{account}/service/baseURI.json?version=1.0")  # a CSDS call: not "send"
        csds = page.locator("#journal tbody tr", has_text="baseURI.json")
        expect(csds).to_be_visible()
        held: list[Route] = []

        def hold_first(route: Route) -> None:  # the reload's answer waits for us; a later reload (a resync
            if held:  # under load) goes through, or the page would rightly wait for the newest answer forever
                route.continue_()
            else:
                held.append(route)

        page.route("**/_mockcc/journal?*", hold_first)
        page.select_option("#journal-service", "send")  # a filter change reloads the journal
        wait_until(lambda: held or page.wait_for_timeout(20), what="the reload's request")  # (waiting pumps events)
        answer = held[0].fetch()  # the mock answers now: what follows is not in this answer
        http.post(f"/api/account/{account}/messaging/consumer/conversation/send?v=3", json={})
        pushed = page.locator("#journal tbody tr", has_text="/send")
        expect(pushed).to_be_visible()  # pushed while the reload is in flight
        held[0].fulfill(response=answer)
    expect(csds).to_have_count(0)  # the reload's answer is shown (filtered to send)...
    expect(pushed).to_have_count(1)  # ...and the call pushed meanwhile is still there, once
