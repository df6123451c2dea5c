"""Private chats: opened by clicking a user, announced to the other with a toast, invisible to a third."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.client.users import ChatUser, unique


def test_a_private_chat_opens_on_both_sides_and_a_third_user_cannot_see_it(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_github(unique("Bob"))
    eve = new_user().login_guest(unique("Eve"))
    lobby = unique("Lobby")
    bob.create_chat(lobby)

    ada.chat_with(bob.name)

    # a private chat is listed under Direct messages by the other person's name
    expect(ada.chat_entry(bob.name)).to_have_attribute("aria-current", "true")
    expect(bob.toast(f"💬 Incoming: Chat with {ada.name}")).to_be_visible()
    expect(bob.chat_entry(ada.name)).not_to_have_attribute("aria-current", "true")
    expect(bob.chat_entry(lobby)).to_have_attribute("aria-current", "true")
    expect(ada.panel(bob.name).locator(".chatNotice", has_text=f"{ada.name} wants to chat")).to_be_visible()
    expect(ada.panel(bob.name).locator(".conversationMeta")).to_contain_text("Private chat")

    ada.send(bob.name, "just between us")
    expect(bob.unread(ada.name)).to_have_attribute("data-unread", "1")  # the message, not "wants to chat"
    bob.open_chat(ada.name)
    expect(bob.messages(ada.name).filter(has_text="just between us")).to_be_visible()
    bob.send(ada.name, "agreed")
    expect(ada.messages(bob.name).filter(has_text="agreed")).to_be_visible()

    expect(eve.page.get_by_role("list", name="Direct messages")).to_have_count(0)
    expect(eve.chat_entry(ada.name)).to_have_count(0)
    expect(eve.chat_entry(bob.name)).to_have_count(0)
    expect(eve.page.get_by_text("just between us")).to_have_count(0)
    eve.search(lobby)
    expect(eve.found_chat(lobby)).to_be_visible()  # a group chat is there to find; a private one is not
    eve.search(bob.name)
    expect(eve.found_person(bob.name)).to_be_visible()
    expect(eve.found_chat(f"Chat with {bob.name}")).to_have_count(0)

    ada.chat_with(bob.name)
    expect(ada.page.get_by_role("list", name="Direct messages").locator(".chatItem")).to_have_count(1)
    assert ada.console_errors == [] and bob.console_errors == [] and eve.console_errors == []


def test_a_user_whose_id_is_part_of_an_open_private_chat_still_gets_their_own(new_user) -> None:
    carol_id = uuid.uuid4().hex
    ada = new_user().login_github(unique("Ada"))
    bob = new_user().login_github(unique("Bob"), user_id=carol_id + "0")  # Carol's id is a prefix of Bob's
    carol = new_user().login_github(unique("Carol"), user_id=carol_id)
    ada.chat_with(bob.name)
    expect(ada.chat_entry(bob.name)).to_have_attribute("aria-current", "true")

    ada.chat_with(carol.name)

    expect(ada.chat_entry(carol.name)).to_have_attribute("aria-current", "true")
    expect(carol.toast(f"💬 Incoming: Chat with {ada.name}")).to_be_visible()
    expect(ada.page.get_by_role("list", name="Direct messages").locator(".chatItem")).to_have_count(2)


def ada_and_bob_who_left_their_private_chat(new_user) -> tuple[ChatUser, ChatUser]:
    """Ada opened a private chat with Bob, who left it; Ada's screen has seen him go."""
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    ada.chat_with(bob.name)
    expect(bob.chat_entry(ada.name)).to_be_visible()
    bob.open_chat(ada.name)
    bob.leave(ada.name)
    expect(bob.chat_entry(ada.name)).to_have_count(0)
    expect(ada.panel(bob.name).locator(".chatNotice", has_text=f"{bob.name} has left the chat")).to_be_visible()
    return ada, bob


def test_writing_to_someone_who_left_the_private_chat_invites_them_back(new_user) -> None:
    ada, bob = ada_and_bob_who_left_their_private_chat(new_user)

    note = ada.panel(bob.name).locator(".composerNote")
    expect(note).to_have_text(f"{bob.name} left this chat. Sending a message invites them back.")
    ada.send(bob.name, "are you still there?")
    expect(bob.chat_entry(ada.name)).to_be_visible()  # back in the chat, announced with a toast
    expect(bob.toast(f"💬 Incoming: Chat with {ada.name}").last).to_be_visible()
    bob.open_chat(ada.name)
    expect(bob.messages(ada.name).filter(has_text="are you still there?")).to_be_visible()
    expect(note).to_have_count(0)
    bob.send(ada.name, "back again")
    expect(ada.messages(bob.name).filter(has_text="back again")).to_be_visible()


def test_after_a_reload_a_private_chat_the_other_person_left_still_invites_them_back(new_user) -> None:
    ada, bob = ada_and_bob_who_left_their_private_chat(new_user)

    ada.page.reload()
    ada.wait_ready()

    note = ada.panel(bob.name).locator(".composerNote")
    expect(note).to_have_text(f"{bob.name} left this chat. Sending a message invites them back.")
    ada.send(bob.name, "still there after my reload?")
    expect(bob.chat_entry(ada.name)).to_be_visible()
    bob.open_chat(ada.name)
    expect(bob.messages(ada.name).filter(has_text="still there after my reload?")).to_be_visible()
