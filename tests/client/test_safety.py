"""User-typed text is only ever text: no HTML, no script, links only as safe http(s) anchors."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Route, expect

from tests.chat_client import create_chat, join
from tests.client.sockets import ScriptedClients
from tests.client.users import ChatUser, in_a_chat, unique, wait_in_page

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
            if message.get("type") == "event" and message.get("event") == "sendMessage":
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
        "chatId": chat_id,
        "id": "trust-me",
        "text": "trust me, it is really me",
        "fromUserId": mallory.user_id,
        "fromUserName": "Bob",
        "userName": "Bob",
    }
    scripted.run(mallory.event("sendMessage", forged))

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


def _post(user: ChatUser, chat_name: str, text: str) -> None:
    """Type a message and press Enter (what shows may differ from what was typed, so nothing is awaited here)."""
    box = user.composer(chat_name)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def test_a_message_of_two_thousand_closing_brackets_shows_its_link_and_all_its_text(new_user) -> None:
    """Issue 24: `http://a.bc/` and 1,988 `)` once took every member's browser 35 ms to draw (quadratic trimming)."""
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    text = "http://a.bc/" + ")" * 1988

    ada.send(room, text)

    for user in (ada, bob):
        row = user.message_row(room, "http://a.bc/")
        expect(row.locator(".msgText")).to_have_text(text)
        expect(row.locator(".msgText a")).to_have_text("http://a.bc/")
        expect(row.locator(".msgText a")).to_have_attribute("href", "http://a.bc/")


def test_links_show_the_address_they_open_and_no_text_reorders_itself(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")

    _post(ada, room, "invoice https://files.example/\u202egpj.exe?moc.elgoog")
    _post(ada, room, "log in at https://\u0430\u0440\u0440\u04cf\u0435.com")  # Cyrillic apple

    invoice = bob.message_row(room, "invoice").locator(".msgText")
    expect(invoice).to_have_text("invoice https://files.example/gpj.exe?moc.elgoog")
    expect(invoice.locator("a")).to_have_attribute("href", "https://files.example/gpj.exe?moc.elgoog")
    look_alike = bob.message_row(room, "log in at").locator(".msgText a")
    expect(look_alike).to_have_text("https://xn--80ak6aa92e.com")
    expect(look_alike).to_have_attribute("href", "https://xn--80ak6aa92e.com/")
    assert "\u202e" not in bob.panel(room).inner_text()


def test_stacked_combining_marks_never_draw_over_the_message_above(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    ada.send(room, "the row above")
    above = bob.message_row(room, "the row above")
    expect(above).to_be_visible()
    before = above.screenshot(animations="disabled")

    ada.send(room, "Z" + "\u0301" * 400 + " end")

    expect(bob.message_row(room, "end")).to_be_visible()
    assert above.screenshot(animations="disabled") == before
