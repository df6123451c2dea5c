"""Reactions: anyone in a chat puts 👍 ❤️ 😂 😮 😢 🎉 on a message and takes them off again; everyone sees the
counts, the names on hover, which are their own, and a reload keeps them. The keyboard reaches them too."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.client.users import in_a_chat


def test_reactions_count_per_person_name_them_on_hover_and_toggle_off(new_user) -> None:
    (ada, bob, cy), room = in_a_chat(new_user, "Ada", "Bob", "Cy")
    ada.send(room, "Cake in the kitchen")

    bob.react(room, "Cake in the kitchen", "thumbs up")
    expect(cy.chips(room, "Cake in the kitchen")).to_have_text(["👍 1"])
    cy.chips(room, "Cake in the kitchen").first.click()  # the chip adds Cy's own 👍
    bob.react(room, "Cake in the kitchen", "party")

    for user in (ada, bob, cy):
        chips = user.chips(room, "Cake in the kitchen")
        expect(chips).to_have_text(["👍 2", "🎉 1"])
        expect(chips.first).to_have_attribute("title", f"{bob.name} and {cy.name}")
        expect(chips.last).to_have_attribute("title", bob.name)
    expect(ada.chips(room, "Cake in the kitchen").first).to_have_attribute("aria-pressed", "false")
    expect(cy.chips(room, "Cake in the kitchen").first).to_have_attribute("aria-pressed", "true")
    expect(cy.chips(room, "Cake in the kitchen").first).to_have_accessible_name(
        f"👍 thumbs up: 2 ({bob.name} and {cy.name})"
    )

    cy.chips(room, "Cake in the kitchen").first.click()  # and takes it off again
    bob.react(room, "Cake in the kitchen", "party")  # a second later, Bob takes his 🎉 off from the menu
    expect(ada.chips(room, "Cake in the kitchen")).to_have_text(["👍 1"])
    expect(ada.chips(room, "Cake in the kitchen").first).to_have_attribute("title", bob.name)

    ada.page.reload()
    ada.wait_ready()
    expect(ada.chips(room, "Cake in the kitchen")).to_have_text(["👍 1"])


def test_the_keyboard_reaches_each_messages_menu_and_its_reactions(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    ada.send(room, "older")
    ada.send(room, "newer")
    page = bob.page
    bob.composer(room).focus()

    page.keyboard.press("Shift+Tab")  # the messages' menus take one Tab stop: the newest one's
    expect(page.locator(":focus")).to_have_accessible_name(re.compile(f"^Actions for the message from {ada.name} at "))
    expect(bob.message_row(room, "newer").locator(":focus")).to_have_count(1)
    page.keyboard.press("ArrowUp")
    expect(bob.message_row(room, "older").locator(":focus")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitemcheckbox", name="React with thumbs up")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("menuitemcheckbox", name="React with heart")).to_be_focused()
    page.keyboard.press("Enter")

    expect(ada.chips(room, "older")).to_have_text(["❤️ 1"])
    expect(bob.message_row(room, "older").locator(":focus")).to_have_count(1)  # back on the menu's button
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitemcheckbox", name="React with heart")).to_have_attribute("aria-checked", "true")
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(bob.message_row(room, "older").locator(":focus")).to_have_count(1)
