"""The trust rule: a receiver believes only the sender the server stamps. Mallory, a member of the chat,
writes raw frames on her own connection that claim, inside their data, to come from Ada or Bob: frames
straight to the chat's group (the service refuses them: only the server publishes there) and events for
the server (it acts as Mallory, whatever the data says). No edit, delete, reaction, read mark or typing
line lands on anyone else's name, on any screen, even after a reload."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.client.sockets import RawSocket
from tests.client.users import unique


def test_frames_that_claim_someone_elses_name_change_nothing_of_theirs_on_any_screen(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    mallory = new_user()
    raw = RawSocket(mallory)
    mallory.login_guest(unique("Mallory"))
    room = unique("Room")
    ada.create_chat(room)
    mallory.join_chat(room)
    bob.join_chat(room)
    bob.create_chat(unique("Elsewhere"))  # Bob reads nothing in the room from now on
    ada.send(room, "The meeting is at 10")
    chat_id = ada.panel(room).get_attribute("data-chat-id") or ""
    seq = raw.message_seq("The meeting is at 10")
    as_ada = {"fromUserId": ada.user_id, "fromUserName": ada.name, "userId": ada.user_id, "userName": ada.name}
    as_bob = {"fromUserId": bob.user_id, "fromUserName": bob.name, "userId": bob.user_id, "userName": bob.name}
    entry: dict = {
        "chatId": chat_id,
        "seq": seq + 1,
        "kind": "edit",
        "target": seq,
        "text": "Cancelled",
        "mentions": [],
    }

    raw.send_to_group(chat_id, {"entry": {**entry, "fromUserId": ada.user_id}})
    raw.send_to_group(chat_id, {"message": "the old shape", **as_ada})
    raw.send_event("editMessage", {"chatId": chat_id, "seq": seq, "text": "The meeting is cancelled", **as_ada})
    raw.send_event("deleteMessage", {"chatId": chat_id, "seq": seq, **as_ada})
    raw.send_event("sendMessage", {"chatId": chat_id, "id": "copy", "text": "<img src=x onerror=alert(1)>", **as_ada})
    raw.send_event("react", {"chatId": chat_id, "seq": seq, "emojis": ["👍"], **as_bob})
    raw.send_event("markRead", {"chatId": chat_id, "seq": seq, **as_bob})
    mallory.send(room, "the last of Mallory's frames")  # the server answers one connection's events in order
    expect(ada.messages(room).last).to_have_text("the last of Mallory's frames")
    expect(ada.seen_by(room)).to_have_text(f"Seen by {mallory.name}")
    raw.send_event("typing", {"chatId": chat_id, "ttl": 60_000, **as_bob})
    expect(ada.typing_line(room)).to_have_text(f"{mallory.name} is typing…")

    bob.open_chat(room)
    for user in (ada, bob, mallory):
        original = user.message_row(room, "The meeting is at 10")
        expect(original.locator(".msgText")).to_have_text("The meeting is at 10")
        expect(original.locator(".msgFrom")).to_have_text(ada.name)
        expect(original.locator(".msgEdited")).to_have_count(0)
        expect(user.panel(room).locator(".msgDeleted")).to_have_count(0)
        # a reaction counts for whoever sent it: Mallory
        expect(user.chips(room, "The meeting is at 10")).to_have_text(["👍 1"])
        expect(user.chips(room, "The meeting is at 10")).to_have_attribute("title", mallory.name)
        # the message that named Ada as its sender is Mallory's own, shown as text
        copy = user.message_row(room, "<img src=x onerror=alert(1)>")
        expect(copy.locator(".msgFrom")).to_have_text(mallory.name)
        expect(user.page.locator("main img")).to_have_count(0)
        assert user.dialogs == []

    ada.page.reload()
    ada.wait_ready()
    expect(ada.message_row(room, "The meeting is at 10").locator(".msgEdited")).to_have_count(0)
    expect(ada.messages(room)).to_have_text(
        ["The meeting is at 10", "<img src=x onerror=alert(1)>", "the last of Mallory's frames"]
    )
