"""Issue 22, bug 3: a guest's Logout says what it means and offers a recovery code; the code brings the
same account back, with its chats and their history, in another browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.client.users import ChatUser, unique

LOGOUT_MARGIN_MS = 90_000  # a logout revokes what is issued in its next minute: coming back at once waits that out


def recovery_code_at_logout(user: ChatUser) -> str:
    """Logout, read what it means, get a recovery code, copy it, then log out."""
    user.context.grant_permissions(["clipboard-read", "clipboard-write"])
    user.page.get_by_role("button", name="Logout").click()
    dialog = user.page.get_by_role("dialog", name="Log out?")
    expect(dialog).to_contain_text("Logging in again with your name makes a new guest, without your chats")
    dialog.get_by_role("button", name="Get a recovery code").click()
    shown = dialog.get_by_label("Your recovery code")
    expect(shown).not_to_have_value("")
    code = shown.input_value()
    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert user.page.evaluate("navigator.clipboard.readText()") == code
    dialog.get_by_role("button", name="Log out", exact=True).click()
    user.page.wait_for_url("**/login.html")
    return code


def come_back(user: ChatUser, code: str) -> None:
    """On the login page: I have a recovery code, type it, Enter."""
    user.page.goto("/login.html")
    user.page.get_by_role("button", name="I have a recovery code").click()
    box = user.page.get_by_label("Your recovery code", exact=True)
    expect(box).to_be_focused()
    box.fill(code)
    box.press("Enter")


def test_a_guest_gets_a_recovery_code_at_logout_and_comes_back_to_their_chat_in_another_browser(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    ada_id = ada.user_id
    room = unique("Plans")
    ada.create_chat(room)
    ada.send(room, "remember the milk")

    code = recovery_code_at_logout(ada)

    assert len(code.replace("-", "")) == 52
    again = new_user()  # a fresh browser: nothing of Ada's is kept there
    come_back(again, code)
    dialog = again.page.get_by_role("dialog", name="Come back as a guest")
    expect(dialog.get_by_role("alert")).to_contain_text("less than a minute ago")  # she logged out just now
    fresh = dialog.get_by_label("Your new recovery code")
    expect(fresh).not_to_have_value("", timeout=LOGOUT_MARGIN_MS)  # it tried again by itself once it could
    expect(dialog).to_contain_text(f"Welcome back, {ada.name}.")
    assert fresh.input_value() not in ("", code)
    dialog.get_by_role("button", name="Continue to Chatr").click()
    again.name, again.guest = ada.name, True
    again.wait_ready()
    assert again.user_id == ada_id
    again.open_chat(room)
    expect(again.messages(room).filter(has_text="remember the milk")).to_be_visible()


def test_a_wrong_code_says_so_and_signs_nobody_in(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    code = recovery_code_at_logout(ada)
    wrong = code[:-3] + ("A" if code[-3] != "A" else "B") + code[-2:]

    come_back(ada, wrong)

    dialog = ada.page.get_by_role("dialog", name="Come back as a guest")
    expect(dialog.get_by_role("alert")).to_contain_text("That recovery code does not work")
    assert ada.page.evaluate("localStorage.getItem('chatrGuest')") is None
    dialog.get_by_role("button", name="Cancel").click()
    ada.page.goto("/")
    ada.page.wait_for_url("**/login.html")


def test_cancel_in_the_logout_question_keeps_the_guest_logged_in(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    ada.page.get_by_role("button", name="Logout").click()
    dialog = ada.page.get_by_role("dialog", name="Log out?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    ada.page.reload()
    ada.wait_ready()


def test_the_logout_question_and_its_recovery_code_work_with_the_keyboard_alone(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    ada.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ada.page.get_by_role("button", name="Logout").focus()
    ada.page.keyboard.press("Enter")
    dialog = ada.page.get_by_role("dialog", name="Log out?")
    expect(dialog.get_by_role("button", name="Get a recovery code")).to_be_focused()
    ada.page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="Copy")).to_be_focused()  # the code is above it, Copy is next
    ada.page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_have_text("Copied to the clipboard.")
    ada.page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Log out", exact=True)).to_be_focused()
    ada.page.keyboard.press("Escape")  # Escape says no: still logged in, the focus back on Logout
    expect(dialog).to_have_count(0)
    expect(ada.page.get_by_role("button", name="Logout")).to_be_focused()
