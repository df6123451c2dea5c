"""GET /api/search over the fakes: words folded, only the caller's chats, paged, rate-limited, bad input refused.

The same route runs through the Functions adapter on Azurite in tests/integration/test_message_search.py.
"""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
import pytest

from api import message_search
from api.limits import RATES
from api.state import State
from local.harness import swa_principal
from tests.api.core import Core

ROOM = "3f1c2a4e-0000-4000-8000-0000000000aa"
OTHER = "3f1c2a4e-0000-4000-8000-0000000000bb"
ADA = {"x-ms-client-principal": swa_principal("ada", "Ada", "github")}
EVE = {"x-ms-client-principal": swa_principal("eve", "Eve", "github")}


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Core:
    """The handler's state is the fake."""
    core = Core()

    async def state() -> State:
        return core.state

    monkeypatch.setattr(message_search, "state", state)
    return core


async def search(headers: dict[str, str], **params: str) -> tuple[int, Any]:
    request = func.HttpRequest("GET", "http://localhost/api/search", headers=headers, params=params, body=b"")
    response = await message_search.search(request)
    return response.status_code, json.loads(response.get_body())


async def _room(core: Core, chat: str, name: str, *users: str) -> dict[str, str]:
    connections = {user: await core.online(user) for user in users}
    await core.send("createChat", users[0], connections[users[0]], {"id": chat, "name": name})
    for user in users:
        await core.send("joinChat", user, connections[user], chat)
    return connections


async def _say(core: Core, chat: str, user: str, connection: str, *texts: str) -> None:
    for text in texts:
        n = len(core.state.history.logs[chat]) + 1  # type: ignore[attr-defined]
        data = {"requestId": f"r{n}", "chatId": chat, "id": f"{user}{n}", "text": text, "mentions": []}
        await core.send("sendMessage", user, connection, data)


async def test_words_are_found_whatever_their_case_and_accents_newest_first_with_their_chat(core: Core) -> None:
    c = await _room(core, ROOM, "Kitchen", "ada", "bob")
    await _say(core, ROOM, "bob", c["bob"], "Le CAFÉ est ouvert", "nothing", "<b>café</b> again")
    status, found = await search(ADA, q="cafe")
    assert status == 200, found
    assert [(h["seq"], h["text"]) for h in found["hits"]] == [(3, "<b>café</b> again"), (1, "Le CAFÉ est ouvert")]
    assert found["hits"][0] | {"time": 0} == {
        "chatId": ROOM,
        "chatName": "Kitchen",
        "private": False,
        "seq": 3,
        "fromUserId": "bob",
        "time": 0,
        "text": "<b>café</b> again",
    }
    assert found["words"] == ["cafe"] and found["next"] is None
    assert [h["seq"] for h in (await search(ADA, q="Café OUV"))[1]["hits"]] == [1]  # the last word is a prefix


async def test_only_the_callers_chats_are_searched_and_a_chat_not_theirs_is_404(core: Core) -> None:
    c = await _room(core, ROOM, "Kitchen", "ada")
    await _room(core, OTHER, "Den", "eve")
    await _say(core, ROOM, "ada", c["ada"], "secret plans")
    assert (await search(EVE, q="secret"))[1]["hits"] == []
    assert (await search(EVE, q="secret", chat=ROOM)) == (404, {"error": "No such chat among yours"})
    assert (await search(ADA, q="secret", chat=OTHER))[0] == 404
    assert len((await search(ADA, q="secret", chat=ROOM))[1]["hits"]) == 1


async def test_a_chat_left_is_no_longer_searched(core: Core) -> None:
    c = await _room(core, ROOM, "Kitchen", "ada", "bob")
    await _say(core, ROOM, "ada", c["ada"], "hello bob")
    await core.send("leaveChat", "bob", c["bob"], {"chatId": ROOM})
    bob = {"x-ms-client-principal": swa_principal("bob", "Bob", "github")}
    assert (await search(bob, q="hello"))[1]["hits"] == []


async def test_edited_and_deleted_messages_are_found_by_what_they_say_now(core: Core) -> None:
    c = await _room(core, ROOM, "Kitchen", "ada")
    await _say(core, ROOM, "ada", c["ada"], "meet at noon", "bye for now")
    edit = {"requestId": "e", "chatId": ROOM, "seq": 1, "text": "meet at dawn", "mentions": []}
    await core.send("editMessage", "ada", c["ada"], edit)
    await core.send("deleteMessage", "ada", c["ada"], {"requestId": "d", "chatId": ROOM, "seq": 2})
    assert (await search(ADA, q="noon"))[1]["hits"] == []
    assert [h["text"] for h in (await search(ADA, q="dawn"))[1]["hits"]] == ["meet at dawn"]
    assert (await search(ADA, q="bye"))[1]["hits"] == []


async def test_hits_come_a_page_at_a_time_over_every_chat(core: Core) -> None:
    c = await _room(core, ROOM, "Kitchen", "ada")
    await _room(core, OTHER, "Den", "ada")
    await _say(core, ROOM, "ada", c["ada"], *[f"ping {i}" for i in range(15)])
    await _say(core, OTHER, "ada", c["ada"], *[f"ping {i}" for i in range(15)])
    status, first = await search(ADA, q="ping")
    assert status == 200 and len(first["hits"]) == message_search.PAGE and first["next"]
    _, second = await search(ADA, q="ping", before=first["next"])
    assert len(second["hits"]) == 10 and second["next"] is None
    seen = [(h["chatId"], h["seq"]) for h in first["hits"] + second["hits"]]
    assert len(set(seen)) == 30
    times = [h["time"] for h in first["hits"] + second["hits"]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"q": "  "}, "Search for 1 to"),
        ({"q": "x" * 201}, "Search for 1 to"),
        ({"q": "!!! ..."}, "at least one word"),
        ({"q": "a b c d e f"}, "at most 5 words"),
        ({"q": "a", "before": "later"}, "cursor"),
        ({"q": "a", "before": "1.2.../etc"}, "not a valid chat id"),
    ],
)
async def test_a_bad_search_is_refused_with_the_reason(core: Core, params: dict[str, str], reason: str) -> None:
    await core.online("ada")
    status, answer = await search(ADA, **params)
    assert status == 400 and reason in answer["error"]


async def test_searching_too_often_is_refused_with_retry_after(core: Core, clock: Any) -> None:
    await _room(core, ROOM, "Kitchen", "ada")
    for _ in range(RATES["messageSearch"].burst):
        assert (await search(ADA, q="x"))[0] == 200
    request = func.HttpRequest("GET", "http://localhost/api/search", headers=ADA, params={"q": "x"}, body=b"")
    response = await message_search.search(request)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert "searching messages" in json.loads(response.get_body())["error"]
    clock.advance(RATES["messageSearch"].every_seconds)
    assert (await search(ADA, q="x"))[0] == 200


async def test_searching_needs_a_signed_in_caller(core: Core) -> None:
    assert (await search({}, q="x"))[0] == 401
