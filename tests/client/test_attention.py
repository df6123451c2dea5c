"""Hearing about messages: the title counts them while the page is hidden, the bell turns on browser
notifications that open their chat, a muted chat stays quiet, and toasts never cover the composer."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.client.users import chat_between, notes, notified_reader, set_visibility, unique


def test_while_the_page_is_hidden_messages_to_the_open_chat_count_in_the_title(new_user) -> None:
    reader = new_user().login_guest(unique("Reader"))
    writer = new_user().login_guest(unique("Writer"))
    room = chat_between(reader, writer)
    writer.send(room, "seen at once")
    expect(reader.page).to_have_title("Chatr")

    set_visibility(reader.page, "hidden")
    writer.send(room, "while away 1")
    writer.send(room, "while away 2")
    expect(reader.page).to_have_title("(2) Chatr")

    set_visibility(reader.page, "visible")
    expect(reader.page).to_have_title("Chatr")
    rows = reader.panel(room).locator(".newDivider, .msgText")
    expect(rows).to_have_text(["seen at once", "New messages", "while away 1", "while away 2"])


def test_the_bell_turns_on_notifications_that_name_sender_and_chat_and_open_the_chat(new_user) -> None:
    reader = notified_reader(new_user)
    writer = new_user().login_guest(unique("Writer"))
    room, other = chat_between(reader, writer), unique("Other")
    reader.create_chat(other)  # the chat in front is another one
    bell = reader.page.get_by_role("button", name="Notifications")
    expect(bell).to_have_attribute("aria-pressed", "false")

    set_visibility(reader.page, "hidden")
    writer.send(room, "not announced: the bell is off")
    expect(reader.unread(room)).to_have_attribute("data-unread", "1")
    assert notes(reader) == []

    set_visibility(reader.page, "visible")
    bell.click()
    expect(bell).to_have_attribute("aria-pressed", "true")
    reader.page.reload()  # the choice is remembered
    reader.wait_ready()
    expect(bell).to_have_attribute("aria-pressed", "true")

    set_visibility(reader.page, "hidden")
    writer.send(room, "Lunch at noon?\nBring the punched cards.")
    reader.page.wait_for_function("() => window.__notes.length === 1")
    [note] = notes(reader)
    assert (note["title"], note["body"]) == (f"{writer.name} in {room}", "Lunch at noon?")
    room_id = reader.page.locator(".chatItem", has=reader.page.get_by_text(room, exact=True)).get_attribute(
        "data-chat-id"
    )
    assert note["tag"] == room_id  # one notification per chat: a newer one replaces the older

    reader.page.evaluate("window.__notes[0].note.dispatchEvent(new Event('click'))")
    expect(reader.chat_entry(room)).to_have_attribute("aria-current", "true")
    expect(reader.messages(room).filter(has_text="Lunch at noon?")).to_be_visible()

    bell.click()
    expect(bell).to_have_attribute("aria-pressed", "false")
    writer.send(room, "quiet again")
    expect(reader.messages(room).filter(has_text="quiet again")).to_be_visible()
    assert len(notes(reader)) == 1


def test_a_muted_chat_neither_notifies_nor_counts_in_the_title(new_user) -> None:
    reader = notified_reader(new_user)
    writer = new_user().login_guest(unique("Writer"))
    room = chat_between(reader, writer)
    reader.page.get_by_role("button", name="Notifications").click()

    reader.mute(room)
    set_visibility(reader.page, "hidden")
    writer.send(room, "psst")
    writer.send(room, "psst again")

    expect(reader.unread(room)).to_have_attribute("data-unread", "2")
    expect(reader.unread(room)).to_have_class(re.compile(r"\bisMuted\b"))
    expect(reader.page).to_have_title("Chatr")
    assert notes(reader) == []
    reader.page.reload()  # muting is remembered
    reader.wait_ready()
    expect(reader.chat_entry(room).locator(".mutedIcon")).to_be_visible()


def test_toasts_never_cover_the_composer_on_a_phone_or_a_laptop(new_user) -> None:
    for viewport in [(390, 844), (1280, 720)]:
        ada = new_user(viewport=viewport).login_guest(unique("Ada"))
        bob = new_user().login_guest(unique("Bob"))
        room = unique("Room")
        ada.create_chat(room)
        bob.user_entry(ada.name).click()  # Ada is told with a toast
        toast = ada.toast(f"Incoming: Chat with {bob.name}")
        expect(toast).to_be_visible()
        composer = ada.composer(room).bounding_box()
        shown = toast.bounding_box()
        assert composer and shown
        assert shown["y"] + shown["height"] <= composer["y"], (viewport, shown, composer)
