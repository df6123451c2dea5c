"""@mentions: typing "@" offers the chat's members (and everyone online) to complete with the keyboard or the
pointer; the person mentioned sees the message highlighted and is notified, even in a chat they muted."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.client.users import in_a_chat, notes, notified_reader, set_visibility, unique


def test_at_offers_people_to_complete_and_the_person_named_sees_the_message_highlighted(new_user) -> None:
    (ada, bob, grace), room = in_a_chat(new_user, "Ada", "Bob", "Grace")
    ada.send(room, "Welcome both")
    box = bob.composer(room)

    box.press_sequentially("look @gra")
    options = bob.page.get_by_role("listbox", name="People to mention").get_by_role("option")
    expect(options).to_have_text([grace.name])
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id") or "")
    box.press("Enter")  # picks, does not send
    expect(box).to_have_value(f"look @{grace.name} ")
    expect(options).to_have_count(0)
    box.press_sequentially("and @")
    expect(options.nth(0)).to_have_text(ada.name)  # the chat's members first
    expect(options.nth(1)).to_have_text(grace.name)
    expect(options.filter(has_text=bob.name)).to_have_count(0)  # never Bob himself
    box.press("Escape")
    expect(options).to_have_count(0)
    box.press_sequentially("Ada")
    box.press("Enter")  # the list was closed for this @: Enter sends
    expect(bob.messages(room).last).to_have_text(f"look @{grace.name} and @Ada")

    row = grace.message_row(room, "look @")
    expect(row.locator(".msgCard")).to_have_class(re.compile(r"\bisMention\b"))
    expect(row.locator(".mention.isMe")).to_have_text(f"@{grace.name}")
    expect(ada.message_row(room, "look @").locator(".msgCard")).not_to_have_class(re.compile(r"\bisMention\b"))
    expect(ada.message_row(room, "look @").locator(".mention")).to_have_text([f"@{grace.name}"])


def test_a_mention_notifies_even_in_a_muted_chat_and_marks_the_chat_in_the_sidebar(new_user) -> None:
    reader = notified_reader(new_user, "Grace")
    writer = new_user().login_guest(unique("Ada"))
    room = unique("Room")
    writer.create_chat(room)
    reader.join_chat(room)
    reader.page.get_by_role("button", name="Notifications").click()
    reader.mute(room)
    set_visibility(reader.page, "hidden")

    writer.send(room, "nothing for Grace here")
    expect(reader.unread(room)).to_have_attribute("data-unread", "1")
    writer.composer(room).press_sequentially(f"@{reader.name[:3]}")
    writer.composer(room).press("Tab")
    writer.composer(room).press_sequentially("can you look at this?")
    writer.composer(room).press("Enter")

    reader.page.wait_for_function("() => window.__notes.length === 1")
    [note] = notes(reader)
    assert note["title"] == f"{writer.name} mentioned you in {room}"
    assert note["body"] == f"@{reader.name} can you look at this?"
    expect(reader.chat_entry(room).locator(".mentionBadge")).to_be_visible()
    expect(reader.page).to_have_title("(1) Chatr")  # a muted chat counts its mentions, not the rest
    set_visibility(reader.page, "visible")
    expect(reader.chat_entry(room).locator(".mentionBadge")).to_have_count(0)
