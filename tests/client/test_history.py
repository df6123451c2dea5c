"""History kept by the server: what was said while someone was away reaches them, on every device, in
order and once; changes made on one device show on another; a refused message stays in the box."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.client.sockets import RawSocket
from tests.client.users import unique


def test_messages_sent_while_away_are_there_in_order_once_and_unread_on_every_device(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    grace_id, grace_name = uuid.uuid4().hex, unique("Grace")
    laptop = new_user().login_github(grace_name, user_id=grace_id)
    room = unique("Room")
    ada.create_chat(room)
    laptop.join_chat(room)
    laptop.page.close()  # Grace's laptop is shut

    for text in ("one", "two", "three"):
        ada.send(room, text)

    laptop = new_user().login_github(grace_name, user_id=grace_id)  # opened again: nothing of it was kept here
    phone = new_user(viewport=(390, 844)).login_github(grace_name, user_id=grace_id)  # and a new device
    for device in (laptop, phone):
        expect(device.unread(room)).to_have_attribute("data-unread", "3")
    laptop.open_chat(room)
    expect(laptop.messages(room)).to_have_text(["one", "two", "three"])
    expect(laptop.panel(room).locator(".newDivider")).to_be_visible()
    expect(ada.seen_by(room)).to_have_text(f"Seen by {grace_name}")
    expect(phone.unread(room)).to_have_count(0)  # read on the laptop: read everywhere

    laptop.send(room, "back now")
    expect(ada.messages(room).last).to_have_text("back now")
    phone.open_chat(room)
    expect(phone.messages(room)).to_have_text(["one", "two", "three", "back now"])
    expect(phone.seen_by(room)).to_have_text(f"Seen by {ada.name}")
    expect(laptop.seen_by(room)).to_have_text(f"Seen by {ada.name}")


def test_edits_deletes_and_reactions_made_on_one_device_show_on_another_after_a_reload(new_user) -> None:
    user_id, name = uuid.uuid4().hex, unique("Ada")
    laptop = new_user().login_github(name, user_id=user_id)
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    laptop.create_chat(room)
    bob.join_chat(room)
    laptop.send(room, "helo")
    laptop.send(room, "oops")
    bob.send(room, "party")
    phone = new_user().login_github(name, user_id=user_id)  # a second device
    phone.open_chat(room)
    expect(phone.messages(room)).to_have_text(["helo", "oops", "party"])

    laptop.edit_message(room, "helo", "hello")
    laptop.delete_message(room, "oops")
    laptop.react(room, "party", "party")
    expect(phone.message_row(room, "hello").locator(".msgEdited")).to_be_visible()

    phone.page.reload()
    phone.wait_ready()
    expect(phone.messages(room)).to_have_text(["hello", "Message deleted", "party"])  # the open chat is open again
    expect(phone.panel(room).locator(".msgDeleted")).to_have_count(1)
    expect(phone.chips(room, "party")).to_have_text(["🎉 1"])
    expect(phone.chips(room, "party")).to_have_attribute("aria-pressed", "true")


def test_a_message_past_the_rate_is_refused_with_when_to_try_again_and_stays_in_the_box(new_user) -> None:
    ada = new_user()
    raw = RawSocket(ada)  # Ada's own connection: what it sends counts against her rate
    ada.login_guest(unique("Ada"))
    room = unique("Room")
    ada.create_chat(room)
    chat_id = ada.panel(room).get_attribute("data-chat-id") or ""
    for i in range(40):  # more at once than the server allows (30), then her message from the box
        raw.send_event("sendMessage", {"chatId": chat_id, "id": f"burst-{i}", "text": f"burst {i}"})
    box = ada.composer(room)
    box.fill("one more")
    box.press("Enter")
    expect(ada.toast("Message not sent")).to_contain_text(re.compile(r"try again in \d+ s"))
    expect(box).to_have_value("one more")  # nothing typed is lost
    expect(ada.messages(room).filter(has_text=re.compile("^one more$"))).to_have_count(0)
