"""Group chats: create, join, talk both ways, unread markers, delete by the owner only, reload."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.chat_client import ChatClient, create_chat, join
from tests.client.sockets import ScriptedClients
from tests.client.users import unique, wait_in_page


def test_create_join_and_talk_both_ways_with_an_unread_count_on_a_chat_in_the_background(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_github(unique("Bob"))
    lobby, side = unique("Lobby"), unique("Side")

    ada.create_chat(lobby)
    expect(bob.chat_link(lobby)).to_have_count(0)  # a new chat is not pushed to everyone: Bob finds it
    bob.join_chat(lobby)
    expect(ada.panel(lobby).locator(".chatNotice", has_text=f"{bob.name} has joined the chat")).to_be_visible()

    ada.send(lobby, "Hello Bob")
    expect(bob.messages(lobby).filter(has_text="Hello Bob")).to_be_visible()
    bob.send(lobby, "Hi Ada")
    expect(ada.messages(lobby).filter(has_text="Hi Ada")).to_be_visible()
    mine = ada.panel(lobby).locator(".msgRow.chatRight")
    expect(mine).to_have_count(1)
    expect(mine.locator(".msgFrom")).to_have_text(ada.name)
    expect(ada.panel(lobby).locator(".msgRow:not(.chatRight) .msgFrom")).to_have_text(bob.name)

    bob.create_chat(side)
    ada.send(lobby, "one")
    ada.send(lobby, "two")
    expect(bob.unread(lobby)).to_have_attribute("data-unread", "2")
    expect(bob.page).to_have_title("(2) Chatr")
    bob.open_chat(lobby)
    expect(bob.unread(lobby)).to_have_count(0)
    expect(bob.page).to_have_title("Chatr")
    expect(bob.messages(lobby).filter(has_text="two")).to_be_visible()
    assert ada.console_errors == [] and bob.console_errors == []  # nothing broke, no CSP violation


def test_the_owner_deletes_a_chat_and_it_disappears_for_the_others(new_user) -> None:
    owner = new_user().login_guest(unique("Owner"))
    member = new_user().login_guest(unique("Member"))
    doomed = unique("Doomed")

    owner.create_chat(doomed)
    member.join_chat(doomed)
    expect(member.delete_button(doomed)).to_have_count(0)
    expect(owner.delete_button(doomed)).to_be_visible()

    owner.delete_button(doomed).click()
    confirm = owner.page.get_by_role("dialog", name=f"Delete “{doomed}”?")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(member.chat_entry(doomed)).to_be_visible()  # asking first deletes nothing
    owner.delete_chat(doomed)

    expect(member.toast(f"💥 Chat “{doomed}” was deleted by its owner")).to_be_visible()
    expect(member.chat_link(doomed)).to_have_count(0)
    expect(member.chat_entry(doomed)).to_have_count(0)
    expect(owner.chat_link(doomed)).to_have_count(0)
    expect(owner.chat_entry(doomed)).to_have_count(0)
    assert owner.dialogs == []  # the app's own dialog, not the browser's confirm()


def test_a_reload_reopens_the_users_chats_with_their_recent_messages(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    first, second = unique("First"), unique("Second")
    ada.create_chat(first)
    ada.create_chat(second)
    bob.join_chat(first)
    bob.send(first, "before the reload")
    ada.send(second, "note to self")

    ada.page.reload()
    ada.wait_ready()

    expect(ada.chat_entry(first)).to_be_visible()
    expect(ada.chat_entry(second)).to_be_visible()
    ada.open_chat(first)
    expect(ada.messages(first).filter(has_text="before the reload")).to_be_visible()
    ada.open_chat(second)
    expect(ada.messages(second).filter(has_text="note to self")).to_be_visible()
    ada.send(second, "after the reload")
    bob.send(first, "still here?")
    ada.open_chat(first)
    expect(ada.messages(first).filter(has_text="still here?")).to_be_visible()


def test_leaving_a_chat_closes_it_and_tells_the_others(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)

    bob.leave(room)

    expect(bob.chat_entry(room)).to_have_count(0)
    expect(bob.panel(room)).to_have_count(0)
    expect(ada.panel(room).locator(".chatNotice", has_text=f"{bob.name} has left the chat")).to_be_visible()
    bob.page.reload()
    bob.wait_ready()
    expect(bob.chat_link(room)).to_have_count(0)
    bob.search(room)
    expect(bob.found_chat(room)).to_be_visible()  # still there to join again
    expect(bob.chat_entry(room)).to_have_count(0)


def test_a_join_the_server_refuses_shows_its_reason_and_closes_the_chat(new_user) -> None:
    owner = new_user().login_guest(unique("Owner"))
    late = new_user().login_guest(unique("Late"))
    gone = unique("Gone")
    owner.create_chat(gone)
    late.search(gone)
    expect(late.found_chat(gone)).to_be_visible()
    owner.delete_chat(gone)  # Late is not in it: nobody tells him, his search result is stale
    expect(owner.chat_link(gone)).to_have_count(0)

    late.found_chat(gone).click()

    expect(late.toast("That chat does not exist")).to_be_visible()
    expect(late.chat_entry(gone)).to_have_count(0)
    expect(late.panel(gone)).to_have_count(0)


def test_a_message_the_service_refuses_goes_back_into_the_box_before_what_was_typed_since(new_user) -> None:
    ada = new_user()
    refusals: list = []

    def refuse_messages(ws) -> None:
        """Stand in for a server that refuses this message: its answer waits until the test lets it go."""
        server = ws.connect_to_server()
        server.on_message(ws.send)

        def from_browser(frame: str | bytes) -> None:
            data = json.loads(frame)
            if data.get("type") == "event" and data.get("event") == "sendMessage":
                error = {"event": "sendMessage", "message": "no permission", "code": "invalid"}
                error["requestId"] = data["data"]["requestId"]
                answer = {"chatEvent": "error", "data": error}
                frame = json.dumps({"type": "message", "from": "server", "dataType": "json", "data": answer})
                refusals.append(lambda: ws.send(frame))
            else:
                server.send(frame)

        ws.on_message(from_browser)

    ada.page.route_web_socket("**/client/hubs/**", refuse_messages)
    ada.login_guest(unique("Ada"))
    room = unique("Room")
    ada.create_chat(room)
    box = ada.composer(room)
    box.fill("words worth keeping")
    box.press("Enter")
    expect(box).to_have_value("")
    box.fill("and more")
    wait_in_page(ada.page, lambda: refusals)
    refusals.pop()()

    expect(ada.toast("Message not sent: no permission")).to_be_visible()
    expect(box).to_have_value("words worth keeping\nand more")
    expect(ada.messages(room).filter(has_text="words worth keeping")).to_have_count(0)


def test_a_blank_message_is_not_sent_and_a_message_is_sent_trimmed(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    box = ada.composer(room)

    box.fill("   \t  ")
    box.press("Enter")
    ada.send(room, "  first real words  ")

    # messages arrive in the order they were sent, so a blank one would be here by now
    expect(bob.messages(room)).to_have_count(1)
    expect(bob.messages(room)).to_have_text(["first real words"])
    expect(ada.messages(room)).to_have_text(["first real words"])


def test_a_new_chat_takes_its_place_by_name_and_the_list_keeps_its_order_after_a_reload(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    tag = unique("")[1:]
    ada.create_chat(f"Zulu {tag}")
    ada.page.reload()
    ada.wait_ready()

    ada.create_chat(f"Alpha {tag}")  # announced a moment ago: the server's timestamp is not known yet

    names = ada.page.get_by_role("list", name="Group chats").locator(".chatName")
    before = names.all_inner_texts()
    assert before.index(f"Alpha {tag}") < before.index(f"Zulu {tag}")
    ada.page.reload()
    ada.wait_ready()
    expect(names).to_have_text(before)


def test_a_name_another_chat_already_has_is_pointed_out_with_a_way_to_open_that_chat(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Lobby")
    bob.create_chat(room)  # not pushed to Ada: the dialog asks the server

    ada.page.get_by_role("button", name="New Chat").click()
    dialog = ada.page.get_by_role("dialog", name="New Chat")
    dialog.get_by_label("Chat name").fill(f"  {room.upper()} ")

    expect(dialog.get_by_text(f"A chat called “{room}” already exists.")).to_be_visible()
    dialog.get_by_role("button", name="Open it").click()
    ada.wait_joined(room)  # the existing chat, not a second one
    expect(ada.chat_link(room)).to_have_count(1)

    ada.page.get_by_role("button", name="New Chat").click()
    dialog.get_by_label("Chat name").fill(room)
    dialog.get_by_role("button", name="Create another").click()  # still allowed, once warned
    expect(ada.chat_link(room)).to_have_count(2)


def test_joining_a_chat_announced_after_the_lists_loaded_shows_everyone_already_in_it(
    new_user, scripted: ScriptedClients
) -> None:
    ada = new_user().login_guest(unique("Ada"))
    owner, guest = scripted.client(unique("Owner")), scripted.client(unique("Guest"))
    for client in (owner, guest):
        scripted.run(client.connect())
    room = unique("Room")
    chat_id = scripted.run(create_chat(owner, room))
    for client in (owner, guest):
        scripted.run(join(client, chat_id))

    ada.join_chat(room)

    expect(ada.panel(room).locator(".conversationMeta")).to_have_text("Group chat · 3 members")


async def _own_chats(owner: ChatClient, count: int) -> list[str]:
    return [await create_chat(owner, unique("Paged")) for _ in range(count)]


async def _delete_all(owner: ChatClient) -> None:
    mine = [chat["id"] for chat in map(json.loads, owner.chat_events("chatCreated")) if chat["owner"] == owner.user_id]
    for chat_id in mine:
        await owner.event("deleteChat", chat_id)
    await owner.wait_for(lambda _: set(mine) <= set(owner.chat_events("chatDeleted")), 60)  # 5 deletions, under load


def test_browse_lists_more_group_chats_than_a_page_holds_a_page_at_a_time(new_user, scripted: ScriptedClients) -> None:
    owners = [scripted.client(unique("Owner")) for _ in range(22)]  # 5 chats each: half of what one may create at once
    scripted.run_all((owner.connect(announce=False) for owner in owners), timeout=60)
    created = [
        chat_id for ids in scripted.run_all((_own_chats(owner, 5) for owner in owners), timeout=120) for chat_id in ids
    ]
    try:
        ada = new_user().login_guest(unique("Ada"))  # /api/chats has 100 group chats a page: these are on two or more
        ada.page.get_by_role("button", name="Browse chats").click()
        more = ada.page.get_by_role("button", name="More chats")
        listed = "[...document.querySelectorAll('.chatItem[data-chat-id]')].map((item) => item.dataset.chatId)"

        def all_listed() -> bool:
            return set(created) <= set(ada.page.evaluate(listed))

        for _ in range(50):  # each page is in before More is offered again (or all are in)
            wait_in_page(ada.page, lambda: all_listed() or (more.is_visible() and more.is_enabled()))
            if all_listed():
                break
            with ada.page.expect_response(lambda response: "/api/chats?after=" in response.url):
                more.click()
        assert all_listed()
    finally:  # the others' sidebars stay as short as before
        scripted.run_all((_delete_all(owner) for owner in owners), timeout=120)
