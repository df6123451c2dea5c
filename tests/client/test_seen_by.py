"""Seen by: the sender's latest message says who has read it, once they have it on screen ("Seen by Bob,
Cy"; just "Seen" in a private chat). Someone with another chat open, or the page hidden, has not read it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.client.users import in_a_chat, set_visibility, unique


def test_the_latest_message_says_who_has_seen_it_as_they_read_it(new_user) -> None:
    (ada, bob, cy), room = in_a_chat(new_user, "Ada", "Bob", "Cy")
    bob.create_chat(unique("Other"))  # Bob has another chat open
    set_visibility(cy.page, "hidden")  # Cy's page is behind another window

    ada.send(room, "Anyone there?")
    expect(bob.unread(room)).to_have_attribute("data-unread", "1")
    expect(ada.seen_by(room)).to_have_count(0)  # Bob has another chat open, Cy's page is hidden

    bob.open_chat(room)
    expect(ada.seen_by(room)).to_have_text(f"Seen by {bob.name}")
    set_visibility(cy.page, "visible")
    expect(ada.seen_by(room)).to_have_text(f"Seen by {bob.name}, {cy.name}")
    for user in (bob, cy):
        expect(user.seen_by(room)).to_have_count(0)  # only under the sender's own message

    ada.send(room, "Good, the next one")
    expect(ada.seen_by(room)).to_have_text(f"Seen by {bob.name}, {cy.name}")
    expect(ada.message_row(room, "Good, the next one").locator("xpath=following-sibling::p[1]")).to_have_class("seenBy")


def test_in_a_private_chat_it_just_says_seen(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    bob.create_chat(unique("Busy"))
    ada.chat_with(bob.name)
    expect(ada.chat_entry(bob.name)).to_have_attribute("aria-current", "true")

    ada.send(bob.name, "Lunch?")
    expect(bob.unread(ada.name)).to_have_attribute("data-unread", "1")  # the message, not the "wants to chat" notice
    expect(ada.seen_by(bob.name)).to_have_count(0)
    bob.open_chat(ada.name)

    expect(ada.seen_by(bob.name)).to_have_text("Seen")
