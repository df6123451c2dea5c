"""Browser end-to-end fixtures: the whole local stack, one Chromium, and users that log in through the UI.

The stack and the browser are started once for the package; every test opens fresh browser
contexts (one per user) with unique names, so tests never depend on each other. A failed test
leaves a screenshot of every page it opened under .artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

from local.browser import LAUNCH_ARGS, chromium_path
from local.stack import ROOT
from tests.client.sockets import ScriptedClients
from tests.client.users import ChatUser, ColorScheme
from tests.support import RunningStack, stack_running

SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
PAGES_KEY = pytest.StashKey[list[Page]]()


@pytest.fixture(scope="package")
def stack() -> Iterator[RunningStack]:
    """`make run`'s processes (Azurite in memory, the emulator, the Functions adapter, the SWA CLI) on free ports."""
    with stack_running() as running:
        yield running


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_user(
    request: pytest.FixtureRequest, browser: Browser, stack: RunningStack
) -> Iterator[Callable[..., ChatUser]]:
    """A factory: `new_user()` is a fresh browser context (own cookies and storage) on the app."""
    users: list[ChatUser] = []
    pages: list[Page] = []
    request.node.stash[PAGES_KEY] = pages

    def make(
        idle_seconds: float | None = None, viewport: tuple[int, int] = (1280, 900), color_scheme: ColorScheme = "light"
    ) -> ChatUser:
        width, height = viewport
        size: ViewportSize = {"width": width, "height": height}
        context = browser.new_context(base_url=stack.swa_url, viewport=size, color_scheme=color_scheme)
        if idle_seconds is not None:
            context.add_init_script(f"localStorage.setItem('chatrIdleSeconds', '{idle_seconds}')")
        user = ChatUser(context, stack)
        users.append(user)
        pages.append(user.page)
        return user

    yield make
    for user in users:
        user.context.close()


@pytest.fixture
def scripted(stack: RunningStack) -> Iterator[ScriptedClients]:
    """Scripted clients (tests/chat_client.py) beside the browsers, all closed after the test."""
    clients = ScriptedClients(stack)
    yield clients
    clients.close_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a browser test fails, keep a screenshot of each of its pages."""
    report = yield
    pages = item.stash.get(PAGES_KEY, [])
    if report.when != "call" or not report.failed or not pages:
        return report
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::")[-1])
    for index, page in enumerate(pages):
        if page.is_closed():
            continue
        path: Path = SCREENSHOTS / f"{stem}-{index}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            report.sections.append(("screenshot", str(path.relative_to(ROOT))))
        except Exception as err:  # a crashed page must not hide the test's own failure
            report.sections.append(("screenshot", f"not saved: {err}"))
    return report
