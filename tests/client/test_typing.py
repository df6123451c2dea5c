"""Typing: the others in a chat see who is typing, never themselves; it ends when the typist sends, clears
the box or leaves, and runs out by itself a few seconds after the refreshes stop."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.client.users import in_a_chat, unique


def lasting_a_minute(ws) -> None:
    """Rewrite this browser's typing frames to hold for a minute: only a stop, never running out, ends them."""
    server = ws.connect_to_server()
    server.on_message(ws.send)

    def rewrite(frame) -> None:
        data = json.loads(frame)
        if data.get("type") == "event" and data.get("event") == "typing" and data["data"]["ttl"] > 0:
            data["data"]["ttl"] = 60_000
        server.send(json.dumps(data))

    ws.on_message(rewrite)


def test_the_others_see_who_is_typing_and_the_typist_does_not(new_user) -> None:
    (ada, bob, cy), room = in_a_chat(new_user, "Ada", "Bob", "Cy")

    bob.composer(room).press_sequentially("Hel")
    expect(ada.typing_line(room)).to_have_text(f"{bob.name} is typing…")
    expect(cy.typing_line(room)).to_have_text(f"{bob.name} is typing…")
    cy.composer(room).press_sequentially("Hi")
    expect(ada.typing_line(room)).to_have_text(f"{bob.name} and {cy.name} are typing…")
    expect(bob.typing_line(room)).to_have_text(f"{cy.name} is typing…")
    expect(cy.typing_line(room)).to_have_text(f"{bob.name} is typing…")

    bob.composer(room).press_sequentially("lo")
    bob.composer(room).press("Enter")  # sending ends Bob's typing
    expect(ada.typing_line(room)).to_have_text(f"{cy.name} is typing…")


def test_clearing_the_box_or_switching_chats_stops_the_typing_at_once(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user()
    bob.page.route_web_socket("**/client/hubs/**", lasting_a_minute)
    bob.login_guest(unique("Bob"))
    room, elsewhere = unique("Room"), unique("Elsewhere")
    bob.create_chat(elsewhere)
    ada.create_chat(room)
    bob.join_chat(room)

    bob.composer(room).press_sequentially("abc")
    expect(ada.typing_line(room)).to_have_text(f"{bob.name} is typing…")
    bob.composer(room).fill("")
    expect(ada.typing_line(room)).to_have_count(0)  # well within the minute the frame claimed

    bob.composer(room).press_sequentially("more")
    expect(ada.typing_line(room)).to_have_text(f"{bob.name} is typing…", timeout=20_000)  # once 3 s have passed
    bob.open_chat(elsewhere)
    expect(ada.typing_line(room)).to_have_count(0)
    bob.open_chat(room)
    expect(bob.composer(room)).to_have_value("more")  # the draft waits


def test_typing_runs_out_a_few_seconds_after_the_refreshes_stop(new_user) -> None:
    (ada, bob), room = in_a_chat(new_user, "Ada", "Bob")
    bob.composer(room).press_sequentially("I wonder")
    expect(ada.typing_line(room)).to_be_visible()

    # Bob stops, with the text still in the box: no stop frame, so the line runs out by itself
    expect(ada.typing_line(room)).to_have_count(0, timeout=15_000)
    expect(bob.composer(room)).to_have_value("I wonder")
