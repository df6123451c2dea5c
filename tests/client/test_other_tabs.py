"""One person, several tabs or devices: every tab follows a join, a leave and a delete."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.client.users import chat_between, unique


def test_a_users_other_tabs_follow_a_join_a_leave_and_a_delete(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room, side = unique("Room"), unique("Side")
    ada.create_chat(room)
    bob.create_chat(side)
    second = ada.another_tab()
    expect(second.chat_entry(room)).to_be_visible()

    ada.join_chat(side)
    expect(second.chat_entry(side)).to_be_visible()

    ada.open_chat(room)
    ada.leave(room)
    expect(second.chat_entry(room)).to_have_count(0)
    expect(second.chat_link(room)).to_have_count(0)  # no longer among this user's chats

    bob.delete_chat(side)
    for tab in (ada, second):
        expect(tab.toast(f"💥 Chat “{side}” was deleted by its owner")).to_be_visible()
        expect(tab.chat_link(side)).to_have_count(0)
    assert ada.console_errors == [] and second.console_errors == []


def test_a_chat_left_on_another_device_closes_when_written_to_and_keeps_what_was_typed(new_user) -> None:
    user_id, name = uuid.uuid4().hex, unique("Ada")
    laptop = new_user().login_github(name, user_id=user_id)
    phone = new_user(viewport=(390, 844)).login_github(name, user_id=user_id)
    witness = new_user().login_guest(unique("Witness"))
    room = unique("Room")
    laptop.create_chat(room)
    witness.join_chat(room)
    phone.chat_entry(room).click()
    expect(phone.panel(room)).to_be_visible()

    laptop.leave(room)
    expect(witness.panel(room).locator(".chatNotice", has_text=f"{name} has left the chat")).to_be_visible()
    phone.composer(room).fill("sent from the phone")
    phone.composer(room).press("Enter")

    told = f"You are no longer in “{room}”: you left it in another window"
    expect(phone.toast(told)).to_be_visible()
    expect(phone.chat_entry(room)).to_have_count(0)
    expect(phone.page.get_by_text("does not have permission")).to_have_count(0)
    phone.dismiss_toast(told)
    phone.join_chat(room)
    expect(phone.composer(room)).to_have_value("sent from the phone")  # nothing typed is lost
    expect(witness.messages(room)).to_have_count(0)


def test_a_second_tab_marks_only_what_came_after_reading_elsewhere_as_new_and_shows_it(new_user) -> None:
    """Issue 22, bug 1: read in one tab, the second tab's divider sits above the one new message, in view."""
    reader = new_user(viewport=(1280, 720)).login_guest(unique("Reader"))
    writer = new_user().login_guest(unique("Writer"))
    room = chat_between(reader, writer)
    filler = " and a few more words so that the message takes several lines" * 8
    for number in range(1, 13):
        writer.send(room, f"Message {number:02}{filler}")
    expect(reader.messages(room).filter(has_text="Message 12")).to_be_in_viewport()
    seen = writer.panel(room).locator(".msgRow", has_text="Message 12").locator("+ .seenBy")
    expect(seen).to_have_text(f"Seen by {reader.name}")  # the server has the first tab's read position
    reader.create_chat(unique("Elsewhere"))  # the first tab reads something else from now on

    second = reader.another_tab()
    expect(second.chat_entry(room)).to_be_visible()
    writer.send(room, f"Message 13{filler}")
    expect(second.unread(room)).to_have_attribute("data-unread", "1")
    second.open_chat(room)

    rows = second.panel(room).locator(".newDivider, .msgText")
    expect(rows.last).to_contain_text("Message 13")
    texts = rows.all_text_contents()
    assert texts.index("New messages") == len(texts) - 2, texts
    expect(second.panel(room).locator(".newDivider")).to_be_in_viewport()
    expect(second.messages(room).filter(has_text="Message 13")).to_be_in_viewport()
    assert second.console_errors == []
