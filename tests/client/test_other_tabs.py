"""One person, several tabs or devices: every tab follows a join, a leave and a delete."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.client.users import unique


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
    phone.dismiss_toast(told)  # on a phone it lies over the top of the chat list
    phone.join_chat(room)
    expect(phone.composer(room)).to_have_value("sent from the phone")  # nothing typed is lost
    expect(witness.messages(room)).to_have_count(0)
