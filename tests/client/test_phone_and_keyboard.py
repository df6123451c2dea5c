"""A phone-sized screen and the keyboard are enough to use Chatr."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.client.users import chat_between, unique

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


def test_the_skip_link_leads_to_the_message_box(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    room = unique("Room")
    ada.create_chat(room)
    skip = ada.page.get_by_role("link", name="Skip to the message box")
    first = "document.querySelector('a[href], button:not([disabled]), input, textarea, [tabindex]')"
    assert ada.page.evaluate(f"{first}.classList.contains('skipLink')")  # the first stop on the page
    ada.page.locator(".sidebar .brand").click()  # the top of the page, then back one stop

    ada.page.keyboard.press("Shift+Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    ada.page.keyboard.press("Enter")

    expect(ada.composer(room)).to_be_focused()


def test_arrow_keys_move_through_the_chat_list_and_enter_opens_a_chat(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    tag = unique("")[1:]
    first, second, third = (f"{letter} {tag}" for letter in ("Aa", "Ab", "Ac"))
    for name in (first, second, third):
        ada.create_chat(name)
    chats = ada.page.get_by_role("list", name="Group chats")
    expect(chats.locator(".chatLink[tabindex='0']")).to_have_count(1)  # one Tab stop for the whole list
    ada.chat_entry(third).focus()

    ada.page.keyboard.press("ArrowUp")
    expect(ada.chat_entry(second)).to_be_focused()
    ada.page.keyboard.press("ArrowUp")
    expect(ada.chat_entry(first)).to_be_focused()
    ada.page.keyboard.press("ArrowDown")
    expect(ada.chat_entry(second)).to_be_focused()
    ada.page.keyboard.press("Enter")

    expect(ada.chat_entry(second)).to_have_attribute("aria-current", "true")
    expect(ada.composer(second)).to_be_focused()  # ready to write
    ada.page.keyboard.press("Shift+Tab")
    ada.page.keyboard.press("Shift+Tab")
    expect(ada.panel(second).get_by_role("button", name=f"Options for {second}")).to_be_focused()

    ada.chat_entry(first).focus()
    ada.page.keyboard.press("Tab")  # the chat's own delete button comes next
    expect(ada.delete_button(first)).to_be_focused()
    ada.page.keyboard.press("Enter")
    ada.page.get_by_role("dialog", name=f"Delete “{first}”?").get_by_role("button", name="Delete chat").press("Enter")
    expect(ada.chat_link(first)).to_have_count(0)
    expect(chats.locator(".chatLink[tabindex='0']")).to_have_count(1)  # the list keeps its Tab stop


def test_the_chat_menu_and_the_delete_question_work_with_the_keyboard(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    room = unique("Room")
    ada.create_chat(room)
    options = ada.panel(room).get_by_role("button", name=f"Options for {room}")
    options.focus()

    ada.page.keyboard.press("Enter")
    expect(ada.page.get_by_role("menuitem", name="Mute chat")).to_be_focused()
    ada.page.keyboard.press("ArrowDown")
    expect(ada.page.get_by_role("menuitem", name="Leave chat")).to_be_focused()
    ada.page.keyboard.press("Escape")
    expect(ada.page.get_by_role("menu")).to_have_count(0)
    expect(options).to_be_focused()

    ada.delete_button(room).focus()
    ada.page.keyboard.press("Enter")
    question = ada.page.get_by_role("dialog", name=f"Delete “{room}”?")
    expect(question.get_by_role("button", name="Cancel")).to_be_focused()  # the safe answer first
    ada.page.keyboard.press("Escape")
    expect(question).to_have_count(0)
    expect(ada.chat_entry(room)).to_be_visible()  # nothing deleted


# Elements inside the log that Tab stops at (the log itself aside).
TAB_STOPS = """(log) => [...log.querySelectorAll("a[href], button, [tabindex]")]
  .filter((element) => element.tabIndex >= 0 && !element.disabled).length"""


def test_the_message_log_is_one_tab_stop_and_the_arrow_keys_reach_its_links_and_reactions(new_user) -> None:
    """Issue 22, bug 9: every reaction chip and every link in the log was its own Tab stop."""
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = chat_between(ada, bob)
    bob.send(room, "see www.example.org and www.example.com")
    ada.react(room, "see www.example.org", "heart")
    bob.react(room, "see www.example.org", "party")
    ada.send(room, "thanks")
    row = ada.message_row(room, "see www.example.org")
    chips = ada.chips(room, "see www.example.org")
    expect(chips).to_have_count(2)
    assert ada.panel(room).get_by_role("log").evaluate(TAB_STOPS) == 1

    ada.composer(room).focus()
    ada.page.keyboard.press("Shift+Tab")  # the one stop: the menu used last (Ada reacted through it)
    expect(row.get_by_role("button", name=re.compile("^Actions for"))).to_be_focused()
    for part in (chips.nth(1), chips.nth(0), row.get_by_role("link", name="www.example.com")):
        ada.page.keyboard.press("ArrowLeft")
        expect(part).to_be_focused()
    ada.page.keyboard.press("ArrowLeft")
    first_link = row.get_by_role("link", name="www.example.org")
    expect(first_link).to_be_focused()
    ada.page.keyboard.press("ArrowLeft")
    expect(first_link).to_be_focused()  # the first part stays
    ada.page.keyboard.press("ArrowRight")
    expect(row.get_by_role("link", name="www.example.com")).to_be_focused()
    ada.page.keyboard.press("ArrowDown")  # from a part, down to the next message
    expect(ada.message_row(room, "thanks").get_by_role("button", name=re.compile("^Actions for"))).to_be_focused()
    assert ada.panel(room).get_by_role("log").evaluate(TAB_STOPS) == 1
    assert ada.console_errors == []
