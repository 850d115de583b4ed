"""The console stays bounded when the mock is busy: the list pages (latest activity first), a long
transcript keeps its tail."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import LP, quiet_seed
from tests.connector_ref.stack import MockProcess
from tests.console.conftest import open_console

pytestmark = pytest.mark.live


def test_many_conversations_page_and_a_busy_transcript_keeps_its_tail(page: Page, live_mock: MockProcess) -> None:
    seed = quiet_seed()
    account = seed["accounts"][0]["account_id"]
    installation = seed["accounts"][0]["installations"][0]
    live_mock.post("/_mockcc/reset", seed)
    open_console(page, live_mock)
    with httpx.Client(base_url=live_mock.url, timeout=30) as http:
        lp = LP(http, account, installation["client_id"], installation["client_secret"])  # type: ignore[arg-type]
        ids = [lp.open(f"many-{n:02d}") for n in range(60)]
        expect(page.locator("#conv-count")).to_have_text("60 conversations")  # pushed, not reloaded
        expect(page.locator("#conv-rows li.conv")).to_have_count(50)
        expect(page.locator("#conv-rows li.conv").first).to_contain_text("many-59")
        page.click("#conv-next")
        expect(page.locator("#conv-page")).to_have_text("page 2 of 2")
        expect(page.locator("#conv-rows li.conv")).to_have_count(10)
        lp.open("many-60")  # a new one while on page 2: counted, not pushed into this page
        expect(page.locator("#conv-newer")).to_contain_text("1 conversation with newer activity")
        assert lp.text("many-30", ids[30], "back again").status_code == 200  # on page 1: counted too
        expect(page.locator("#conv-newer")).to_contain_text("2 conversations with newer activity")
        page.click("#conv-newer")
        expect(page.locator("#conv-rows li.conv").nth(0)).to_contain_text("many-30")
        expect(page.locator("#conv-rows li.conv").nth(1)).to_contain_text("many-60")
        lp.text("many-01", ids[1], "from page 2")  # page 1 fetches itself again: it moves to the top
        expect(page.locator("#conv-rows li.conv").first).to_contain_text("many-01")
        expect(page.locator("#conv-rows li.conv")).to_have_count(50)
        page.locator("#conv-rows li.conv", has_text="many-59").click()
        headers, busy = lp.headers("many-59"), ids[59]
        send = f"/api/account/{account}/messaging/consumer/conversation/send?v=3"
        for n in range(320):
            event = {"type": "ContentEvent", "contentType": "text/plain", "message": f"message {n}"}
            body = {"kind": "req", "id": str(n), "type": "ms.PublishEvent", "body": {"dialogId": busy, "event": event}}
            answer = http.post(send, json=body, headers=headers)
            assert answer.status_code == 200, answer.text
    # on a loaded machine the page may still be folding in the pushed events: wait on what it shows, generously
    expect(page.locator("#transcript .msg").last).to_contain_text("message 319", timeout=20_000)
    expect(page.locator("#transcript .msg")).to_have_count(300, timeout=20_000)
    expect(page.locator("#transcript .system").first).to_contain_text("20 earlier events not shown")
