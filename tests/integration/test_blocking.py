"""Issue 22, bug 2: a block is not told; what the blocked person says in private seems sent and reaches only
them, through the emulator, the Functions adapter and Azurite."""

from __future__ import annotations

import json

from tests.chat_client import ChatClient


async def test_what_a_blocked_person_writes_is_answered_and_kept_for_them_and_never_reaches_the_blocker(
    users, barrier
) -> None:
    ada: ChatClient = await users("Ada").connect()
    mo: ChatClient = await users("Mo").connect()
    await mo.event("createPrivateChat", {"targetUserId": ada.user_id})
    room = json.loads(await ada.chat_event("joinPrivateChat"))["id"]
    assert (await mo.publish(room, "hello Ada"))["success"] is True
    await ada.event("blockUser", mo.user_id)
    await ada.chat_event("blockList", lambda d: d["blocked"] == [mo.user_id])

    sent = await mo.publish(room, "are you there?")

    assert sent == {"success": True, "seq": 2}
    entry = await mo.wait_for(lambda m: m.get("from") == "server" and m["data"].get("entry", {}).get("seq") == 2)
    assert entry["data"]["entry"]["text"] == "are you there?"
    await barrier(ada, mo)
    assert [m["data"]["entry"]["text"] for m in ada.group_messages(room) if "entry" in m["data"]] == ["hello Ada"]
    _, mine = await mo.api(f"chats/{room}/messages")
    _, hers = await ada.api(f"chats/{room}/messages")
    assert [e["text"] for e in mine["entries"]] == ["hello Ada", "are you there?"]
    assert [e["text"] for e in hers["entries"]] == ["hello Ada"]
    _, listed = await mo.api("chats?mine=1")
    assert set(listed["chats"][room]["members"]) == {ada.user_id, mo.user_id}  # nothing changed for him
    assert mo.chat_events("blockList") == [] and not any(c["removed"] for c in mo.chat_events("contacts"))
