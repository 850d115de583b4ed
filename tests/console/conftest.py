"""Real headless browsers driving the console of a live mock: Debian's Chromium and Firefox ESR.

``make test`` installs both (apt packages ``chromium`` and ``firefox-esr``) when they are missing; here
a missing browser is a failure, never a skip. Every module gets one Chromium (the ``browser`` fixture);
``test_console_firefox.py`` overrides ``browser`` with one Firefox and re-runs the key tests in it.
Screenshots go to ``tests/console/screenshots/`` (git-ignored) so a reviewer can look at them.

Firefox is driven over WebDriver BiDi, which Firefox speaks natively (no geckodriver, no patched
browser). Playwright's public route to it, ``firefox.launch(channel="moz-firefox")`` (1.57 on), and
every release from 1.56 on, send ``network.addDataCollector`` at launch, a BiDi command Firefox ESR
140 does not have ("unknown command"): so pyproject pins playwright below 1.56, where the BiDi
Firefox is the browser type the driver announces as ``_bidiFirefox``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright._impl._connection import from_channel
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright

from tests.connector_ref.conftest import live_mock, stack  # noqa: F401 - fixtures, re-exported for pytest
from tests.connector_ref.stack import MockProcess

CHROMIUM = Path("/usr/bin/chromium")
FIREFOX = Path("/usr/bin/firefox-esr")
SHOTS = Path(__file__).parent / "screenshots"


def _require(path: Path, package: str) -> None:
    if not path.exists():
        pytest.fail(f"{path} is missing: `make test` installs it (apt-get install {package})", pytrace=False)


def bidi_firefox(playwright: Playwright) -> BrowserType:
    """Playwright's WebDriver BiDi Firefox (see the module docstring for why not ``playwright.firefox``)."""
    impl = from_channel(playwright._impl_obj._initializer["_bidiFirefox"])
    impl._playwright = playwright._impl_obj
    return BrowserType(impl)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module: while sync playwright runs, asyncio sees a running loop in this
    thread, so it must be gone before another module's async tests run on the same xdist worker."""
    _require(CHROMIUM, "chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def firefox() -> Iterator[Browser]:
    """One Firefox ESR per test module (the module overrides ``browser`` with it)."""
    _require(FIREFOX, "firefox-esr")
    with sync_playwright() as playwright:
        launched = bidi_firefox(playwright).launch(executable_path=str(FIREFOX), headless=True)
        yield launched
        launched.close()


# Playwright's BiDi Firefox reports no uncaught page errors (it drops BiDi's "javascript" log entries),
# so in Firefox a script that runs before the page's own turns them into console errors we can see.
REPORT_ERRORS = """
window.addEventListener("error", (e) => console.error(`pageerror: ${e.message}`));
window.addEventListener("unhandledrejection", (e) => console.error(`pageerror: unhandled rejection: ${e.reason}`));
"""


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh laptop-sized tab; its uncaught errors fail the test; a screenshot is saved at the end."""
    engine = "chromium" if browser.browser_type.name == "chromium" else "firefox"
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    if engine == "firefox":
        context.add_init_script(REPORT_ERRORS)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.text.startswith("pageerror: ") else None)
    tab.set_default_timeout(10_000)
    yield tab
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{engine}-{request.node.name}.png"))
    context.close()
    assert not errors, f"the console threw: {errors}"


def open_console(page: Page, mock: MockProcess, tab: str = "conversations") -> None:
    page.goto(f"{mock.url}/ui/#{tab}")
    page.wait_for_selector("#live.ok")
