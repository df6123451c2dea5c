"""Writing: Enter sends, Shift+Enter and pasted line breaks stay, and nothing over a limit is ever cut silently."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.client.users import chat_between, unique


def two_in_a_chat(new_user):
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    return ada, bob, chat_between(ada, bob)


def test_enter_sends_and_shift_enter_starts_a_new_line_that_everyone_sees(new_user) -> None:
    ada, bob, room = two_in_a_chat(new_user)
    box = ada.composer(room)
    box.click()
    ada.page.keyboard.type("first line")
    ada.page.keyboard.press("Shift+Enter")
    ada.page.keyboard.type("second line")
    expect(box).to_have_value("first line\nsecond line")  # Shift+Enter did not send

    ada.page.keyboard.press("Enter")

    expect(box).to_have_value("")
    shown = bob.messages(room).last
    expect(shown).to_contain_text("second line")
    assert shown.evaluate("e => e.innerText") == "first line\nsecond line"  # shown on two lines


def test_pasted_line_breaks_are_kept(new_user) -> None:
    ada, bob, room = two_in_a_chat(new_user)
    ada.composer(room).focus()
    ada.page.keyboard.insert_text("pasted\nacross\nthree lines")
    ada.page.keyboard.press("Enter")
    shown = bob.messages(room).last
    expect(shown).to_contain_text("three lines")
    assert shown.evaluate("e => e.innerText") == "pasted\nacross\nthree lines"


def test_a_counter_shows_near_the_limit_and_a_message_over_it_is_kept_not_cut(new_user) -> None:
    ada, bob, room = two_in_a_chat(new_user)
    box = ada.composer(room)
    status = ada.panel(room).locator("#composerStatus")
    send = ada.panel(room).get_by_role("button", name="Send")

    box.fill("x" * 100)
    expect(status).to_be_hidden()
    box.fill("x" * 1850)
    expect(status).to_have_text("1850 / 2000")

    box.fill("y" * 2010)
    expect(status).to_have_text("The message is 10 characters too long (at most 2000). Shorten it to send.")
    expect(send).to_be_disabled()
    box.press("Enter")
    expect(box).to_have_value("y" * 2010)  # still all there

    box.press("End")
    for _ in range(10):
        box.press("Backspace")
    expect(send).to_be_enabled()
    box.press("Enter")
    expect(bob.messages(room).filter(has_text="y" * 2000)).to_have_count(1)
    assert len(bob.messages(room).last.inner_text()) == 2000


def test_names_over_their_limit_say_so_and_are_kept(new_user) -> None:
    visitor = new_user()
    visitor.page.goto("/login.html")
    visitor.page.get_by_role("button", name="Guest").click()
    name_box = visitor.page.get_by_label("Enter your name")
    name_box.fill("n" * 55)
    expect(visitor.page.locator("#guestError")).to_have_text("The name is 5 characters too long (at most 50).")
    expect(visitor.page.get_by_role("button", name="Login")).to_be_disabled()
    expect(name_box).to_have_value("n" * 55)

    ada = new_user().login_guest(unique("Ada"))
    ada.page.get_by_role("button", name="New Chat").click()
    dialog = ada.page.get_by_role("dialog", name="New Chat")
    dialog.get_by_label("Chat name").fill("c" * 103)
    expect(dialog.locator("#newChatHelp")).to_have_text(
        "The name is 3 characters too long (at most 100). Shorten it to create the chat."
    )
    expect(dialog.get_by_role("button", name="Create")).to_be_disabled()
    expect(dialog.get_by_label("Chat name")).to_have_value("c" * 103)
