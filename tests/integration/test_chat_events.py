"""Every chat flow through the real emulator, Functions adapter and Azurite, seen by scripted users."""

from __future__ import annotations

import asyncio
import json

from tests.chat_client import ChatClient, acquainted, create_chat, join, new_chat_id, said

# ---- presence -------------------------------------------------------------------------------

PRESENCE = ("userOnline", "userOffline", "userIsIdle", "userNotIdle")


def about(client: ChatClient, user_id: str) -> list[str]:
    """The presence events a client's socket received about one user, in order."""
    return [
        m["data"]["chatEvent"]
        for m in client.received
        if any(client.is_chat_event(m, e) for e in PRESENCE) and user_id in str(m["data"].get("data"))
    ]


async def test_presence_goes_to_contacts_only_and_anyone_else_finds_it_by_search(users, barrier) -> None:
    ada, grace = await users("Ada Lovelace").connect(), await users("Grace").connect()
    alan = await users("Alan").connect()
    await acquainted(ada, grace)
    await ada.close()
    await grace.chat_event("userOffline", lambda d: d == ada.user_id)
    ada = await users("Ada Lovelace", user_id=ada.user_id).connect()
    online = json.loads(await grace.chat_event("userOnline", lambda d: ada.user_id in d))
    assert online == {"userId": ada.user_id, "userName": "Ada Lovelace", "userProvider": "github", "idle": False}
    await ada.event("userEnterIdle", ada.user_id)
    await grace.chat_event("userIsIdle", lambda d: d == ada.user_id)
    found = [u for u in await alan.search("users", "ADA lov") if u["userId"] == ada.user_id]
    assert found == [{**online, "idle": True, "online": True}]
    await ada.close()
    await grace.wait_for(lambda _: about(grace, ada.user_id).count("userOffline") == 2)
    await barrier(alan, grace)
    assert about(grace, ada.user_id) == ["userOffline", "userOnline", "userIsIdle", "userOffline"]
    assert about(alan, ada.user_id) == []
    assert [u["online"] for u in await alan.search("users", "ada lov") if u["userId"] == ada.user_id] == [False]


async def test_joining_a_chat_makes_contacts_at_once_and_leaving_the_last_shared_one_stops_it(users, barrier) -> None:
    ada, grace = await users("Ada").connect(), await users("Grace").connect()
    chat_id = await acquainted(ada, grace)
    await grace.event("userEnterIdle", grace.user_id)
    await ada.event("userEnterIdle", ada.user_id)
    await ada.chat_event("userIsIdle", lambda d: d == grace.user_id)
    await grace.chat_event("userIsIdle", lambda d: d == ada.user_id)
    await grace.event("leaveChat", {"chatId": chat_id})
    await grace.chat_event("contacts", lambda d: d["removed"] == [ada.user_id])
    await ada.chat_event("contacts", lambda d: d["removed"] == [grace.user_id])
    await ada.event("userExitIdle", ada.user_id)
    await grace.event("userExitIdle", grace.user_id)
    await barrier(ada, grace)
    assert about(grace, ada.user_id) == ["userIsIdle"] and about(ada, grace.user_id) == ["userIsIdle"]


async def test_user_connected_body_cannot_change_the_name(users) -> None:
    watcher = await users().connect()
    mallory = users("Mallory")
    await mallory.connect(announce=False)
    chat_id = await create_chat(watcher)
    await join(watcher, chat_id)
    await join(mallory, chat_id)
    await watcher.chat_event("contacts", lambda d: mallory.user_id in d["added"])
    await mallory.event("userConnected", {"userName": "Admin", "userProvider": "aad"})
    online = json.loads(await watcher.chat_event("userOnline", lambda d: mallory.user_id in d))
    assert (online["userName"], online["userProvider"]) == ("Mallory", "github")


async def test_your_own_people_list_has_you(users) -> None:
    ada = await users("Ada").connect()
    status, body = await ada.api("users")
    assert status == 200
    assert body["users"][ada.user_id] == {
        "userId": ada.user_id,
        "userName": "Ada",
        "userProvider": "github",
        "idle": False,
    }


async def test_closing_one_of_two_tabs_keeps_the_user_online(users, barrier) -> None:
    watcher = await users().connect()
    tab1 = await users("Ada").connect()
    tab2 = await users("Ada", user_id=tab1.user_id).connect()
    await acquainted(watcher, tab1)
    await tab1.close()
    _status, body = await watcher.api("users")
    assert tab1.user_id in body["users"]
    await barrier(watcher)
    assert tab1.user_id not in watcher.chat_events("userOffline")
    await tab2.close()
    await watcher.chat_event("userOffline", lambda d: d == tab1.user_id)
    await barrier(watcher)
    assert watcher.chat_events("userOffline").count(tab1.user_id) == 1
    _, body = await watcher.api("users")
    assert tab1.user_id not in body["users"]


async def test_a_reload_whose_old_disconnect_arrives_late_keeps_the_user_online(users, barrier) -> None:
    watcher = await users().connect()
    old = await users("Ada").connect()
    await acquainted(watcher, old)
    new = await users("Ada", user_id=old.user_id).connect()
    await old.close()
    await barrier(watcher, new)
    assert old.user_id not in watcher.chat_events("userOffline")
    _, body = await watcher.api("users")
    assert old.user_id in body["users"]


async def test_idle_is_told_once_and_stored_for_late_joiners(users, barrier) -> None:
    watcher = await users().connect()
    ada = await users("Ada").connect()
    await acquainted(watcher, ada)
    await ada.event("userEnterIdle", ada.user_id)
    await watcher.chat_event("userIsIdle", lambda d: d == ada.user_id)
    await ada.event("userEnterIdle", ada.user_id)
    await barrier(watcher)
    assert watcher.chat_events("userIsIdle").count(ada.user_id) == 1
    late = await users().connect()
    _, body = await late.api(f"users?id={ada.user_id}")
    assert body["user"]["idle"] is True
    await ada.event("userExitIdle", ada.user_id)
    await watcher.chat_event("userNotIdle", lambda d: d == ada.user_id)


async def test_idle_events_act_on_the_sender_whatever_id_the_body_names(users) -> None:
    victim = await users("Victim").connect()
    mallory = await users("Mallory").connect()
    await acquainted(victim, mallory)
    await mallory.event("userEnterIdle", victim.user_id)
    assert await victim.chat_event("userIsIdle") == mallory.user_id


# ---- group chats ----------------------------------------------------------------------------


async def test_a_created_chat_is_told_to_its_creator_alone_yet_found_by_search_and_in_browse(users, barrier) -> None:
    ada = await users("Ada").connect()
    other = await users().connect()
    chat_id = new_chat_id()
    await ada.event("createChat", {"name": "  Lobby Ñandú  ", "id": chat_id})
    created = json.loads(await ada.chat_event("chatCreated", lambda d: chat_id in d))
    assert created == {"id": chat_id, "name": "Lobby Ñandú", "members": {}, "owner": ada.user_id}
    await barrier(other)
    assert other.chat_events("chatCreated") == []
    found = [c for c in await other.search("chats", "lobby nan") if c["id"] == chat_id]
    assert found == [{"id": chat_id, "name": "Lobby Ñandú", "owner": ada.user_id}]
    body = {"chats": await other.chats()}
    assert body["chats"][chat_id]["name"] == "Lobby Ñandú" and body["chats"][chat_id]["owner"] == ada.user_id


async def test_creating_a_chat_with_a_taken_id_changes_nothing(users, barrier) -> None:
    ada = await users("Ada").connect()
    mallory = await users("Mallory").connect()
    chat_id = await create_chat(ada, "Original")
    await mallory.event("createChat", {"name": "Hijacked", "id": chat_id})
    assert "already exists" in await mallory.error_reply("createChat")
    body = {"chats": await ada.chats()}
    assert (body["chats"][chat_id]["name"], body["chats"][chat_id]["owner"]) == ("Original", ada.user_id)
    await barrier(ada)
    assert len([d for d in ada.chat_events("chatCreated") if chat_id in d]) == 1


async def test_bad_chat_names_are_refused_and_nothing_is_created(users) -> None:
    ada = await users("Ada").connect()
    for name in ("", "   ", "x" * 101, "bell\x07"):
        chat_id = new_chat_id()
        await ada.event("createChat", {"name": name, "id": chat_id})
        assert await ada.error_reply("createChat")
        body = {"chats": await ada.chats()}
        assert chat_id not in body["chats"]


async def test_html_in_a_chat_name_is_stored_as_plain_text(users) -> None:
    ada = await users("Ada").connect()
    chat_id = await create_chat(ada, "<img src=x onerror=alert(1)>")
    body = {"chats": await ada.chats()}
    assert body["chats"][chat_id]["name"] == "<img src=x onerror=alert(1)>"


async def test_malformed_event_data_gets_an_error_and_the_connection_survives(users) -> None:
    ada = await users("Ada").connect()
    await ada.send({"type": "event", "event": "createChat", "dataType": "text", "data": "{not json"})
    assert await ada.error_reply("createChat")
    await ada.event("createChat", ["not", "an", "object"])
    assert await ada.error_reply("createChat")
    assert await create_chat(ada)
    assert not ada.closed


async def test_an_unknown_event_is_refused_by_web_pubsub_and_never_runs_the_backend(users) -> None:
    ada = await users("Ada").connect()
    ack_id = ada.socket.next_ack_id()
    await ada.send({"type": "event", "event": "noSuchEvent", "dataType": "text", "data": "x", "ackId": ack_id})
    ack = await ada.socket.acked(ack_id, timeout=10)
    assert ack["success"] is False
    assert "No event handler" in ack["error"]["message"]  # the service's words: the backend never saw it
    assert ada.chat_events("error") == []


async def test_joining_adds_a_member_announces_once_and_lets_them_publish(users, barrier) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    await join(bob, chat_id)
    await ada.notice(chat_id, "joined", bob.user_id)
    await bob.event("joinChat", chat_id)
    ack = await bob.publish(chat_id, "hello")
    assert ack["success"] is True
    message = await ada.wait_for(lambda m: m.get("group") == chat_id and said(m) is not None)
    assert said(message) == "hello" and message["data"]["entry"]["fromUserId"] == bob.user_id
    await barrier(ada)
    joined = [m for m in ada.group_messages(chat_id) if m["data"].get("notice") == "joined"]
    assert [m["data"]["userId"] for m in joined].count(bob.user_id) == 1
    body = {"chats": await ada.chats()}
    assert set(body["chats"][chat_id]["members"]) == {ada.user_id, bob.user_id}


async def test_notices_carry_the_name_as_data(users) -> None:
    ada = await users("<b>Ada</b>").connect()
    chat_id = await create_chat(ada)
    await ada.event("joinChat", chat_id)
    notice = await ada.notice(chat_id, "joined", ada.user_id)
    assert notice["fromUserId"] is None
    assert notice["data"] == {"notice": "joined", "userId": ada.user_id, "userName": "<b>Ada</b>"}


async def test_a_non_member_cannot_publish_to_a_chat(users, barrier) -> None:
    ada = await users("Ada").connect()
    eve = await users("Eve").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    ack = await eve.publish(chat_id, "let me in")
    assert ack["success"] is False and ack["error"]["message"] == "You are not in that chat"
    await barrier(ada)
    assert not [m for m in ada.group_messages(chat_id) if said(m) is not None]


async def test_joining_an_unknown_chat_is_refused_naming_the_chat(users) -> None:
    ada = await users("Ada").connect()
    missing = new_chat_id()
    await ada.event("joinChat", missing)
    error = await ada.chat_event("error", lambda d: d["event"] == "joinChat")
    assert "does not exist" in error["message"] and error["chatId"] == missing
    assert "does not exist" in await ada.error_reply("joinChat")
    await ada.event("joinChat", "../../etc/passwd")
    assert "not a valid chat id" in await ada.error_reply("joinChat")


async def test_leaving_takes_away_publishing_and_tells_the_others(users) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    await join(bob, chat_id)
    await bob.event("leaveChat", {"chatId": chat_id, "userName": "Someone Else"})
    left = await ada.notice(chat_id, "left", bob.user_id)
    assert left["data"]["userName"] == "Bob"
    ack = await bob.publish(chat_id, "still here?")
    assert ack["success"] is False
    body = {"chats": await ada.chats()}
    assert set(body["chats"][chat_id]["members"]) == {ada.user_id}


async def test_leaving_a_chat_you_are_not_in_is_refused(users) -> None:
    ada = await users("Ada").connect()
    chat_id = await create_chat(ada)
    await ada.event("leaveChat", {"chatId": chat_id})
    assert "not in that chat" in await ada.error_reply("leaveChat")


async def test_a_reconnected_user_can_publish_to_their_chats_without_joining_again(users) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    await join(bob, chat_id)
    await bob.close()
    again = await users("Bob", user_id=bob.user_id).connect()
    ack = await again.publish(chat_id, "back again")
    assert ack["success"] is True
    await ada.wait_for(lambda m: m.get("group") == chat_id and said(m) == "back again")


async def test_fifty_users_joining_at_once_are_all_members_and_all_announced(users, barrier) -> None:
    owner = await users("Owner").connect()
    chat_id = await create_chat(owner)
    await join(owner, chat_id)
    crowd = await asyncio.gather(*(users(f"Crowd {i}").connect() for i in range(50)))
    await asyncio.gather(*(c.event("joinChat", chat_id) for c in crowd))
    await asyncio.gather(*(owner.notice(chat_id, "joined", c.user_id) for c in crowd))
    await barrier(owner)
    joined = [m for m in owner.group_messages(chat_id) if m["data"].get("notice") == "joined"]
    assert len(joined) == 51
    body = {"chats": await owner.chats()}
    assert len(body["chats"][chat_id]["members"]) == 51


# ---- deleting -------------------------------------------------------------------------------


async def test_only_the_owner_can_delete_a_chat(users, barrier) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await create_chat(ada)
    await bob.event("deleteChat", chat_id)
    assert "owner" in await bob.error_reply("deleteChat")
    await barrier(ada)
    assert chat_id not in ada.chat_events("chatDeleted")
    body = {"chats": await ada.chats()}
    assert chat_id in body["chats"]


async def test_deleting_removes_every_member_and_tells_them_and_nobody_else(users, barrier) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    eve = await users("Eve").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    await join(bob, chat_id)
    await ada.event("deleteChat", chat_id)
    await bob.chat_event("chatDeleted", lambda d: d == chat_id)
    await ada.chat_event("chatDeleted", lambda d: d == chat_id)
    await barrier(eve)
    assert eve.chat_events("chatDeleted") == []
    ack = await bob.publish(chat_id, "anyone?")
    assert ack["success"] is False
    body = {"chats": await bob.chats()}
    assert chat_id not in body["chats"]


async def test_deleting_an_unknown_chat_broadcasts_nothing(users, barrier) -> None:
    ada = await users("Ada").connect()
    missing = new_chat_id()
    await ada.event("deleteChat", missing)
    assert await ada.error_reply("deleteChat")
    await barrier(ada)
    assert missing not in ada.chat_events("chatDeleted")


# ---- private chats --------------------------------------------------------------------------


async def test_private_chat_joins_both_users_and_no_one_else(users, barrier) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    eve = await users("Eve").connect()
    await ada.event("createPrivateChat", {"initiatorUserId": eve.user_id, "targetUserId": bob.user_id})
    for_bob = json.loads(await bob.chat_event("joinPrivateChat"))
    for_ada = json.loads(await ada.chat_event("joinPrivateChat"))
    room = for_bob["id"]
    assert room == "private_" + "_".join(sorted((ada.user_id, bob.user_id)))
    assert for_bob == {"id": room, "name": "Chat with Ada", "grabFocus": False}
    assert for_ada == {"id": room, "name": "Chat with Bob", "grabFocus": True}
    await bob.notice(room, "wantsToChat", ada.user_id)
    assert (await bob.publish(room, "hi Ada"))["success"] is True
    await ada.wait_for(lambda m: m.get("group") == room and said(m) == "hi Ada")
    await barrier(eve)
    assert eve.chat_events("joinPrivateChat") == []
    assert eve.group_messages(room) == []


async def test_a_third_user_can_neither_join_nor_read_nor_post_to_a_private_chat(users, barrier) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    eve = await users("Eve").connect()
    await ada.event("createPrivateChat", {"targetUserId": bob.user_id})
    room = json.loads(await bob.chat_event("joinPrivateChat"))["id"]
    await eve.event("joinChat", room)
    assert "invitation" in await eve.error_reply("joinChat")
    assert (await eve.publish(room, "eavesdropping"))["success"] is False
    body = {"chats": await eve.chats()}
    assert room not in body["chats"]
    await ada.publish(room, "secret")
    await barrier(eve)
    assert eve.group_messages(room) == []


async def test_private_chats_are_listed_for_their_members_only(users) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    await ada.event("createPrivateChat", {"targetUserId": bob.user_id})
    room = json.loads(await bob.chat_event("joinPrivateChat"))["id"]
    body = {"chats": await bob.chats()}
    assert body["chats"][room]["private"] is True
    assert body["chats"][room]["name"] == "Chat with Ada"
    assert set(body["chats"][room]["members"]) == {ada.user_id, bob.user_id}


async def test_private_chat_with_an_unknown_user_is_refused_and_removes_no_one(users) -> None:
    ada = await users("Ada").connect()
    await ada.event("createPrivateChat", {"targetUserId": "nobody-at-all"})
    assert "not known" in await ada.error_reply("createPrivateChat")
    _, body = await ada.api("users")
    assert ada.user_id in body["users"]


async def test_private_chat_with_yourself_is_refused(users) -> None:
    ada = await users("Ada").connect()
    await ada.event("createPrivateChat", {"targetUserId": ada.user_id})
    assert "yourself" in await ada.error_reply("createPrivateChat")
