"""Many users doing things to the same chat at the same moment: the final state is exactly right, every time.

"Right" is checked three ways: the stored rows (via the API and the tables), who Web PubSub lets
publish and who it delivers to, and the notices the other members were shown.
"""

from __future__ import annotations

import asyncio
import json
import os
import random

import pytest

from local.stack import free_port, functions_part, offline
from tests.chat_client import ChatClient, create_chat, join, new_chat_id, said
from tests.cloud_events import event_headers, post_event
from tests.reliability.helpers import SOAK, acknowledged, membership_key, snapshot
from tests.reliability.parts import Parts
from tests.support import PartProcess

pytestmark = pytest.mark.timeout(1800 if SOAK else 300)
ROUNDS = 20 if SOAK else 3


async def _crowd(users, size: int, prefix: str) -> list[ChatClient]:
    return list(await asyncio.gather(*(users(f"{prefix} {i}").connect() for i in range(size))))


async def _can_publish(client: ChatClient, chat_id: str) -> bool:
    ack = await client.publish(chat_id, f"probe from {client.user_id}")
    return bool(ack["success"])


async def _members_stored(stack: Parts, chat_id: str) -> set[str]:
    rows = await snapshot(stack.storage_connection_string)
    return {key[1] for key in rows if key == membership_key(key[1], chat_id)}


async def _delivered_to(sender: ChatClient, crowd: list[ChatClient], chat_id: str, barrier) -> set[str]:
    """Who receives a message the sender posts to the chat now."""
    text = f"roll call {new_chat_id()}"
    ack = await sender.publish(chat_id, text)
    assert ack["success"] is True
    await barrier(*crowd)
    return {c.user_id for c in crowd if any(said(m) == text for m in c.group_messages(chat_id))}


async def _act(client: ChatClient, chat_id: str, steps: list[str]) -> None:
    """Join and leave in the given order, each step answered before the next (as a person clicks)."""
    for step in steps:
        if step == "join":
            _, errors = await acknowledged(
                client, {"type": "event", "event": "joinChat", "dataType": "text", "data": chat_id}
            )
        else:
            frame = {"type": "event", "event": "leaveChat", "dataType": "json", "data": {"chatId": chat_id}}
            _, errors = await acknowledged(client, frame)
        assert errors == [], (client.name, step, errors)


async def test_fifty_clients_joining_and_leaving_one_chat_at_once_end_exactly_right(users, barrier, alive) -> None:
    owner = await users("Owner").connect()
    chat_id = await create_chat(owner)
    await join(owner, chat_id)
    crowd = await _crowd(users, 50, "Crowd")
    rng = random.Random(20240607)
    history: dict[str, list[str]] = {c.user_id: [] for c in crowd}
    inside: set[str] = set()
    for _round in range(ROUNDS):
        plans = {}
        for client in crowd:
            # a valid sequence from where the client stands: alternate, starting with what is possible
            length = rng.randint(1, 3)
            first = "leave" if client.user_id in inside else "join"
            other = "join" if first == "leave" else "leave"
            plans[client.user_id] = [first if i % 2 == 0 else other for i in range(length)]
        await asyncio.gather(*(_act(c, chat_id, plans[c.user_id]) for c in crowd))
        for client in crowd:
            history[client.user_id] += plans[client.user_id]
            if plans[client.user_id][-1] == "join":
                inside.add(client.user_id)
            else:
                inside.discard(client.user_id)

        listed = {"chats": await owner.chats()}
        assert set(listed["chats"][chat_id]["members"]) == inside | {owner.user_id}
        assert await _members_stored(alive, chat_id) == inside | {owner.user_id}
        assert await _delivered_to(owner, crowd, chat_id, barrier) == inside
        allowed = await asyncio.gather(*(_can_publish(c, chat_id) for c in crowd))
        assert {c.user_id for c, ok in zip(crowd, allowed, strict=True) if ok} == inside

    await barrier(owner)
    for client in crowd:
        notices = [
            m["data"]["notice"]
            for m in owner.group_messages(chat_id)
            if m.get("fromUserId") is None and m["data"].get("userId") == client.user_id
        ]
        expected = ["joined" if step == "join" else "left" for step in history[client.user_id]]
        assert notices == expected, client.name


async def test_deleting_a_chat_while_others_join_it_leaves_no_member_and_no_publisher(users, barrier, alive) -> None:
    crowd = await _crowd(users, 20, "Joiner")
    rng = random.Random(7)
    for number in range(ROUNDS * 2):
        owner = await users(f"Owner {number}").connect()  # each round's own: creating chats is rate-limited
        chat_id = await create_chat(owner)
        await join(owner, chat_id)

        async def join_now(client: ChatClient, chat: str = chat_id) -> None:
            await asyncio.sleep(rng.random() * 0.05)
            await acknowledged(client, {"type": "event", "event": "joinChat", "dataType": "text", "data": chat})

        async def delete_soon(chat: str = chat_id, by: ChatClient = owner) -> None:
            await asyncio.sleep(rng.random() * 0.05)
            _, errors = await acknowledged(
                by, {"type": "event", "event": "deleteChat", "dataType": "text", "data": chat}
            )
            assert errors == []

        await asyncio.gather(delete_soon(), *(join_now(c) for c in crowd))
        await owner.chat_event("chatDeleted", lambda d, chat=chat_id: d == chat)
        listed = {"chats": await owner.chats()}
        assert chat_id not in listed["chats"]
        assert await _members_stored(alive, chat_id) == set()
        allowed = await asyncio.gather(*(_can_publish(c, chat_id) for c in [owner, *crowd]))
        assert not any(allowed), [c.name for c, ok in zip([owner, *crowd], allowed, strict=True) if ok]


async def test_joining_a_chat_while_it_is_being_created_ends_consistent(users, barrier, alive) -> None:
    crowd = await _crowd(users, 20, "Early")
    for number in range(ROUNDS * 2):
        owner = await users(f"Owner {number}").connect()  # each round's own: creating chats is rate-limited
        chat_id = new_chat_id()
        joined: set[str] = set()

        async def join_now(client: ChatClient, chat: str = chat_id, into: set[str] = joined) -> None:
            frame = {"type": "event", "event": "joinChat", "dataType": "text", "data": chat}
            _, errors = await acknowledged(client, frame)
            if not errors:
                into.add(client.user_id)
            else:
                assert "does not exist" in errors[0]["message"]

        create = acknowledged(
            owner, {"type": "event", "event": "createChat", "dataType": "json", "data": {"id": chat_id, "name": "Race"}}
        )
        await asyncio.gather(create, *(join_now(c) for c in crowd))
        assert await _members_stored(alive, chat_id) == joined
        allowed = await asyncio.gather(*(_can_publish(c, chat_id) for c in crowd))
        assert {c.user_id for c, ok in zip(crowd, allowed, strict=True) if ok} == joined
        await asyncio.gather(*(join(c, chat_id) for c in crowd if c.user_id not in joined))
        assert await _members_stored(alive, chat_id) == {c.user_id for c in crowd}


@pytest.mark.parametrize("seed", range(12 if SOAK else 4))
async def test_a_user_closing_three_tabs_in_random_order_goes_offline_once_after_the_last(
    users, barrier, seed: int
) -> None:
    rng = random.Random(seed)
    watcher = await users("Watcher").connect()
    first = users("Tabs")
    tabs = [first, users("Tabs", user_id=first.user_id), users("Tabs", user_id=first.user_id)]
    await asyncio.gather(*(t.connect() for t in tabs))
    chat_id = await create_chat(tabs[0])
    await join(tabs[0], chat_id)
    await join(watcher, chat_id)  # the watcher shares a chat with them: they are contacts
    await watcher.chat_event("contacts", lambda d: first.user_id in d["added"])
    rng.shuffle(tabs)
    # close in random order, some of them at the very same moment
    cut = rng.randint(0, 2)
    first_batch, last_batch = tabs[:cut], tabs[cut:]
    await asyncio.gather(*(t.close() for t in first_batch))
    if first_batch:
        await barrier(watcher)
        _, online = await watcher.api("users")
        assert first.user_id in online["users"]
        assert first.user_id not in watcher.chat_events("userOffline")
        still_open = last_batch[0]
        assert await _can_publish(still_open, chat_id)
    await asyncio.gather(*(t.close() for t in last_batch))
    await watcher.chat_event("userOffline", lambda d: d == first.user_id)
    await barrier(watcher)
    assert watcher.chat_events("userOffline").count(first.user_id) == 1
    _, online = await watcher.api("users")
    assert first.user_id not in online["users"]
    again = await users("Tabs", user_id=first.user_id).connect()
    assert await _can_publish(again, chat_id)  # membership outlived every tab
    assert json.loads(await watcher.chat_event("userOnline", lambda d: first.user_id in d))["userId"] == first.user_id


async def test_two_functions_adapters_numbering_one_chat_at_once_leave_no_gap_and_no_repeat(
    stack: Parts, users, tmp_path
) -> None:
    """Two Function instances (two adapter processes on one store) take a chat's messages side by side."""
    first = stack.functions.part
    second = PartProcess(functions_part(free_port(), first.env), tmp_path / "functions-2.log", offline(os.environ))
    second.start()
    try:
        crowd = await _crowd(users, 6, "Writer")
        chat_id = await create_chat(crowd[0])
        for client in crowd:
            await join(client, chat_id)
        adapters = [f"http://127.0.0.1:{first.port}", f"http://127.0.0.1:{second.part.port}"]

        async def say(client: ChatClient, i: int) -> None:
            body = {"chatId": chat_id, "id": f"{client.user_id}-{i}", "text": f"{client.name} {i}"}
            headers = {
                **event_headers("sendMessage", client.user_id, client.connection_id),
                "Content-Type": "application/json",
            }
            status, reply = await post_event(adapters[i % 2], headers, json.dumps(body))
            assert status == 200 and json.loads(reply)["chatEvent"] == "reply", (
                reply,
                second.log()[-3000:],
                stack.functions.log()[-3000:],
            )

        await asyncio.gather(*(say(client, i) for client in crowd for i in range(15)))
        status, page = await crowd[0].api(f"chats/{chat_id}/messages")
        assert status == 200, page
        assert [e["seq"] for e in page["entries"]] == list(range(1, 91))
        assert sorted(e["text"] for e in page["entries"]) == sorted(f"{c.name} {i}" for c in crowd for i in range(15))
    finally:
        second.stop()
