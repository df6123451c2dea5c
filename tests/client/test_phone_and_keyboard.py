"""A phone-sized screen and the keyboard are enough to use Chatr."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.client.users import unique

PHONE = (390, 844)


def test_a_phone_user_chats_with_the_keyboard_and_nothing_overflows_the_screen(new_user) -> None:
    phone = new_user(viewport=PHONE).login_guest(unique("Phone"))
    desk = new_user().login_guest(unique("Desk"))
    room = unique("Room")

    phone.page.get_by_role("button", name="New Chat").click()
    expect(phone.page.get_by_label("Chat name")).to_be_focused()
    phone.page.keyboard.press("Escape")
    expect(phone.page.get_by_role("dialog")).to_have_count(0)

    phone.create_chat(room)
    desk.join_chat(room)
    phone.send(room, "typed on a phone")
    expect(desk.messages(room).filter(has_text="typed on a phone")).to_be_visible()
    expect(phone.panel(room).get_by_role("button", name="Send")).to_be_visible()
    expect(phone.panel(room).get_by_role("button", name=f"Options for {room}")).to_be_visible()
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_tab_stays_inside_the_new_chat_dialog_and_escape_closes_it_from_anywhere_in_it(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    new_chat = ada.page.get_by_role("button", name="New Chat")
    new_chat.click()
    dialog = ada.page.get_by_role("dialog", name="New Chat")
    expect(dialog.get_by_label("Chat name")).to_be_focused()

    for key in ["Tab"] * 5 + ["Shift+Tab"] * 5:
        ada.page.keyboard.press(key)
        assert ada.page.evaluate("document.activeElement.closest('dialog[open]') !== null"), f"{key} left the dialog"
    dialog.get_by_role("button", name="Cancel").focus()
    ada.page.keyboard.press("Escape")

    expect(dialog).to_have_count(0)
    expect(new_chat).to_be_focused()  # back where the user was
