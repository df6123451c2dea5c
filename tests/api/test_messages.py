"""Messages, edits, deletes, reactions, typing and read marks go through the server: checked, numbered, kept, sent."""

from __future__ import annotations

from typing import Any

import pytest

from api.limits import RATES, RateLimited
from api.validation import Invalid
from tests.api.core import Core

CHAT = "3f1c2a4e-0000-4000-8000-0000000000aa"


@pytest.fixture
def core() -> Core:
    return Core()


async def _room(core: Core, *users: str) -> dict[str, str]:
    """`users` online, the first creating CHAT and everyone joining it; their connection ids."""
    connections = {user: await core.online(user) for user in users}
    await core.send("createChat", users[0], connections[users[0]], {"id": CHAT, "name": "Room"})
    for user in users:
        await core.send("joinChat", user, connections[user], CHAT)
    return connections


def _say(text: str, client_id: str = "m1", request: str = "r1", **more: object) -> dict[str, object]:
    return {"requestId": request, "chatId": CHAT, "id": client_id, "text": text, "mentions": [], **more}


async def test_a_message_is_numbered_kept_and_sent_to_the_chat_and_the_sender_is_answered(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    answer: Any = await core.send("sendMessage", "ada", c["ada"], _say("hello"))
    assert answer is not None and answer["chatEvent"] == "reply"
    assert answer["data"]["requestId"] == "r1" and answer["data"]["result"]["seq"] == 1
    [frame] = [f for f in core.pubsub.inboxes[c["bob"]] if "entry" in f]
    assert frame["entry"] | {"time": 0} == {
        "chatId": CHAT,
        "seq": 1,
        "kind": "message",
        "fromUserId": "ada",
        "id": "m1",
        "text": "hello",
        "mentions": [],
        "changed": 0,
        "time": 0,
    }
    assert [e.text for e in await core.state.history.entries(CHAT, 1, 1)] == ["hello"]


async def test_the_sender_is_the_connections_user_whatever_the_data_says(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    await core.send("sendMessage", "bob", c["bob"], _say("hi", fromUserId="ada", fromUserName="Ada"))
    [stored] = await core.state.history.entries(CHAT, 1, 1)
    assert stored.sender == "bob"


async def test_a_non_member_is_refused_and_nothing_is_kept_or_sent(core: Core) -> None:
    c = await _room(core, "ada")
    eve = await core.online("eve")
    with pytest.raises(Invalid, match="not in that chat"):
        await core.send("sendMessage", "eve", eve, _say("let me in"))
    assert await core.state.history.last_seq(CHAT) == 0
    assert core.pubsub.chat_frames(CHAT) == []
    assert c


async def test_a_resend_after_a_lost_answer_is_kept_once(core: Core) -> None:
    c = await _room(core, "ada")
    first: Any = await core.send("sendMessage", "ada", c["ada"], _say("once", request="r1"))
    again: Any = await core.send("sendMessage", "ada", c["ada"], _say("once", request="r2"))
    assert first and again and first["data"]["result"]["seq"] == again["data"]["result"]["seq"] == 1
    assert again["data"]["requestId"] == "r2"
    assert await core.state.history.last_seq(CHAT) == 1


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"chatId": CHAT, "id": "m1", "text": "x" * 2001}, "at most 2000"),
        ({"chatId": CHAT, "id": "m1", "text": "   "}, "needs some text"),
        ({"chatId": CHAT, "id": "<b>", "text": "hi"}, "needs an id"),
        ({"chatId": "../etc", "id": "m1", "text": "hi"}, "not a valid chat id"),
        ("hello", "JSON object"),
    ],
)
async def test_bad_messages_are_refused_with_the_reason_and_nothing_is_kept(core: Core, data: object, why: str) -> None:
    c = await _room(core, "ada")
    with pytest.raises(Invalid, match=why):
        await core.send("sendMessage", "ada", c["ada"], data)
    assert await core.state.history.last_seq(CHAT) == 0


async def test_messages_past_the_rate_are_refused_with_when_to_try_again(core: Core) -> None:
    c = await _room(core, "ada")
    for i in range(RATES["messages"].burst):
        await core.send("sendMessage", "ada", c["ada"], _say(f"{i}", client_id=f"m{i}"))
    with pytest.raises(RateLimited) as refused:
        await core.send("sendMessage", "ada", c["ada"], _say("one too many", client_id="late"))
    assert refused.value.retry_after >= 1
    assert await core.state.history.last_seq(CHAT) == RATES["messages"].burst


async def test_an_edit_by_its_sender_is_numbered_and_sent(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    await core.send("sendMessage", "ada", c["ada"], _say("helo"))
    answer: Any = await core.send("editMessage", "ada", c["ada"], {"chatId": CHAT, "seq": 1, "text": "hello"})
    assert answer and answer["data"]["result"] == {"seq": 2}
    edits = [f["entry"] for f in core.pubsub.chat_frames(CHAT) if f.get("entry", {}).get("kind") == "edit"]
    assert [(e["target"], e["text"]) for e in edits] == [(1, "hello")]


async def test_nobody_edits_or_deletes_anothers_message(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    await core.send("sendMessage", "ada", c["ada"], _say("mine"))
    with pytest.raises(Invalid, match="your own"):
        await core.send("editMessage", "bob", c["bob"], {"chatId": CHAT, "seq": 1, "text": "forged"})
    with pytest.raises(Invalid, match="your own"):
        await core.send("deleteMessage", "bob", c["bob"], {"chatId": CHAT, "seq": 1})
    assert (await core.state.history.entries(CHAT, 1, 1))[0].text == "mine"


async def test_a_reaction_counts_for_its_sender_and_unknown_emoji_are_dropped(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    await core.send("sendMessage", "ada", c["ada"], _say("party"))
    await core.send("react", "bob", c["bob"], {"chatId": CHAT, "seq": 1, "emojis": ["🎉", "💩"]})
    assert (await core.state.history.entries(CHAT, 1, 1))[0].reactions == {"🎉": ["bob"]}


async def test_typing_is_forwarded_and_never_kept(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    await core.send("typing", "ada", c["ada"], {"chatId": CHAT, "ttl": 5000})
    assert {"typing": {"chatId": CHAT, "userId": "ada", "ttl": 5000}} in core.pubsub.inboxes[c["bob"]]
    assert await core.state.history.last_seq(CHAT) == 0


async def test_a_read_mark_is_kept_never_past_the_last_message_and_never_back(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    for i in range(3):
        await core.send("sendMessage", "ada", c["ada"], _say(f"{i}", client_id=f"m{i}"))
    await core.send("markRead", "bob", c["bob"], {"chatId": CHAT, "seq": 99})
    await core.send("markRead", "bob", c["bob"], {"chatId": CHAT, "seq": 1})
    assert await core.state.history.read_positions(CHAT) == {"bob": 3}
    reads = [f["read"] for f in core.pubsub.chat_frames(CHAT) if "read" in f]
    assert reads == [{"chatId": CHAT, "userId": "bob", "seq": 3}]


async def test_deleting_a_chat_deletes_its_history(core: Core) -> None:
    c = await _room(core, "ada")
    await core.send("sendMessage", "ada", c["ada"], _say("bye"))
    await core.send("deleteChat", "ada", c["ada"], CHAT)
    assert await core.state.history.last_seq(CHAT) == 0


async def test_a_reply_names_a_message_of_the_chat_and_is_kept_with_it(core: Core) -> None:
    c = await _room(core, "ada", "bob")
    await core.send("sendMessage", "ada", c["ada"], _say("question"))
    await core.send("sendMessage", "bob", c["bob"], _say("answer", "m2", "r2", replyTo=1))
    [stored] = await core.state.history.entries(CHAT, 2, 2)
    assert stored.reply_to == 1 and stored.to_wire()["replyTo"] == 1


@pytest.mark.parametrize(
    ("setup", "reply_to", "why"),
    [
        ([], 1, "not in this chat"),  # nothing said yet
        (["said"], 5, "not in this chat"),  # a number from the future
        (["said", "deleted"], 1, "was deleted"),
        (["said", "edited"], 2, "not in this chat"),  # an edit's number is no message
    ],
)
async def test_a_reply_to_no_message_of_the_chat_is_refused_and_nothing_kept(
    core: Core, setup: list[str], reply_to: int, why: str
) -> None:
    c = await _room(core, "ada")
    for n, step in enumerate(setup):
        if step == "said":
            await core.send("sendMessage", "ada", c["ada"], _say("hi", f"s{n}", f"q{n}"))
        else:
            event = {"deleted": "deleteMessage", "edited": "editMessage"}[step]
            await core.send(event, "ada", c["ada"], {"requestId": f"q{n}", "chatId": CHAT, "seq": 1, "text": "hey"})
    last = await core.state.history.last_seq(CHAT)
    with pytest.raises(Invalid, match=why):
        await core.send("sendMessage", "ada", c["ada"], _say("reply", "r", "rr", replyTo=reply_to))
    assert await core.state.history.last_seq(CHAT) == last
