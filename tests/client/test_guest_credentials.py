"""A guest's credential: renewed while they come back within a day, and revoked everywhere by Logout."""

from __future__ import annotations

import time

import jwt
from playwright.sync_api import Request, expect

from local.stack import LOCAL_GUEST_SIGNING_KEY
from tests.client.users import ChatUser, unique
from tests.support import start_stack, wait_ready

HALF_A_DAY_AND_AN_HOUR = 13 * 3600


def kept_credential(user: ChatUser) -> str | None:
    """The guest credential this browser keeps."""
    return user.page.evaluate("localStorage.getItem('chatrGuest')")


def claims(credential: str) -> dict:
    return jwt.decode(credential, options={"verify_signature": False})


def token_status(user: ChatUser, credential: str) -> int:
    """What /api/getToken answers this credential (from the user's browser, through the site)."""
    return user.context.request.get("/api/getToken", headers={"X-Chatr-Guest": credential}).status


def test_a_credential_past_half_its_life_is_replaced_by_the_renewed_one_which_works(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    issued = kept_credential(ada)
    assert issued
    now = int(time.time())
    # the same guest's credential, as the server would have issued it 13 hours ago (signed with the stack's key)
    older = {**claims(issued), "iat": now - HALF_A_DAY_AND_AN_HOUR, "exp": now + 24 * 3600 - HALF_A_DAY_AND_AN_HOUR}
    aged = jwt.encode(older, LOCAL_GUEST_SIGNING_KEY, algorithm="HS256")
    ada.page.evaluate("(credential) => localStorage.setItem('chatrGuest', credential)", aged)

    ada.page.reload()
    ada.wait_ready()

    renewed = kept_credential(ada)
    assert renewed and renewed != aged
    assert claims(renewed)["sub"] == claims(issued)["sub"]
    assert claims(renewed)["iat"] >= now
    response = ada.context.request.get("/api/getToken", headers={"X-Chatr-Guest": renewed})
    assert response.status == 200
    assert response.json()["user"]["userId"] == claims(issued)["sub"]
    assert "guest" not in response.json()  # a credential in its first half is kept as it is


def test_logout_revokes_the_credential_so_a_copy_kept_from_before_is_refused(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    copy = kept_credential(ada)
    assert copy and token_status(ada, copy) == 200

    ada.logout()

    assert kept_credential(ada) is None
    assert token_status(ada, copy) == 401


def test_a_guests_other_tab_goes_to_the_login_page_when_they_log_out_and_does_not_reconnect(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    second = ada.another_tab()
    asked: list[str] = []

    def count_token_requests(request: Request) -> None:
        if "/api/getToken" in request.url:
            asked.append(request.url)

    second.page.on("request", count_token_requests)
    ada.logout()

    second.page.wait_for_url("**/login.html")
    second.page.get_by_role("button", name="Guest").click()  # the login page stays, ready to use
    expect(second.page.get_by_label("Enter your name")).to_be_focused()
    assert asked == []  # the closed tab never asked for another token: no reconnect
    assert second.page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('chatr'))") == []


def test_logout_when_the_server_cannot_be_reached_still_logs_out_here(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    copy = kept_credential(ada)
    assert copy
    ada.page.route("**/api/logout", lambda route: route.abort("internetdisconnected"))

    ada.logout()

    assert kept_credential(ada) is None
    ada.page.goto("/")  # nothing kept here signs anyone in again
    ada.page.wait_for_url("**/login.html")
    assert token_status(ada, copy) == 200  # only the server could have ended this copy: it did not hear of the logout


def test_where_the_operator_requires_signing_in_the_login_page_says_guests_cannot_join(browser) -> None:
    """Issue 24: CHATR_REQUIRE_SIGN_IN=true lets no new guest in, and the guest dialog tells why."""
    stack = wait_ready(start_stack(env={"CHATR_REQUIRE_SIGN_IN": "true"}))
    try:
        context = browser.new_context(base_url=stack.swa_url)
        page = context.new_page()
        page.goto("/login.html")
        page.get_by_role("button", name="Guest").click()
        page.get_by_label("Enter your name").fill(unique("Eve"))
        page.get_by_label("Enter your name").press("Enter")
        expect(page.locator("#guestError")).to_contain_text("open to signed-in users only")
        assert page.url.endswith("/login.html")
        assert page.evaluate("localStorage.getItem('chatrGuest')") is None
        context.close()
    finally:
        assert stack.stop() == 0, stack.output()
