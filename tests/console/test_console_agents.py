"""The console's Agents tab: a socket agent shows as an agent (who, state, its conversations) with its
brand socket listed, updated as it goes online and takes a conversation, without a reload."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.connector_ref.stack import Stack
from tests.console.conftest import open_console
from tests.sockets.ums import AgentBot


def test_a_socket_agent_shows_with_its_state_conversations_and_socket(page: Page, stack: Callable[..., Stack]) -> None:
    s = stack(agent="echo")
    open_console(page, s.mock, "agents")
    admin = page.locator('#agents tr[data-agent="admin"]')
    expect(admin).to_contain_text("OFFLINE")
    expect(admin).to_contain_text("no socket")
    bot = AgentBot(s.mock.url, s.mock.http, s.mock.fields["account_id"])
    try:
        bot.start()
        expect(admin).to_contain_text("ONLINE")
        expect(admin).to_contain_text("listening on 1")
        expect(admin).to_contain_text("v2")
        s.say("vic", "hello agents tab")
        ring = bot.next_ring()
        bot.accept(ring)
        expect(admin).to_contain_text("1 / 100")
        expect(admin.locator("code.conv")).to_have_attribute("title", ring["conversationId"])
    finally:
        bot.close()
    expect(admin).to_contain_text("no socket")
