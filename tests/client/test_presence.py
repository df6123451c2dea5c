"""Who is online: contacts live, recent visitors at load; both kinds of login, idle and back, logout, route guard."""

from __future__ import annotations

import re
import urllib.request

from playwright.sync_api import expect

from tests.client.users import chat_between, unique


def test_a_newcomer_sees_recent_visitors_and_people_who_share_a_chat_see_each_other_online(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_github(unique("Bob"))
    expect(bob.user_entry(ada.name)).to_be_visible()  # Ada came just before him: a recent visitor
    expect(ada.user_entry(bob.name)).to_have_count(0)  # nobody is told of a newcomer they share no chat with

    chat_between(ada, bob)

    expect(ada.user_entry(bob.name)).to_be_visible()
    expect(ada.user_entry(bob.name).locator("i.fa-github-alt")).to_be_attached()
    expect(bob.user_entry(ada.name)).to_be_visible()
    expect(bob.user_entry(ada.name).locator("i.fa-user")).to_be_attached()
    expect(bob.me_entry()).to_have_class(re.compile(r"\buserSelf\b"))
    expect(ada.page.locator(".chatrToast")).to_have_count(0)  # the list shows who came; no toast, no "Connected"
    assert ada.console_errors == [] and bob.console_errors == []


def test_idle_and_return_are_seen_by_the_other_user_in_the_list_without_toasts(new_user) -> None:
    watcher = new_user().login_guest(unique("Watcher"))
    sleeper = new_user(idle_seconds=2).login_guest(unique("Sleeper"))
    chat_between(watcher, sleeper)
    entry = watcher.user_entry(sleeper.name)

    expect(entry.locator("i.fa-bed")).to_be_visible()
    expect(entry).to_have_class(re.compile(r"\buserAway\b"))
    expect(entry).to_have_accessible_name(f"Chat privately with {sleeper.name} Guest away")
    expect(sleeper.page.locator(".whoAmI")).to_contain_text("away")

    late = new_user().login_guest(unique("Late"))  # a recent visitor's idle state comes with the list
    expect(late.user_entry(sleeper.name).locator("i.fa-bed")).to_be_visible()

    # Back, and kept busy from then on, so the 2 s limit cannot make them idle again meanwhile.
    sleeper.page.evaluate("setInterval(() => document.dispatchEvent(new MouseEvent('mousemove')), 300)")
    expect(entry.locator("i.fa-bed")).to_have_count(0)
    expect(entry).not_to_have_class(re.compile(r"\buserAway\b"))
    expect(watcher.page.locator(".chatrToast")).to_have_count(0)  # idle and back are not worth a toast to everyone


def test_logout_of_either_kind_takes_the_user_offline_and_clears_this_browser(new_user) -> None:
    stays = new_user().login_guest(unique("Stays"))
    leaves = new_user().login_github(unique("Leaves"))
    room = chat_between(stays, leaves)
    expect(stays.user_entry(leaves.name)).to_be_visible()

    stays.send(room, "kept in this browser until logout")

    stored = "Object.keys(localStorage).filter((k) => k === 'chatrGuest' || k.startsWith('chatr.history.'))"
    stays.page.wait_for_function(f"() => {stored}.length === 2")  # the history is written a moment after the message

    leaves.logout()

    expect(stays.user_entry(leaves.name)).to_have_count(0)
    leaves.page.goto("/index.html")
    leaves.page.wait_for_url("**/login.html")

    stays.logout()
    assert stays.page.evaluate(stored) == []
    assert stays.page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('chatr'))") == []
    stays.page.goto("/index.html")
    stays.page.wait_for_url("**/login.html")


def test_signed_out_visitors_are_sent_to_the_login_page_and_the_app_sets_a_csp(new_user, stack) -> None:
    visitor = new_user()
    visitor.page.goto("/")
    visitor.page.wait_for_url("**/login.html")
    expect(visitor.page.get_by_role("link", name="GitHub")).to_be_visible()

    with urllib.request.urlopen(f"{stack.swa_url}/index.html", timeout=10) as response:
        csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # templates compiled ahead: no script is built from a string
    assert directives["default-src"] == "'self'"
    assert visitor.console_errors == []


def test_a_sign_in_the_backend_refuses_is_explained_instead_of_looping_to_the_login_page(new_user) -> None:
    odd = new_user().login_github(unique("Odd"), user_id="spaces are not allowed", wait=False)

    expect(odd.page.get_by_role("alert")).to_contain_text("Chatr cannot use this sign-in.")
    odd.page.get_by_role("button", name="Logout").click()
    odd.page.wait_for_url("**/login.html")
