"""The key console tests again, in Debian's Firefox ESR (the issue asks for Chromium and Firefox).

Few on purpose: one Firefox launch for the module, the same test bodies as in Chromium.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.console.test_console import (  # noqa: F401 - collected here too, in Firefox
    test_a_bad_action_shows_the_mocks_explanation,
    test_a_new_conversation_appears_without_a_reload,
    test_an_agent_reply_reaches_the_channel,
)
from tests.console.test_console_agents import (  # noqa: F401 - the Agents tab, in Firefox too
    test_a_socket_agent_shows_with_its_state_conversations_and_socket,
)

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def browser(firefox: Browser) -> Browser:
    """This module's pages open in Firefox."""
    return firefox
