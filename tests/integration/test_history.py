"""A chat's kept history over HTTP, on the real stack: members read it page by page, nobody else learns anything."""

from __future__ import annotations

import asyncio

from tests.chat_client import ChatClient, create_chat, join, new_chat_id, said


async def _room_with(ada: ChatClient, *others: ChatClient) -> str:
    chat_id = await create_chat(ada)
    for client in (ada, *others):
        await join(client, chat_id)
    return chat_id


async def test_a_member_who_was_away_reads_what_was_said_in_order_once(users) -> None:
    ada = await users("Ada").connect()
    grace = await users("Grace").connect()
    chat_id = await _room_with(ada, grace)
    await grace.close()
    for text in ("one", "two", "three"):
        assert (await ada.publish(chat_id, text))["success"] is True
    grace = users("Grace", user_id=grace.user_id)  # back, on another device
    status, page = await grace.api(f"chats/{chat_id}/messages")
    assert status == 200, page
    assert [e["text"] for e in page["entries"]] == ["one", "two", "three"]
    assert [e["seq"] for e in page["entries"]] == [1, 2, 3] and page["last"] == 3
    assert {e["fromUserId"] for e in page["entries"]} == {ada.user_id}


async def test_after_gives_what_came_since_and_before_the_page_before(users) -> None:
    ada = await users("Ada").connect()
    chat_id = await _room_with(ada)
    for i in range(1, 8):
        await ada.publish(chat_id, f"m{i}")
    _, since = await ada.api(f"chats/{chat_id}/messages?after=5")
    assert [e["text"] for e in since["entries"]] == ["m6", "m7"] and since["more"] is False
    _, paged = await ada.api(f"chats/{chat_id}/messages?after=2&limit=2")
    assert [e["seq"] for e in paged["entries"]] == [3, 4] and paged["more"] is True
    _, older = await ada.api(f"chats/{chat_id}/messages?before=4&limit=2")
    assert [e["seq"] for e in older["entries"]] == [2, 3]
    _, first = await ada.api(f"chats/{chat_id}/messages?before=2")
    assert [e["seq"] for e in first["entries"]] == [1]


async def test_someone_not_in_the_chat_learns_nothing_not_even_that_it_exists(users) -> None:
    ada = await users("Ada").connect()
    eve = await users("Eve").connect()
    chat_id = await _room_with(ada)
    await ada.publish(chat_id, "members only")
    theirs = await eve.api(f"chats/{chat_id}/messages")
    nowhere = await eve.api(f"chats/{new_chat_id()}/messages")
    assert theirs == nowhere == (404, {"error": "No such chat among yours"})


async def test_a_member_who_left_reads_nothing_more(users) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await _room_with(ada, bob)
    await ada.publish(chat_id, "before")
    await bob.event("leaveChat", {"chatId": chat_id})
    await ada.notice(chat_id, "left", bob.user_id)
    await ada.publish(chat_id, "after")
    assert (await bob.api(f"chats/{chat_id}/messages"))[0] == 404


async def test_a_late_joiner_reads_the_chats_past(users) -> None:
    ada = await users("Ada").connect()
    chat_id = await _room_with(ada)
    await ada.publish(chat_id, "before you came")
    late = await users("Late").connect()
    await join(late, chat_id)
    _, page = await late.api(f"chats/{chat_id}/messages")
    assert [e["text"] for e in page["entries"]] == ["before you came"]


async def test_bad_paging_is_refused_with_the_reason(users) -> None:
    ada = await users("Ada").connect()
    chat_id = await _room_with(ada)
    for query in ("after=x", "before=-1", "limit=0", "limit=101", "after=1&before=3"):
        status, body = await ada.api(f"chats/{chat_id}/messages?{query}")
        assert status == 400 and body["error"], (query, status, body)


async def test_a_receiver_whose_socket_died_mid_burst_catches_up_with_every_message_once_in_order(users) -> None:
    senders = [await users(f"Sender {i}").connect() for i in range(10)]
    grace = await users("Grace").connect()
    chat_id = await _room_with(senders[0], *senders[1:], grace)
    burst = {f"{s.name}: {i}" for s in senders for i in range(20)}  # 200, within each sender's rate

    async def send_all(sender: ChatClient) -> None:
        for i in range(20):
            assert (await sender.publish(chat_id, f"{sender.name}: {i}"))["success"] is True

    sending = asyncio.gather(*(send_all(s) for s in senders))
    await grace.wait_for(lambda m: said(m) is not None, 30)
    await grace.close()  # killed mid-burst
    live = {m["data"]["entry"]["seq"]: said(m) for m in grace.group_messages(chat_id) if said(m) is not None}
    await sending
    assert 0 < len(live) < len(burst)
    have = 0
    while have + 1 in live:
        have += 1  # what this browser has without a gap: it catches up from there
    grace = users("Grace", user_id=grace.user_id)
    caught: list[tuple[int, str]] = []
    while True:
        status, page = await grace.api(f"chats/{chat_id}/messages?after={have}")
        assert status == 200, page
        caught += [(e["seq"], e["text"]) for e in page["entries"]]
        have = page["entries"][-1]["seq"] if page["entries"] else have
        if not page["more"]:
            break
    seqs = [seq for seq, _ in caught]
    assert seqs == sorted(set(seqs)), "caught up in order, nothing twice"
    shown = {**live, **dict(caught)}
    assert sorted(shown) == list(range(1, len(burst) + 1))
    assert set(shown.values()) == burst
