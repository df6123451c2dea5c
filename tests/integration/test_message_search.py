"""Replies and message search on the real stack (Azurite, the emulator, the Functions adapter)."""

from __future__ import annotations

from urllib.parse import quote

from tests.chat_client import ChatClient, create_chat, join


async def _room_with(ada: ChatClient, *others: ChatClient) -> str:
    chat_id = await create_chat(ada)
    for client in (ada, *others):
        await join(client, chat_id)
    return chat_id


async def test_a_word_is_found_folded_in_your_chats_and_nobody_elses(users) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    eve = await users("Eve").connect()
    chat_id = await _room_with(ada, bob)
    assert (await bob.publish(chat_id, "Rendez-vous au CAFÉ <b>demain</b>"))["success"] is True
    await bob.publish(chat_id, "unrelated")
    status, found = await ada.api(f"search?q={quote('cafe dem')}")
    assert status == 200, found
    [hit] = found["hits"]
    assert (hit["chatId"], hit["seq"], hit["fromUserId"]) == (chat_id, 1, bob.user_id)
    assert hit["text"] == "Rendez-vous au CAFÉ <b>demain</b>"
    assert (await eve.api("search?q=cafe"))[1]["hits"] == []
    assert (await eve.api(f"search?q=cafe&chat={chat_id}"))[0] == 404


async def test_an_edit_and_a_delete_change_what_is_found(users) -> None:
    ada = await users("Ada").connect()
    chat_id = await _room_with(ada)
    await ada.publish(chat_id, "lunch at noon")
    await ada.event("editMessage", {"requestId": "e1", "chatId": chat_id, "seq": 1, "text": "lunch at one"})
    await ada.wait_for(lambda m: (m.get("data") or {}).get("entry", {}).get("kind") == "edit", 30)
    assert (await ada.api("search?q=noon"))[1]["hits"] == []
    assert [h["text"] for h in (await ada.api("search?q=lunch"))[1]["hits"]] == ["lunch at one"]
    await ada.event("deleteMessage", {"requestId": "d1", "chatId": chat_id, "seq": 1})
    await ada.wait_for(lambda m: (m.get("data") or {}).get("entry", {}).get("kind") == "delete", 30)
    assert (await ada.api("search?q=lunch"))[1]["hits"] == []


async def test_a_bad_search_is_refused_with_the_reason(users) -> None:
    ada = await users("Ada").connect()
    assert (await ada.api("search?q=%20"))[0] == 400
    assert (await ada.api(f"search?q={'x' * 201}"))[0] == 400


async def test_a_reply_is_kept_with_the_number_it_answers_and_one_to_nothing_is_refused(users) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await _room_with(ada, bob)
    await ada.publish(chat_id, "question?")
    assert (await bob.publish(chat_id, "answer", reply_to=1))["success"] is True
    refused = await bob.publish(chat_id, "to nothing", reply_to=9)
    assert refused["success"] is False and "not in this chat" in str(refused["error"])
    _, page = await ada.api(f"chats/{chat_id}/messages")
    assert [(e["text"], e.get("replyTo")) for e in page["entries"]] == [("question?", None), ("answer", 1)]
