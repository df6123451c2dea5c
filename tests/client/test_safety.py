"""User-typed text is only ever text: no HTML, no script, links only as safe http(s) anchors."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.client.users import unique

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_markup_in_a_message_and_a_chat_name_shows_as_text_and_runs_nothing(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    evil = f"{PAYLOAD} {unique('room')}"

    ada.create_chat(evil)
    expect(bob.chat_link(evil).locator(".chatName")).to_have_text(evil)
    bob.join_chat(evil)
    ada.send(evil, PAYLOAD)
    ada.send(evil, "see https://example.com/docs?a=1, or javascript:alert(1)")

    expect(bob.messages(evil).filter(has_text=PAYLOAD)).to_have_text(PAYLOAD)
    link = bob.messages(evil).locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.com/docs?a=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    for user in (ada, bob):
        expect(user.page.locator("main img")).to_have_count(0)
        assert user.dialogs == []


def test_the_sender_shown_is_the_one_the_service_vouches_for_not_the_one_in_the_message(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    mallory = new_user()

    def impersonate_ada(ws) -> None:
        """Rewrite Mallory's outgoing chat messages to claim they come from Ada."""
        server = ws.connect_to_server()
        server.on_message(ws.send)

        def forge(frame) -> None:
            message = json.loads(frame)
            if message.get("type") == "sendToGroup":
                message["data"].update(fromUserId=ada.user_id, fromUserName=ada.name)
            server.send(json.dumps(message))

        ws.on_message(forge)

    mallory.page.route_web_socket("**/client/hubs/**", impersonate_ada)
    mallory.login_guest(unique("Mallory"))
    room = unique("Room")
    ada.create_chat(room)
    mallory.join_chat(room)

    mallory.send(room, "I am Ada, honestly")

    forged = ada.panel(room).locator(".msgRow", has_text="I am Ada, honestly")
    expect(forged.locator(".msgFrom")).to_have_text(mallory.name)
    expect(forged).not_to_have_class(re.compile(r"\bchatRight\b"))


def test_two_guests_with_the_same_name_are_two_users(new_user) -> None:
    name = unique("Sam")
    first = new_user().login_guest(name)
    second = new_user().login_guest(name)
    room = unique("Room")

    expect(first.page.get_by_role("button", name=f"Chat privately with {name}")).to_be_visible()
    first.create_chat(room)
    second.join_chat(room)
    second.send(room, "from the second Sam")

    other = first.panel(room).locator(".msgRow", has_text="from the second Sam")
    expect(other).not_to_have_class(re.compile(r"\bchatRight\b"))
    assert first.user_id != second.user_id
