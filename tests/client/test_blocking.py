"""Blocking someone: from the user list or a private chat's menu, after a question that says what it
does; their messages, notices and reactions are hidden from the blocker alone, in every chat, across
a reload; what they write to the blocker in private seems sent but never reaches her, and nothing
tells them (issue 22); Blocked users lists them, online or not, and unblocking shows everything again."""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from tests.client.users import ChatUser, chat_between, in_a_chat, notes, notified_reader, set_visibility, unique

HISTORY_HOLDS = """(text) => Object.keys(localStorage)
  .some((key) => key.startsWith('chatr.history.') && localStorage[key].includes(text))"""


def actions(user: ChatUser, name: str) -> Locator:
    """The menu button beside someone in Online Users."""
    return user.page.get_by_role("list", name="Online users").get_by_role("button", name=f"Actions for {name}")


def block_from_the_list(user: ChatUser, name: str) -> None:
    """Open the person's menu in Online Users, choose Block, and say yes."""
    actions(user, name).click()
    user.page.get_by_role("menuitem", name=f"Block {name}").click()
    user.page.get_by_role("dialog", name=f"Block {name}?").get_by_role("button", name="Block", exact=True).click()
    expect(user.toast(f"You blocked {name}")).to_be_visible()


def blocked_users(user: ChatUser) -> Locator:
    """Open Blocked users from the sidebar's header; returns the dialog."""
    user.page.get_by_role("button", name="Blocked users").click()
    dialog = user.page.get_by_role("dialog", name="Blocked users")
    expect(dialog).to_be_visible()
    return dialog


def wait_stored(user: ChatUser, text: str) -> None:
    """The message reached this browser: it is in the chat's stored history (written a moment after it arrives)."""
    user.page.wait_for_function(HISTORY_HOLDS, arg=text)


def test_the_block_question_says_what_blocking_does_and_cancel_blocks_nobody(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    actions(ada, bob.name).click()
    ada.page.get_by_role("menuitem", name=f"Block {bob.name}").click()

    dialog = ada.page.get_by_role("dialog", name=f"Block {bob.name}?")
    expect(dialog).to_contain_text(f"{bob.name}'s private messages won't reach you")
    expect(dialog).to_contain_text("you won't see their messages")
    dialog.get_by_role("button", name="Cancel").click()

    bob.send(room, "still here")
    expect(ada.messages(room).filter(has_text="still here")).to_be_visible()
    expect(ada.user_entry(bob.name)).not_to_contain_text("blocked")


def test_blocking_from_the_user_list_hides_their_messages_in_a_group_chat_for_the_blocker_only(new_user) -> None:
    (ada, bob, cy), room = in_a_chat(new_user, "Ada", "Bob", "Cy")
    bob.send(room, "said before the block")
    expect(ada.messages(room).filter(has_text="said before the block")).to_be_visible()

    block_from_the_list(ada, bob.name)

    expect(ada.messages(room).filter(has_text="said before the block")).to_have_count(0)
    expect(ada.panel(room).locator(".chatNotice", has_text=f"{bob.name} has joined")).to_have_count(0)
    expect(ada.user_entry(bob.name)).to_contain_text("blocked")
    bob.send(room, "said after the block")
    expect(cy.messages(room).filter(has_text="said after the block")).to_be_visible()  # Cy still sees Bob
    wait_stored(ada, "said after the block")  # it reached Ada's browser...
    expect(ada.messages(room).filter(has_text="said after the block")).to_have_count(0)  # ...which does not show it
    expect(ada.unread(room)).to_have_count(0)
    ada.send(room, "Ada still talks")
    expect(bob.messages(room).filter(has_text="Ada still talks")).to_be_visible()  # a block hides, it does not mute Ada


def test_a_block_survives_a_reload(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    block_from_the_list(ada, bob.name)
    bob.send(room, "hidden across reloads")
    wait_stored(ada, "hidden across reloads")

    ada.page.reload()
    ada.wait_ready()

    expect(ada.user_entry(bob.name)).to_contain_text("blocked")
    ada.open_chat(room)
    expect(ada.messages(room).filter(has_text="hidden across reloads")).to_have_count(0)
    bob.send(room, "and after it")
    wait_stored(ada, "and after it")
    expect(ada.messages(room).filter(has_text="and after it")).to_have_count(0)


def test_unblocking_shows_their_messages_again(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    block_from_the_list(ada, bob.name)
    bob.send(room, "hidden until the unblock")
    wait_stored(ada, "hidden until the unblock")
    expect(ada.messages(room).filter(has_text="hidden until the unblock")).to_have_count(0)

    actions(ada, bob.name).click()
    ada.page.get_by_role("menuitem", name=f"Unblock {bob.name}").click()

    expect(ada.toast(f"You unblocked {bob.name}")).to_be_visible()
    expect(ada.messages(room).filter(has_text="hidden until the unblock")).to_be_visible()
    expect(ada.user_entry(bob.name)).not_to_contain_text("blocked")


def held_from(user: ChatUser, text: str) -> None:
    """This browser never got the message: not on screen, not in its stored history (after a reload that caught up)."""
    user.page.reload()
    user.wait_ready()
    assert not user.page.evaluate(HISTORY_HOLDS, text)


def test_someone_blocked_opens_a_private_chat_with_the_blocker_and_writes_as_usual_but_it_never_reaches_her(
    new_user,
) -> None:
    bob = new_user().login_guest(unique("Bob"))
    ada = new_user().login_guest(unique("Ada"))  # Bob came just before her: listed as a recent visitor
    block_from_the_list(ada, bob.name)

    bob.chat_with(ada.name)
    bob.send(ada.name, "hello Ada")  # back from the server, numbered, as any message

    expect(bob.chat_entry(ada.name)).to_have_attribute("aria-current", "true")
    expect(bob.composer(ada.name)).to_be_visible()
    expect(bob.page.locator(".chatrToast", has_text="reached")).to_have_count(0)  # nothing says why, or that
    expect(ada.page.get_by_role("list", name="Direct messages")).to_have_count(0)
    expect(ada.page.locator(".chatrToast", has_text="Incoming")).to_have_count(0)
    held_from(ada, "hello Ada")
    expect(ada.page.get_by_role("list", name="Direct messages")).to_have_count(0)


def test_a_blocked_person_keeps_the_chat_and_its_history_and_is_not_told_when_he_writes(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    bob.user_entry(ada.name).click()
    bob.send(ada.name, "hello Ada")
    expect(ada.chat_entry(bob.name)).to_be_visible()
    header = bob.panel(ada.name).locator(".conversationMeta")
    expect(header).to_contain_text("Private chat · online")
    block_from_the_list(ada, bob.name)

    bob.send(ada.name, "are you there?")

    expect(header).to_contain_text("Private chat · online")  # her presence did not turn into a tell-tale
    expect(bob.page.locator(".chatrToast", has_text="no longer")).to_have_count(0)
    expect(bob.chat_entry(ada.name)).to_be_visible()
    bob.page.reload()
    bob.wait_ready()
    bob.open_chat(ada.name)
    expect(bob.messages(ada.name)).to_have_text(["hello Ada", "are you there?"])
    expect(bob.composer(ada.name)).to_be_visible()
    held_from(ada, "are you there?")
    ada.open_chat(bob.name)
    ada.panel(bob.name).locator(".blockedBar").get_by_role("button", name="Unblock").click()
    expect(ada.messages(bob.name)).to_have_text(["hello Ada"])  # what he said while blocked never comes


def test_blocking_from_a_private_chats_menu_puts_unblock_where_the_composer_was(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    ada.chat_with(bob.name)
    expect(ada.chat_entry(bob.name)).to_have_attribute("aria-current", "true")

    ada.panel(bob.name).get_by_role("button", name=f"Options for {bob.name}").click()
    ada.page.get_by_role("menuitem", name=f"Block {bob.name}").click()
    ada.page.get_by_role("dialog", name=f"Block {bob.name}?").get_by_role("button", name="Block", exact=True).click()

    bar = ada.panel(bob.name).locator(".blockedBar")
    expect(bar).to_contain_text(f"You blocked {bob.name}")
    expect(ada.composer(bob.name)).to_have_count(0)
    expect(ada.panel(bob.name).locator(".conversationMeta")).to_contain_text("blocked")
    bar.get_by_role("button", name="Unblock").click()
    expect(ada.composer(bob.name)).to_be_focused()  # the box takes the bar's place, ready to write
    ada.send(bob.name, "sorry, my mistake")  # he never left the chat: it reaches him as usual
    bob.open_chat(ada.name)
    expect(bob.messages(ada.name).filter(has_text="sorry, my mistake")).to_be_visible()


def test_blocking_works_with_the_keyboard_alone(new_user) -> None:
    bob = new_user().login_guest(unique("Bob"))
    ada = new_user().login_guest(unique("Ada"))  # Bob is a recent visitor in her list
    ada.user_entry(bob.name).focus()

    ada.page.keyboard.press("Tab")  # from a person to their menu
    expect(actions(ada, bob.name)).to_be_focused()
    ada.page.keyboard.press("Enter")
    expect(ada.page.get_by_role("menuitem", name="Chat privately")).to_be_focused()
    ada.page.keyboard.press("ArrowDown")
    expect(ada.page.get_by_role("menuitem", name=f"Block {bob.name}")).to_be_focused()
    ada.page.keyboard.press("Enter")
    dialog = ada.page.get_by_role("dialog", name=f"Block {bob.name}?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()  # the safe answer first
    ada.page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Block", exact=True)).to_be_focused()
    ada.page.keyboard.press("Enter")

    expect(ada.user_entry(bob.name)).to_contain_text("blocked")
    expect(actions(ada, bob.name)).to_be_focused()  # back where the user was


def test_blocked_users_lists_someone_offline_by_name_and_unblocks_them(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_github(unique("Bob"))
    chat_between(ada, bob)  # she hears his presence
    block_from_the_list(ada, bob.name)
    bob.logout()
    expect(ada.user_entry(bob.name)).to_have_count(0)  # offline: no longer in Online Users

    dialog = blocked_users(ada)

    row = dialog.get_by_role("listitem").filter(has_text=bob.name)
    expect(row).to_be_visible()  # the name comes from the server's profile of them
    expect(row.get_by_role("img", name="GitHub")).to_be_visible()
    row.get_by_role("button", name=f"Unblock {bob.name}").click()
    expect(ada.toast(f"You unblocked {bob.name}")).to_be_visible()
    expect(dialog).to_contain_text("You have not blocked anyone")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()


def test_a_blocked_persons_reactions_are_not_shown(new_user) -> None:
    (ada, bob, cy), room = in_a_chat(new_user, "Ada", "Bob", "Cy")
    ada.send(room, "react to this")
    block_from_the_list(ada, bob.name)

    bob.react(room, "react to this", "party")
    expect(cy.chips(room, "react to this")).to_have_count(1)  # Cy sees Bob's reaction
    cy.react(room, "react to this", "heart")

    expect(ada.chips(room, "react to this")).to_have_count(1)  # Cy's heart, not Bob's party
    expect(ada.chips(room, "react to this").first).to_have_accessible_name(f"❤️ heart: 1 ({cy.name})")


def test_a_blocked_person_typing_is_not_shown(new_user) -> None:
    (ada, bob, cy), room = in_a_chat(new_user, "Ada", "Bob", "Cy")
    block_from_the_list(ada, bob.name)

    bob.composer(room).fill("typing away")
    expect(cy.typing_line(room)).to_contain_text(f"{bob.name} is typing")
    cy.send(room, "sent after Bob started typing")  # reaches Ada after Bob's typing did

    expect(ada.messages(room).filter(has_text="sent after Bob started typing")).to_be_visible()
    assert ada.typing_line(room).count() == 0  # now, while Bob's typing still holds (waiting would outlast it)


def test_a_blocked_person_mentioning_you_neither_notifies_nor_counts_as_unread(new_user) -> None:
    ada = notified_reader(new_user, "Ada")
    bob, cy = (new_user().login_guest(unique(name)) for name in ("Bob", "Cy"))
    room = unique("Room")
    cy.create_chat(room)
    ada.join_chat(room)
    bob.join_chat(room)
    ada.page.get_by_role("button", name="Notifications").click()
    block_from_the_list(ada, bob.name)
    set_visibility(ada.page, "hidden")

    bob.composer(room).press_sequentially(f"@{ada.name[:3]}")
    bob.composer(room).press("Tab")
    bob.composer(room).press_sequentially("are you ignoring me?")
    bob.composer(room).press("Enter")
    expect(cy.messages(room).filter(has_text="are you ignoring me?")).to_be_visible()
    cy.send(room, "Cy after Bob")

    ada.page.wait_for_function("() => window.__notes.length === 1")
    assert [note["body"] for note in notes(ada)] == ["Cy after Bob"]
    expect(ada.page).to_have_title("(1) Chatr")
