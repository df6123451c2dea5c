"""The real client in Chromium: hostile names and messages never run, the CSP holds, reconnects are automatic.

One stack with the SWA CLI for the module (separate processes, so one test can restart the emulator
under the browsers), one Chromium, a fresh browser context per person. Every page records what a
successful injection would leave behind: `window.__pwned`, dialogs, Content-Security-Policy
violation reports and console errors.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from local.browser import LAUNCH_ARGS, chromium_path
from tests.client.users import ChatUser, unique
from tests.reliability.parts import Parts

pytestmark = pytest.mark.timeout(300)

WATCH = """
window.__pwned = undefined;
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""
# What would run if user text ever became HTML, a template or a URL
NAME_PAYLOADS = [
    "<img src=x onerror=window.__pwned=1>",
    "<svg onload=window.__pwned=2>",
    "{{7*7}}<b>bold</b>",
]
CHAT_NAME_PAYLOADS = [
    "<script>window.__pwned=3</script>",
    '"><iframe srcdoc="<script>parent.__pwned=4</script>">',
    "{{constructor.constructor('window.__pwned=5')()}}",
]
MESSAGE_PAYLOADS = [
    "<img src=x onerror=window.__pwned=6>",
    "<a href=javascript:window.__pwned=7>click</a>",
    "javascript:window.__pwned=8",
    "{{constructor.constructor('window.__pwned=9')()}}",
    "<style>body{display:none}</style>",
    'https://example.com/"><img src=x onerror=window.__pwned=10>',
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    parts = Parts.plan(tmp_path_factory.mktemp("web"), swa=True).start()
    yield parts
    parts.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def person(browser: Browser, web: Parts) -> Iterator[Callable[[], ChatUser]]:
    made: list[ChatUser] = []

    def make() -> ChatUser:
        context = browser.new_context(base_url=web.swa_url, viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH)
        made.append(ChatUser(context, web))
        return made[-1]

    yield make
    for user in made:
        user.context.close()


def assert_nothing_ran(*users: ChatUser) -> None:
    """No payload ran, no element was injected, no dialog opened, and the CSP had nothing to block."""
    for user in users:
        page = user.page
        assert page.evaluate("window.__pwned") is None, user.name
        assert user.dialogs == [], user.name
        assert page.evaluate("window.__violations") == [], user.name
        injected = "img[src='x'], svg[onload], iframe, script:not([src]), a[href^='javascript'], main style"
        assert page.locator(injected).count() == 0, user.name
        assert [e for e in user.console_errors if "Content Security Policy" in e] == [], user.name


def test_markup_in_user_names_is_shown_as_text_everywhere_and_never_runs(person) -> None:
    ada = person().login_guest(unique("Ada"))
    attackers = [person().login_guest(f"{payload} {unique('')[1:]}") for payload in NAME_PAYLOADS]
    room = unique("Room")
    ada.create_chat(room)
    for attacker in attackers:  # the online list, search, the private chat's name, notices and a message's sender
        attacker.join_chat(room)
        notice = ada.panel(room).locator(".chatNotice", has_text=f"{attacker.name} has joined the chat")
        expect(notice).to_be_visible()
        attacker.send(room, f"hello from {attacker.name}")
        expect(ada.messages(room).filter(has_text=f"hello from {attacker.name}")).to_be_visible()
        expect(ada.user_entry(attacker.name)).to_be_visible()  # a contact now
        expect(ada.user_entry(attacker.name).locator(".userName")).to_have_text(attacker.name)
    ada.search(attackers[0].name)
    expect(ada.found_person(attackers[0].name).locator(".userName")).to_have_text(attackers[0].name)
    ada.page.get_by_label("Search people and chats").fill("")
    first = attackers[0]
    first.user_entry(ada.name).click()
    expect(ada.chat_entry(first.name)).to_be_visible()
    expect(ada.chat_entry(first.name).locator(".chatName")).to_have_text(first.name)
    expect(ada.toast(f"Incoming: Chat with {first.name}")).to_be_visible()
    assert "49" not in ada.page.locator(".userName", has_text="{{7*7}}").inner_text()
    assert_nothing_ran(ada, *attackers)


def test_markup_in_chat_names_and_messages_is_shown_as_text_and_never_runs(person) -> None:
    ada = person().login_guest(unique("Ada"))
    bob = person().login_guest(unique("Bob"))
    for payload in CHAT_NAME_PAYLOADS:
        name = f"{payload} {unique('')[1:]}"
        ada.create_chat(name)
        bob.search(name)
        expect(bob.found_chat(name).locator(".chatName")).to_have_text(name)
        bob.join_chat(name)
        expect(bob.page.locator(".conversationName")).to_have_text(name)
    room = f"{CHAT_NAME_PAYLOADS[0]} {unique('')[1:]}"
    ada.create_chat(room)
    bob.join_chat(room)
    for payload in MESSAGE_PAYLOADS:
        ada.send(room, payload)
        expect(bob.messages(room).filter(has_text=payload).last).to_have_text(payload)
    links = bob.messages(room).locator("a")
    for index in range(links.count()):
        assert links.nth(index).get_attribute("href", timeout=5000).startswith("https://")
    assert_nothing_ran(ada, bob)


def _fetch(url: str) -> tuple[int, dict[str, str]]:
    """Status and headers, without following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url), timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as err:  # a 302 to the login page, a 404: answers too
        return err.code, {k.lower(): v for k, v in err.headers.items()}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_every_page_carries_a_content_security_policy_that_forbids_inline_script(web: Parts) -> None:
    served = 0
    for path in ("/", "/index.html", "/login.html", "/js/app.js", "/css/main.css", "/no-such-page"):
        status, headers = _fetch(f"{web.swa_url}{path}")
        if 300 <= status < 400:  # "/" sends anonymous visitors to the login page: no content, nothing to protect
            assert headers["location"].endswith("/login.html"), path
            continue
        served += 1
        policy = headers.get("content-security-policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
        assert "'self'" in directives.get("script-src", []), (path, policy)
        assert "'unsafe-inline'" not in directives["script-src"], (path, policy)
        assert directives.get("object-src") == ["'none'"], path
        assert directives.get("frame-ancestors") == ["'none'"], path
        assert directives.get("base-uri") == ["'self'"], path
        assert headers.get("x-content-type-options") == "nosniff", path
    assert served >= 4


def test_the_app_works_under_its_csp_which_blocks_injected_inline_script(person) -> None:
    ada = person().login_guest(unique("Ada"))
    bob = person().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    ada.send(room, "works under the policy")
    expect(bob.messages(room).filter(has_text="works under the policy")).to_be_visible()
    bob.user_entry(ada.name).click()
    expect(ada.chat_entry(bob.name)).to_be_visible()
    assert_nothing_ran(ada, bob)
    assert ada.console_errors == [] and bob.console_errors == []

    # if markup ever slipped into the page, the policy would still stop it from running
    ada.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__pwned = 'inline script'";
          document.body.append(script);
          const holder = document.createElement("div");
          holder.innerHTML = '<img src="data:," onerror="window.__pwned = \\'inline handler\\'">';
          document.body.append(holder);
        }"""
    )
    ada.page.wait_for_function("() => window.__violations.length >= 2")
    assert ada.page.evaluate("window.__pwned") is None
    assert all(v.startswith("script-src") for v in ada.page.evaluate("window.__violations"))


def test_browsers_reconnect_by_themselves_after_the_emulator_restarts_and_keep_their_chats(person, web) -> None:
    ada = person().login_guest(unique("Ada"))
    bob = person().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    ada.send(room, "before the restart")

    web.emulator.restart(crash=True)

    for user in (ada, bob):
        expect(user.page.get_by_text("Reconnecting…")).to_be_hidden(timeout=60_000)
        expect(user.panel(room).get_by_text("Sending is paused")).to_have_count(0, timeout=60_000)
    ada.send(room, "after the restart")
    expect(bob.messages(room).filter(has_text="after the restart")).to_be_visible()
    bob.send(room, "still here")
    expect(ada.messages(room).filter(has_text="still here")).to_be_visible()
    expect(ada.chat_link(room)).to_be_visible()
    expect(bob.user_entry(ada.name)).to_be_visible()
    assert_nothing_ran(ada, bob)
