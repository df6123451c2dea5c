"""Presence goes to contacts only (the people one shares a chat with), over the in-memory fakes.

Each connection's inbox in the fake service is what its socket would receive, so "Alan hears
nothing" is checked where Alan would hear it.
"""

from __future__ import annotations

import pytest

from api import contacts
from tests.api.core import Core

CHAT, OTHER_CHAT = "chat-1", "chat-2"
PRESENCE = ("userOnline", "userOffline", "userIsIdle", "userNotIdle")


@pytest.fixture
def core() -> Core:
    return Core()


def presence_heard(core: Core, connection: str, about: str) -> list[str]:
    """The presence events one connection received about one user, in order."""
    heard = []
    for message in core.pubsub.inboxes[connection]:
        event, data = message.get("chatEvent"), message.get("data")
        if event in PRESENCE and (data == about or (event == "userOnline" and f'"userId": "{about}"' in data)):
            heard.append(event)
    return heard


async def in_chat(core: Core, chat_id: str, *members: tuple[str, str]) -> None:
    """A group chat the first (user, connection) creates and everyone joins."""
    owner, connection = members[0]
    await core.send("createChat", owner, connection, {"id": chat_id, "name": f"Room {chat_id}"})
    for user, conn in members:
        await core.send("joinChat", user, conn, chat_id)


async def test_presence_reaches_contacts_and_never_someone_who_shares_no_chat(core: Core) -> None:
    grace, alan = await core.online("grace"), await core.online("alan")
    ada = await core.online("ada")
    await in_chat(core, CHAT, ("ada", ada), ("grace", grace))
    await core.close("ada", ada)
    ada = await core.online("ada")
    await core.send("userEnterIdle", "ada", ada)
    await core.send("userExitIdle", "ada", ada)
    await core.close("ada", ada)
    assert presence_heard(core, grace, "ada") == [
        "userOffline",
        "userOnline",
        "userIsIdle",
        "userNotIdle",
        "userOffline",
    ]
    assert presence_heard(core, alan, "ada") == []
    assert all(m.get("chatEvent") not in PRESENCE or "alan" in str(m) for m in core.pubsub.inboxes[alan])


async def test_joining_a_chat_makes_its_members_contacts_at_once_both_ways(core: Core) -> None:
    ada, grace = await core.online("ada"), await core.online("grace")
    await in_chat(core, CHAT, ("ada", ada), ("grace", grace))
    assert core.pubsub.heard(ada, "contacts")[-1]["added"]["grace"]["online"] is True
    assert core.pubsub.heard(grace, "contacts")[-1]["added"]["ada"]["online"] is True
    await core.send("userEnterIdle", "grace", grace)
    await core.send("userEnterIdle", "ada", ada)
    assert presence_heard(core, ada, "grace") == ["userIsIdle"]
    assert presence_heard(core, grace, "ada") == ["userIsIdle"]


async def test_leaving_the_last_shared_chat_stops_presence_both_ways_and_another_shared_chat_keeps_it(
    core: Core,
) -> None:
    ada, grace = await core.online("ada"), await core.online("grace")
    await in_chat(core, CHAT, ("ada", ada), ("grace", grace))
    await in_chat(core, OTHER_CHAT, ("ada", ada), ("grace", grace))
    await core.send("leaveChat", "grace", grace, {"chatId": CHAT})
    await core.send("userEnterIdle", "ada", ada)
    assert presence_heard(core, grace, "ada") == ["userIsIdle"]
    await core.send("leaveChat", "grace", grace, {"chatId": OTHER_CHAT})
    assert core.pubsub.heard(grace, "contacts")[-1] == {"added": {}, "removed": ["ada"]}
    assert core.pubsub.heard(ada, "contacts")[-1] == {"added": {}, "removed": ["grace"]}
    await core.send("userExitIdle", "ada", ada)
    await core.send("userEnterIdle", "grace", grace)
    assert presence_heard(core, grace, "ada") == ["userIsIdle"]
    assert presence_heard(core, ada, "grace") == []


async def test_a_new_connection_hears_its_contacts_and_they_hear_it(core: Core) -> None:
    ada, grace = await core.online("ada"), await core.online("grace")
    await in_chat(core, CHAT, ("ada", ada), ("grace", grace))
    second = await core.online("grace")  # another tab: it joins Ada's watchers when it announces itself
    await core.send("userEnterIdle", "ada", ada)
    assert presence_heard(core, second, "ada") == ["userIsIdle"]
    await core.close("ada", ada)
    assert presence_heard(core, grace, "ada")[-1] == presence_heard(core, second, "ada")[-1] == "userOffline"


async def test_a_private_chat_links_both_and_leaving_it_stops_presence_for_the_one_who_left(core: Core) -> None:
    ada, grace = await core.online("ada"), await core.online("grace")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "grace"})
    await core.send("userEnterIdle", "grace", grace)
    await core.send("userEnterIdle", "ada", ada)
    assert presence_heard(core, ada, "grace") == presence_heard(core, grace, "ada") == ["userIsIdle"]
    await core.send("leaveChat", "ada", ada, {"chatId": "private_ada_grace"})
    await core.send("userExitIdle", "grace", grace)
    assert presence_heard(core, ada, "grace") == ["userIsIdle"]  # Ada left: she no longer hears Grace
    await core.send("userExitIdle", "ada", ada)
    assert presence_heard(core, grace, "ada") == ["userIsIdle", "userNotIdle"]  # Grace still has the chat with Ada


async def test_a_blocked_user_no_longer_hears_the_blocker(core: Core) -> None:
    ada, mallory = await core.online("ada"), await core.online("mallory")
    await core.send("createPrivateChat", "mallory", mallory, {"targetUserId": "ada"})
    await core.send("blockUser", "ada", ada, "mallory")
    await core.send("userEnterIdle", "ada", ada)
    assert presence_heard(core, mallory, "ada") == []


async def test_members_of_a_big_group_are_not_contacts(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contacts, "SMALL_GROUP", 2)
    ada, grace, alan = await core.online("ada"), await core.online("grace"), await core.online("alan")
    await in_chat(core, CHAT, ("ada", ada), ("grace", grace), ("alan", alan))
    await core.send("userEnterIdle", "ada", ada)
    assert presence_heard(core, grace, "ada") == ["userIsIdle"]  # linked while the chat had two members
    assert presence_heard(core, alan, "ada") == []  # the third member joined a chat too big to watch
    assert await contacts.contacts_of(core.state, "alan") == []


async def test_one_change_costs_one_send_reaching_the_user_and_their_contacts_whoever_else_is_online(
    core: Core,
) -> None:
    ada, grace = await core.online("ada"), await core.online("grace")
    await in_chat(core, CHAT, ("ada", ada), ("grace", grace))
    for i in range(20):
        await core.online(f"someone-{i}")
    sends, delivered = len(core.pubsub.to_groups), sum(len(i) for i in core.pubsub.inboxes.values())
    await core.send("userEnterIdle", "ada", ada)
    assert len(core.pubsub.to_groups) == sends + 1
    assert sum(len(i) for i in core.pubsub.inboxes.values()) == delivered + 2  # Ada's tab and Grace's
