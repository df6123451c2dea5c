"""User-typed text is only ever text: no HTML, no script, links only as safe http(s) anchors."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Route, expect

from tests.chat_client import create_chat, join
from tests.client.sockets import ScriptedClients
from tests.client.users import unique, wait_in_page

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_markup_in_a_message_and_a_chat_name_shows_as_text_and_runs_nothing(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    evil = f"{PAYLOAD} {unique('room')}"

    ada.create_chat(evil)
    bob.search(evil)
    expect(bob.found_chat(evil).locator(".chatName")).to_have_text(evil)
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


def test_a_sender_who_never_announced_themselves_is_named_by_the_server_never_by_their_message(
    new_user, scripted: ScriptedClients
) -> None:
    """Issue 15's attacker: a user who never sent userConnected (so no list names them) posts as "Bob"."""
    ada = new_user().login_guest(unique("Ada"))
    mallory = scripted.client(unique("Mallory"))
    scripted.run(mallory.connect(announce=False))
    room = unique("Room")
    chat_id = scripted.run(create_chat(mallory, room))
    scripted.run(join(mallory, chat_id))
    held: list[Route] = []  # Ada's questions to the server about who is who wait until the test lets them go
    asks = ("/api/users?id=", "/api/chats?id=")  # who sent it, and who is in the chat Ada joins
    ada.page.route(lambda url: any(ask in url for ask in asks), lambda route: held.append(route))
    ada.join_chat(room)

    forged = {
        "message": "trust me, it is really me",
        "fromUserId": mallory.user_id,
        "fromUserName": "Bob",
        "userName": "Bob",
    }
    frame = {"type": "sendToGroup", "group": chat_id, "dataType": "json", "data": forged, "ackId": 1}
    scripted.run(mallory.send(frame))

    row = ada.message_row(room, "trust me, it is really me")
    expect(row.locator(".msgFrom")).to_have_text("…")  # until the server says who sent it
    wait_in_page(ada.page, lambda: any("/api/users?id=" in route.request.url for route in held))
    lookup = next(route for route in held if "/api/users?id=" in route.request.url)
    assert lookup.request.url.endswith(f"/api/users?id={mallory.user_id}")
    assert "Bob" not in ada.page.inner_text("body")
    lookup.continue_()
    expect(row.locator(".msgFrom")).to_have_text(mallory.name)
    for route in held:
        if route is not lookup:
            route.continue_()
    expect(ada.panel(room).locator(".conversationMeta")).to_have_text("Group chat · 2 members")
    assert "Bob" not in ada.page.inner_text("body")


def test_two_guests_with_the_same_name_are_two_users(new_user) -> None:
    name = unique("Sam")
    first = new_user().login_guest(name)
    second = new_user().login_guest(name)
    room = unique("Room")

    expect(second.page.get_by_role("button", name=f"Chat privately with {name}")).to_be_visible()  # the first, recent
    first.create_chat(room)
    second.join_chat(room)
    second.send(room, "from the second Sam")

    other = first.panel(room).locator(".msgRow", has_text="from the second Sam")
    expect(other).not_to_have_class(re.compile(r"\bchatRight\b"))
    assert first.user_id != second.user_id
