"""Issue 22, bug 2: a blocked person is not told. From their side everything seems to work; the blocker gets nothing.

Over the in-memory fakes; the same flow runs in Chromium in tests/client/test_blocking.py.
"""

from __future__ import annotations

import json
import time
from typing import Any

import azure.functions as func
import pytest

from api import chat_history, lists, presence
from api.models import User
from local.harness import swa_principal
from tests.api.core import Core

ROOM = "private_ada_mo"
ADA = {"x-ms-client-principal": swa_principal("ada", "Ada", "github")}
MO = {"x-ms-client-principal": swa_principal("mo", "Mo", "github")}


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Core:
    """The HTTP handlers' clients are the fakes too."""
    core = Core()

    async def state() -> Any:
        return core.state

    monkeypatch.setattr(presence, "_last_sweep", time.monotonic())
    for module in (lists, chat_history):
        monkeypatch.setattr(module, "state", state)
        monkeypatch.setattr(module, "pubsub", lambda: core.pubsub, raising=False)
    return core


def get(path: str, headers: dict[str, str], params: dict[str, str] | None = None, **route: str) -> func.HttpRequest:
    request = f"http://localhost/api/{path}"
    return func.HttpRequest("GET", request, headers=headers, params=params or {}, route_params=route, body=b"")


async def history(core: Core, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = await chat_history.get_messages(get(f"chats/{ROOM}/messages", headers, params, chatId=ROOM))
    assert response.status_code == 200, response.get_body()
    return dict(json.loads(response.get_body()))


async def sent(core: Core, connection: str, text: str, client_id: str) -> int:
    """Send a message as the browser does; the number the server's reply gives it."""
    answer: Any = await core.send("sendMessage", "mo", connection, {"chatId": ROOM, "id": client_id, "text": text})
    return int(answer["data"]["result"]["seq"])


def texts(page: dict[str, Any]) -> list[str]:
    return [e["text"] for e in page["entries"] if e["kind"] == "message"]


async def blocked_pair(core: Core) -> tuple[str, str]:
    """Ada and Mo chat in private, then Ada blocks Mo; their connection ids."""
    ada, mo = await core.online("ada"), await core.online("mo")
    await core.send("createPrivateChat", "mo", mo, {"targetUserId": "ada"})
    await core.send("sendMessage", "mo", mo, {"chatId": ROOM, "id": "m1", "text": "hi Ada"})
    await core.send("blockUser", "ada", ada, "mo")
    return ada, mo


async def test_the_blocked_persons_messages_seem_to_send_and_reach_only_them(core: Core) -> None:
    ada, mo = await blocked_pair(core)
    frames_before = len(core.pubsub.inboxes[ada])
    assert await sent(core, mo, "are you there?", "m2") == 2  # the usual answer: numbered and kept
    heard_by_mo = [m["entry"]["text"] for m in core.pubsub.inboxes[mo] if isinstance(m, dict) and "entry" in m]
    assert heard_by_mo[-1] == "are you there?"
    assert core.pubsub.inboxes[ada][frames_before:] == []  # not a frame for the blocker
    assert texts(await history(core, MO)) == ["hi Ada", "are you there?"]
    assert texts(await history(core, ADA)) == ["hi Ada"]
    assert texts(await history(core, ADA, after="1")) == []
    assert core.pubsub.in_chat(mo, ROOM) and len(core.pubsub.sent_to("mo", "joinPrivateChat")) == 1  # his own, once


async def test_the_blocked_persons_changes_and_typing_never_reach_the_blocker(core: Core) -> None:
    ada, mo = await blocked_pair(core)
    before = len(core.pubsub.inboxes[ada])
    await core.send("sendMessage", "mo", mo, {"chatId": ROOM, "id": "m2", "text": "hello?"})
    await core.send("editMessage", "mo", mo, {"chatId": ROOM, "seq": 2, "text": "hello??"})
    await core.send("typing", "mo", mo, {"chatId": ROOM})
    assert core.pubsub.inboxes[ada][before:] == []
    page = await history(core, ADA)
    assert [e["seq"] for e in page["entries"]] == [1]
    assert [e["kind"] for e in (await history(core, MO))["entries"]] == ["message", "message", "edit"]


async def test_the_blocked_person_keeps_the_chat_and_its_other_member(core: Core) -> None:
    await blocked_pair(core)
    chats = json.loads((await lists.get_chats(get("chats", MO, {"mine": "1"}))).get_body())["chats"]
    assert set(chats[ROOM]["members"]) == {"ada", "mo"}
    await core.send("joinChat", "mo", await core.online("mo"), ROOM)  # a reload reopens it as before
    assert not any(n[1] == "left" for n in core.pubsub.notices)


async def test_opening_a_private_chat_with_the_blocker_seems_to_work_and_tells_the_blocker_nothing(
    core: Core,
) -> None:
    ada, mo = await core.online("ada"), await core.online("mo")
    await core.send("blockUser", "ada", ada, "mo")
    await core.send("createPrivateChat", "mo", mo, {"targetUserId": "ada"})
    assert [i["id"] for i in core.pubsub.sent_to("mo", "joinPrivateChat")] == [ROOM]
    assert core.pubsub.sent_to("ada", "joinPrivateChat") == [] and core.pubsub.notices == []
    assert not core.pubsub.in_chat(ada, ROOM)
    assert await sent(core, mo, "hi", "m1") == 1
    assert core.pubsub.inboxes[ada] == [m for m in core.pubsub.inboxes[ada] if "entry" not in m]
    chats = json.loads((await lists.get_chats(get("chats", MO, {"mine": "1"}))).get_body())["chats"]
    assert set(chats[ROOM]["members"]) == {"ada", "mo"}
    assert (await chat_history.get_messages(get("x", ADA, {}, chatId=ROOM))).status_code == 404


async def test_the_blocker_looks_offline_to_the_blocked_person_and_they_are_not_told_of_a_change(
    core: Core,
) -> None:
    ada, mo = await blocked_pair(core)
    assert core.pubsub.sent_to("mo", "contacts")[-1:] != [{"added": {}, "removed": ["ada"]}]
    told = len(core.pubsub.inboxes[mo])
    await core.send("userEnterIdle", "ada", ada)
    await core.close("ada", ada)
    await core.online("ada")
    assert [m for m in core.pubsub.inboxes[mo][told:] if m.get("chatEvent", "").startswith("user")] == []
    people = json.loads((await lists.get_users(get("users", MO))).get_body())["users"]
    assert "ada" not in people
    found = json.loads((await lists.get_users(get("users", MO, {"search": "ad"}))).get_body())["users"]
    assert [(u["userId"], u["online"]) for u in found] == [("ada", False)]
    profile = json.loads((await lists.get_users(get("users", MO, {"id": "ada"}))).get_body())["user"]
    assert profile["online"] is False
    await core.state.index_user_name(User("ada", "Ada", "github"), None)
    assert json.loads((await lists.get_users(get("users", ADA, {"id": "mo"}))).get_body())["user"]["online"]


async def test_a_new_connection_of_the_blocked_person_does_not_watch_the_blocker(core: Core) -> None:
    ada, _ = await blocked_pair(core)
    mo2 = await core.online("mo")
    await core.send("userEnterIdle", "ada", ada)
    heard = [m["chatEvent"] for m in core.pubsub.inboxes[mo2] if m.get("chatEvent", "").startswith("userIs")]
    assert heard == []


async def test_joining_a_group_chat_the_blocker_is_in_does_not_let_either_hear_the_other(core: Core) -> None:
    ada, mo = await blocked_pair(core)
    room = "3f1c2a4e-0000-4000-8000-00000000b10c"
    await core.send("createChat", "ada", ada, {"id": room, "name": "Book club"})
    await core.send("joinChat", "ada", ada, room)
    await core.send("joinChat", "mo", mo, room)
    assert "ada" not in core.pubsub.sent_to("mo", "contacts")[-1]["added"]
    mo2 = await core.online("mo")
    await core.send("userEnterIdle", "ada", ada)
    for connection in (mo, mo2):
        assert [m for m in core.pubsub.inboxes[connection] if m.get("chatEvent") == "userIsIdle"] == []


async def test_after_an_unblock_new_messages_reach_the_blocker_but_those_sent_meanwhile_never_do(
    core: Core,
) -> None:
    ada, mo = await blocked_pair(core)
    await core.send("sendMessage", "mo", mo, {"chatId": ROOM, "id": "m2", "text": "while blocked"})
    await core.send("unblockUser", "ada", ada, "mo")
    await core.send("sendMessage", "mo", mo, {"chatId": ROOM, "id": "m3", "text": "after"})
    assert [m["entry"]["text"] for m in core.pubsub.inboxes[ada] if "entry" in m][-1] == "after"
    assert texts(await history(core, ADA)) == ["hi Ada", "after"]
    await core.send("userEnterIdle", "ada", ada)
    assert any(m.get("chatEvent") == "userIsIdle" for m in core.pubsub.inboxes[mo])


async def test_where_the_blocked_person_read_to_and_that_he_left_never_reach_the_blocker(core: Core) -> None:
    ada, mo = await blocked_pair(core)
    mo2 = await core.online("mo")
    before = len(core.pubsub.inboxes[ada])
    await core.send("markRead", "mo", mo, {"chatId": ROOM, "seq": 1})
    assert [m["read"]["seq"] for m in core.pubsub.inboxes[mo2] if "read" in m] == [1]  # his other tab knows
    await core.send("leaveChat", "mo", mo, {"chatId": ROOM})
    assert core.pubsub.inboxes[ada][before:] == [] and not any(n[1] == "left" for n in core.pubsub.notices)
