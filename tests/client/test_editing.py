"""Editing and deleting: people change or delete their own messages (from the message's menu, or Up in an
empty box for the latest), everyone sees "(edited)" or "Message deleted", and a reload shows the same."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.client.users import in_a_chat


def test_an_edit_shows_for_everyone_marked_edited_and_survives_a_reload(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    ada.send(room, "Teh engine runs")
    bob.send(room, "Great")

    ada.edit_message(room, "Teh engine runs", "The engine runs")

    for user in (ada, bob):
        row = user.message_row(room, "The engine runs")
        expect(row.locator(".msgText")).to_have_text("The engine runs")
        expect(row.locator(".msgEdited")).to_have_text("(edited)")
        expect(user.messages(room)).to_have_text(["The engine runs", "Great"])  # in its place, not a new message
    expect(ada.composer(room)).to_have_value("")
    bob.page.reload()
    bob.wait_ready()
    expect(bob.message_row(room, "The engine runs").locator(".msgEdited")).to_be_visible()
    expect(bob.messages(room).filter(has_text="Teh engine")).to_have_count(0)


def test_up_in_an_empty_box_edits_the_latest_message_and_escape_brings_the_draft_back(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    ada.send(room, "first")
    ada.send(room, "secnod")
    bob.send(room, "someone else's")
    box = ada.composer(room)

    box.press("ArrowUp")
    expect(box).to_have_value("secnod")
    expect(ada.panel(room).get_by_text("Editing your message")).to_be_visible()
    box.fill("second")
    box.press("Enter")
    expect(bob.message_row(room, "second").locator(".msgEdited")).to_be_visible()

    box.fill("a draft")
    ada.open_message_menu(room, "first").get_by_role("menuitem", name="Edit message").click()
    expect(box).to_have_value("first")
    box.press("Escape")
    expect(box).to_have_value("a draft")
    expect(ada.panel(room).get_by_text("Editing your message")).to_have_count(0)
    expect(bob.message_row(room, "first").locator(".msgEdited")).to_have_count(0)


def test_a_deleted_message_shows_as_deleted_for_everyone_and_after_a_reload(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    ada.send(room, "wrong chat, sorry")
    bob.react(room, "wrong chat, sorry", "laughing")
    expect(ada.chips(room, "wrong chat, sorry")).to_have_count(1)

    ada.delete_message(room, "wrong chat, sorry")

    for user in (ada, bob):
        expect(user.panel(room).locator(".msgDeleted")).to_have_text("Message deleted")
        expect(user.panel(room).get_by_text("wrong chat, sorry")).to_have_count(0)
        expect(user.panel(room).locator(".reactionChip")).to_have_count(0)
        deleted = user.panel(room).locator(".msgRow", has_text="Message deleted")
        expect(deleted.locator(".msgFrom")).to_have_text(ada.name)
    ada.page.reload()
    ada.wait_ready()
    expect(ada.panel(room).locator(".msgDeleted")).to_have_text("Message deleted")
    expect(ada.panel(room).get_by_text("wrong chat, sorry")).to_have_count(0)


def test_other_peoples_messages_offer_reactions_and_reply_but_neither_edit_nor_delete(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    ada.send(room, "mine, not Bob's")

    menu = bob.open_message_menu(room, "mine, not Bob's")

    expect(menu.get_by_role("menuitemcheckbox")).to_have_count(6)
    expect(menu.get_by_role("menuitem")).to_have_text(["Reply"])
    bob.page.keyboard.press("Escape")
    bob.composer(room).press("ArrowUp")  # Bob has no message of his own to edit
    expect(bob.composer(room)).to_have_value("")
    expect(bob.panel(room).get_by_text("Editing your message")).to_have_count(0)
    expect(bob.message_row(room, "mine, not Bob's")).not_to_have_class(re.compile(r"\bchatRight\b"))
