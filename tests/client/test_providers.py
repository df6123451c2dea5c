"""The sign-in each person came with is shown next to their name (a guest "Ada" is told from a GitHub
"Ada"): in Online Users, on their messages, in a private chat's header and in Direct messages."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.client.users import unique


def test_two_people_with_the_same_name_are_told_apart_by_their_sign_in(new_user) -> None:
    name = unique("Ada")
    guest = new_user().login_guest(name)
    github = new_user().login_github(name)
    cy = new_user().login_guest(unique("Cy"))
    room = unique("Room")
    cy.create_chat(room)
    guest.join_chat(room)
    github.join_chat(room)
    guest.send(room, "from the guest")
    github.send(room, "from GitHub")

    listed = cy.page.get_by_role("list", name="Online users").get_by_role("button", name=f"Chat privately with {name}")
    expect(listed).to_have_count(2)
    expect(cy.user_entry(f"{name} Guest")).to_be_visible()
    expect(cy.user_entry(f"{name} GitHub")).to_be_visible()
    expect(cy.message_row(room, "from the guest").get_by_role("img", name="Guest")).to_be_visible()
    expect(cy.message_row(room, "from GitHub").get_by_role("img", name="GitHub")).to_be_visible()
    expect(cy.message_row(room, "from GitHub").get_by_role("img", name="GitHub")).to_have_attribute(
        "title", "Signed in with GitHub"
    )
    joined = cy.panel(room).locator(".chatNotice", has_text=f"{name} has joined")
    expect(joined.get_by_role("img")).to_have_count(2)
    expect(joined.get_by_role("img", name="Guest")).to_have_count(1)
    expect(joined.get_by_role("img", name="GitHub")).to_have_count(1)


def test_a_private_chat_shows_the_other_persons_sign_in_in_its_header_and_in_direct_messages(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_github(unique("Bob"))

    ada.chat_with(bob.name)

    expect(ada.panel(bob.name).locator(".conversationName").get_by_role("img", name="GitHub")).to_be_visible()
    expect(ada.chat_entry(bob.name).get_by_role("img", name="GitHub")).to_be_visible()
    expect(bob.chat_entry(ada.name).get_by_role("img", name="Guest")).to_be_visible()
    expect(ada.page.locator(".whoAmI").get_by_role("img", name="Guest")).to_be_visible()
