"""Private chats: opened by clicking a user, announced to the other with a toast, invisible to a third."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.client.users import unique


def test_a_private_chat_opens_on_both_sides_and_a_third_user_cannot_see_it(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_github(unique("Bob"))
    eve = new_user().login_guest(unique("Eve"))
    lobby = unique("Lobby")
    bob.create_chat(lobby)

    ada.user_entry(bob.name).click()

    with_bob, with_ada = f"Chat with {bob.name}", f"Chat with {ada.name}"
    expect(ada.tab(with_bob)).to_have_attribute("aria-selected", "true")
    expect(bob.toast(f"💬 Incoming: {with_ada}")).to_be_visible()
    expect(bob.tab(with_ada)).to_have_attribute("aria-selected", "false")
    expect(bob.tab(lobby)).to_have_attribute("aria-selected", "true")
    expect(ada.panel(with_bob).locator(".chatNotice", has_text=f"{ada.name} wants to chat")).to_be_visible()

    ada.send(with_bob, "just between us")
    expect(bob.tab(with_ada).locator(".unread .tag")).to_have_text("2")  # the "wants to chat" notice, then the message
    bob.tab(with_ada).click()
    expect(bob.messages(with_ada).filter(has_text="just between us")).to_be_visible()
    bob.send(with_ada, "agreed")
    expect(ada.messages(with_bob).filter(has_text="agreed")).to_be_visible()

    expect(eve.page.get_by_role("tab")).to_have_count(0)
    expect(eve.page.get_by_text("Chat with")).to_have_count(0)
    expect(eve.page.get_by_text("just between us")).to_have_count(0)
    expect(eve.chat_link(lobby)).to_be_visible()

    ada.user_entry(bob.name).click()
    expect(ada.page.get_by_role("tab")).to_have_count(1)
    assert ada.console_errors == [] and bob.console_errors == [] and eve.console_errors == []


def test_a_user_whose_id_is_part_of_an_open_private_chat_still_gets_their_own(new_user) -> None:
    carol_id = uuid.uuid4().hex
    ada = new_user().login_github(unique("Ada"))
    bob = new_user().login_github(unique("Bob"), user_id=carol_id + "0")  # Carol's id is a prefix of Bob's
    carol = new_user().login_github(unique("Carol"), user_id=carol_id)
    with_bob, with_carol = f"Chat with {bob.name}", f"Chat with {carol.name}"
    ada.user_entry(bob.name).click()
    expect(ada.tab(with_bob)).to_have_attribute("aria-selected", "true")

    ada.user_entry(carol.name).click()

    expect(ada.tab(with_carol)).to_have_attribute("aria-selected", "true")
    expect(carol.toast(f"💬 Incoming: Chat with {ada.name}")).to_be_visible()
    expect(ada.page.get_by_role("tab")).to_have_count(2)
