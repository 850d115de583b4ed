"""A real headless Chromium (Debian's, at /usr/bin/chromium) driving the console of a live mock.

``make test`` installs chromium when it is missing; here a missing browser is a failure, never a skip.
Screenshots go to ``tests/console/screenshots/`` (git-ignored) so a reviewer can look at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.connector_ref.conftest import live_mock, stack  # noqa: F401 - fixtures, re-exported for pytest
from tests.connector_ref.stack import MockProcess

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module: while sync playwright runs, asyncio sees a running loop in this
    thread, so it must be gone before another module's async tests run on the same xdist worker."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh laptop-sized tab; its console errors fail the test; a screenshot is saved at the end."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.set_default_timeout(10_000)
    yield tab
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{request.node.name}.png"))
    context.close()
    assert not errors, f"the console threw: {errors}"


def open_console(page: Page, mock: MockProcess, tab: str = "conversations") -> None:
    page.goto(f"{mock.url}/ui/#{tab}")
    page.wait_for_selector("#live.ok")
