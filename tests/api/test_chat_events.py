"""What each event does to Chatr's state and tells its users, and every refusal, over the in-memory fakes.

The same flows run end to end (emulator, Functions adapter, Azurite) in tests/integration.
"""

from __future__ import annotations

import pytest

from api.models import Membership
from api.validation import Invalid
from tests.api.core import Core

CHAT = "0b6f4c1e-6a53-4c3e-9d2e-3f1a2b4c5d6e"
OTHER_CHAT = "7d9e8f10-1111-4a2b-8c3d-4e5f60718293"
ADA_BOB = "private_ada_bob"


@pytest.fixture
def core() -> Core:
    return Core()


async def with_chat(core: Core, owner: str = "ada", chat_id: str = CHAT) -> str:
    """A group chat the owner created and is in, as the browser does it (create, then join)."""
    connection = await core.online(owner)
    await core.send("createChat", owner, connection, {"id": chat_id, "name": "Lobby"})
    await core.send("joinChat", owner, connection, chat_id)
    return connection


# ---- any event -------------------------------------------------------------------------------


async def test_an_unknown_user_event_is_refused(core: Core) -> None:
    connection = await core.connect("ada")
    with pytest.raises(Invalid, match="Unknown event 'hack'"):
        await core.send("hack", "ada", connection)


async def test_an_unknown_system_event_is_ignored(core: Core) -> None:
    await core.system("connect", "ada", "c1")
    assert core.state.profiles == {} and core.pubsub.broadcasts == []


@pytest.mark.parametrize("user_id", [None, "", "not/a user"])
async def test_an_event_from_a_connection_without_a_valid_user_is_refused(core: Core, user_id: str | None) -> None:
    with pytest.raises(Invalid, match="no user"):
        await core.send("createChat", user_id, "c1", {"id": CHAT, "name": "Lobby"})
    assert core.state.chats == {}


# ---- presence ----------------------------------------------------------------------------------


async def test_a_connection_is_counted_and_joins_the_presence_group(core: Core) -> None:
    connection = await core.connect("ada")
    user = await core.state.get_user("ada")
    assert user is not None and user.connections == [connection]
    assert connection in await core.pubsub.group_connections("chatr.presence")


async def test_a_connection_of_a_user_the_server_never_issued_a_token_is_refused(core: Core) -> None:
    core.pubsub.connect("c1")
    with pytest.raises(Invalid, match="Unknown user"):
        await core.system("connected", "stranger", "c1")
    assert core.state.profiles == {}


async def test_a_ready_browser_announces_its_user_with_the_name_the_server_knows(core: Core) -> None:
    await core.sign_in("ada", "Ada", "aad")
    await core.online("ada")
    assert core.pubsub.broadcast_data("userOnline") == [
        {"userId": "ada", "userName": "Ada", "userProvider": "aad", "idle": False}
    ]


async def test_a_ready_browser_is_put_back_in_every_chat_its_user_is_in(core: Core) -> None:
    await with_chat(core, "ada", CHAT)
    await with_chat(core, "ada", OTHER_CHAT)
    reloaded = await core.online("ada")
    assert core.pubsub.in_chat(reloaded, CHAT) and core.pubsub.in_chat(reloaded, OTHER_CHAT)


async def test_a_ready_browser_whose_user_is_unknown_is_refused_and_not_announced(core: Core) -> None:
    core.pubsub.connect("c1")
    with pytest.raises(Invalid, match="Unknown user"):
        await core.send("userConnected", "stranger", "c1", {})
    assert core.pubsub.broadcasts == []


async def test_a_user_goes_offline_once_when_their_last_connection_closes(core: Core) -> None:
    first = await core.online("ada")
    second = await core.online("ada")
    await core.system("disconnected", "ada", first)
    assert core.pubsub.broadcast_data("userOffline") == []
    await core.system("disconnected", "ada", second)
    await core.system("disconnected", "ada", second)
    assert core.pubsub.broadcast_data("userOffline") == ["ada"]


async def test_a_disconnect_of_a_connection_never_counted_changes_nothing(core: Core) -> None:
    connection = await core.online("ada")
    await core.system("disconnected", "ada", "old-connection")
    user = await core.state.get_user("ada")
    assert user is not None and user.connections == [connection]
    assert core.pubsub.broadcast_data("userOffline") == []


async def test_idle_is_stored_and_announced_once(core: Core) -> None:
    connection = await core.online("ada")
    await core.send("userEnterIdle", "ada", connection, "ada")
    await core.send("userEnterIdle", "ada", connection, "ada")
    user = await core.state.get_user("ada")
    assert user is not None and user.idle
    assert core.pubsub.broadcast_data("userIsIdle") == ["ada"]


async def test_coming_back_from_idle_is_stored_and_announced(core: Core) -> None:
    connection = await core.online("ada")
    await core.send("userEnterIdle", "ada", connection)
    await core.send("userExitIdle", "ada", connection)
    user = await core.state.get_user("ada")
    assert user is not None and not user.idle
    assert core.pubsub.broadcast_data("userNotIdle") == ["ada"]


async def test_idle_acts_on_the_sender_whatever_id_the_body_names(core: Core) -> None:
    await core.online("bob")
    connection = await core.online("ada")
    await core.send("userEnterIdle", "ada", connection, "bob")
    assert core.pubsub.broadcast_data("userIsIdle") == ["ada"]


async def test_idle_of_a_user_the_server_does_not_know_is_refused(core: Core) -> None:
    with pytest.raises(Invalid, match="Unknown user"):
        await core.send("userEnterIdle", "stranger", "c1")
    assert core.pubsub.broadcasts == []


# ---- group chats -------------------------------------------------------------------------------


async def test_a_created_chat_is_stored_owned_by_the_sender_and_announced(core: Core) -> None:
    connection = await core.online("ada")
    await core.send("createChat", "ada", connection, {"id": CHAT, "name": "  Lobby  ", "owner": "mallory"})
    chat = await core.state.get_chat(CHAT)
    assert chat is not None and (chat.name, chat.owner) == ("Lobby", "ada")
    assert core.pubsub.broadcast_data("chatCreated") == [{"id": CHAT, "name": "Lobby", "members": {}, "owner": "ada"}]


async def test_a_chat_with_a_taken_id_is_refused_and_the_first_is_kept(core: Core) -> None:
    await with_chat(core, "ada")
    mallory = await core.online("mallory")
    with pytest.raises(Invalid, match="already exists"):
        await core.send("createChat", "mallory", mallory, {"id": CHAT, "name": "Hijacked"})
    chat = await core.state.get_chat(CHAT)
    assert chat is not None and (chat.name, chat.owner) == ("Lobby", "ada")
    assert len(core.pubsub.broadcast_data("chatCreated")) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"id": CHAT, "name": ""}, "cannot be empty"),
        ({"id": CHAT, "name": "   "}, "cannot be empty"),
        ({"id": CHAT, "name": "x" * 101}, "too long"),
        ({"id": CHAT, "name": "bell\x07"}, "control characters"),
        ({"id": CHAT, "name": 42}, "must be text"),
        ({"id": "has space", "name": "Lobby"}, "not a valid chat id"),
        ({"id": "private_a_b", "name": "Lobby"}, "not a valid chat id"),
        ({"name": "Lobby"}, "not a valid chat id"),
        (["not", "an", "object"], "Expected a JSON object"),
        ("Lobby", "Expected a JSON object"),
    ],
    ids=["empty", "blank", "too long", "control", "not text", "bad id", "private id", "no id", "list", "text"],
)
async def test_a_chat_with_bad_input_is_refused_and_nothing_is_created(core: Core, data: object, reason: str) -> None:
    connection = await core.online("ada")
    with pytest.raises(Invalid, match=reason):
        await core.send("createChat", "ada", connection, data)
    assert core.state.chats == {} and core.pubsub.broadcast_data("chatCreated") == []


async def test_joining_adds_the_member_lets_all_their_connections_publish_and_tells_the_chat(core: Core) -> None:
    await with_chat(core, "ada")
    other_tab = await core.online("bob")
    joining_tab = await core.online("bob")
    await core.send("joinChat", "bob", joining_tab, CHAT)
    membership = await core.state.get_membership(CHAT, "bob")
    assert membership is not None and membership.user_name == "Bob"
    assert core.pubsub.in_chat(joining_tab, CHAT) and core.pubsub.in_chat(other_tab, CHAT)
    assert (CHAT, "joined", "bob", "Bob") in core.pubsub.notices


async def test_joining_again_admits_the_connection_but_tells_the_chat_once(core: Core) -> None:
    await with_chat(core, "ada")
    first = await core.online("bob")
    await core.send("joinChat", "bob", first, CHAT)
    reloaded = await core.online("bob")
    await core.send("joinChat", "bob", reloaded, CHAT)
    assert core.pubsub.in_chat(reloaded, CHAT)
    assert [n for n in core.pubsub.notices if n[1:3] == ("joined", "bob")] == [(CHAT, "joined", "bob", "Bob")]


async def test_joining_a_chat_that_does_not_exist_is_refused(core: Core) -> None:
    connection = await core.online("bob")
    with pytest.raises(Invalid, match="does not exist"):
        await core.send("joinChat", "bob", connection, CHAT)
    assert core.state.memberships == {} and not core.pubsub.in_chat(connection, CHAT)


@pytest.mark.parametrize("data", ["", "no spaces allowed", {"chatId": CHAT}, None, "private_bob_ada"])
async def test_joining_with_a_bad_chat_id_is_refused(core: Core, data: object) -> None:
    await with_chat(core, "ada")
    connection = await core.online("bob")
    with pytest.raises(Invalid, match="not a valid chat id"):
        await core.send("joinChat", "bob", connection, data)
    assert await core.state.get_membership(CHAT, "bob") is None


async def test_joining_as_a_user_the_server_does_not_know_is_refused(core: Core) -> None:
    await with_chat(core, "ada")
    core.pubsub.connect("c1")
    with pytest.raises(Invalid, match="Unknown user"):
        await core.send("joinChat", "stranger", "c1", CHAT)
    assert await core.state.get_membership(CHAT, "stranger") is None


async def test_a_join_that_races_the_chats_deletion_is_undone(core: Core) -> None:
    await with_chat(core, "ada")
    connection = await core.online("bob")
    add_member = core.state.add_member

    async def add_member_while_the_owner_deletes(membership: Membership) -> bool:
        added = await add_member(membership)
        await core.state.delete_chat(CHAT)
        return added

    core.state.add_member = add_member_while_the_owner_deletes  # type: ignore[method-assign]
    with pytest.raises(Invalid, match="was deleted"):
        await core.send("joinChat", "bob", connection, CHAT)
    assert await core.state.get_membership(CHAT, "bob") is None
    assert not core.pubsub.in_chat(connection, CHAT)


async def test_leaving_removes_the_member_takes_back_publishing_and_tells_the_chat(core: Core) -> None:
    await with_chat(core, "ada")
    other_tab = await core.online("bob")
    leaving_tab = await core.online("bob")
    await core.send("joinChat", "bob", leaving_tab, CHAT)
    await core.send("leaveChat", "bob", leaving_tab, {"chatId": CHAT, "userName": "Someone else"})
    assert await core.state.get_membership(CHAT, "bob") is None
    assert not core.pubsub.in_chat(leaving_tab, CHAT) and not core.pubsub.in_chat(other_tab, CHAT)
    assert (CHAT, "left", "bob", "Bob") in core.pubsub.notices


async def test_leaving_a_chat_you_are_not_in_is_refused(core: Core) -> None:
    await with_chat(core, "ada")
    connection = await core.online("bob")
    with pytest.raises(Invalid, match="not in that chat"):
        await core.send("leaveChat", "bob", connection, {"chatId": CHAT})
    assert [n for n in core.pubsub.notices if n[1] == "left"] == []


@pytest.mark.parametrize(("data", "reason"), [(CHAT, "Expected a JSON object"), ({"chatId": 7}, "not a valid")])
async def test_leaving_with_bad_input_is_refused(core: Core, data: object, reason: str) -> None:
    await with_chat(core, "ada")
    connection = await core.online("ada")
    with pytest.raises(Invalid, match=reason):
        await core.send("leaveChat", "ada", connection, data)
    assert await core.state.get_membership(CHAT, "ada") is not None


async def test_the_owner_deletes_a_chat_for_everyone(core: Core) -> None:
    owner = await with_chat(core, "ada")
    member = await core.online("bob")
    await core.send("joinChat", "bob", member, CHAT)
    await core.send("deleteChat", "ada", owner, CHAT)
    assert await core.state.get_chat(CHAT) is None
    assert await core.state.members_of(CHAT) == []
    assert not core.pubsub.in_chat(owner, CHAT) and not core.pubsub.in_chat(member, CHAT)
    assert core.pubsub.broadcast_data("chatDeleted") == [CHAT]


async def test_only_the_owner_can_delete_a_chat(core: Core) -> None:
    await with_chat(core, "ada")
    mallory = await core.online("mallory")
    await core.send("joinChat", "mallory", mallory, CHAT)
    with pytest.raises(Invalid, match="Only the chat's owner"):
        await core.send("deleteChat", "mallory", mallory, CHAT)
    assert await core.state.get_chat(CHAT) is not None
    assert len(await core.state.members_of(CHAT)) == 2 and core.pubsub.broadcast_data("chatDeleted") == []


async def test_deleting_a_chat_that_does_not_exist_is_refused(core: Core) -> None:
    connection = await core.online("ada")
    with pytest.raises(Invalid, match="does not exist"):
        await core.send("deleteChat", "ada", connection, CHAT)
    assert core.pubsub.broadcast_data("chatDeleted") == []


async def test_a_private_chat_cannot_be_deleted(core: Core) -> None:
    connection = await core.online("ada")
    await core.online("bob")
    await core.send("createPrivateChat", "ada", connection, {"targetUserId": "bob"})
    with pytest.raises(Invalid, match="cannot be deleted"):
        await core.send("deleteChat", "ada", connection, ADA_BOB)
    assert len(await core.state.members_of(ADA_BOB)) == 2


# ---- private chats -----------------------------------------------------------------------------


async def test_a_private_chat_puts_both_users_in_and_invites_each_named_for_the_other(core: Core) -> None:
    ada = await core.online("ada")
    bob = await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"initiatorUserId": "mallory", "targetUserId": "bob"})
    assert core.pubsub.in_chat(ada, ADA_BOB) and core.pubsub.in_chat(bob, ADA_BOB)
    assert core.pubsub.sent_to("ada", "joinPrivateChat") == [
        {"id": ADA_BOB, "name": "Chat with Bob", "grabFocus": True}
    ]
    assert core.pubsub.sent_to("bob", "joinPrivateChat") == [
        {"id": ADA_BOB, "name": "Chat with Ada", "grabFocus": False}
    ]
    assert core.pubsub.notices == [(ADA_BOB, "wantsToChat", "ada", "Ada")]


async def test_a_private_chat_is_stored_as_two_memberships_that_know_the_peer(core: Core) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    mine, theirs = await core.state.get_membership(ADA_BOB, "ada"), await core.state.get_membership(ADA_BOB, "bob")
    assert mine == Membership(ADA_BOB, "ada", "Ada", private=True, peer_name="Bob")
    assert theirs == Membership(ADA_BOB, "bob", "Bob", private=True, peer_name="Ada")
    assert core.state.chats == {}


async def test_opening_a_private_chat_again_invites_again_but_announces_once(core: Core) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    await core.send("createPrivateChat", "bob", await core.online("bob"), {"targetUserId": "ada"})
    assert len(core.pubsub.sent_to("ada", "joinPrivateChat")) == 2
    assert [n[1] for n in core.pubsub.notices] == ["wantsToChat"]


async def test_a_private_chat_with_a_user_who_is_offline_reaches_them_when_they_return(core: Core) -> None:
    ada = await core.online("ada")
    await core.sign_in("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    bob = await core.online("bob")
    assert core.pubsub.in_chat(bob, ADA_BOB)


@pytest.mark.parametrize(
    ("target", "reason"),
    [("ada", "with yourself"), ("not a user", "not a valid user"), (None, "not a valid user"), ("ghost", "not known")],
)
async def test_a_private_chat_with_a_bad_target_is_refused(core: Core, target: object, reason: str) -> None:
    ada = await core.online("ada")
    with pytest.raises(Invalid, match=reason):
        await core.send("createPrivateChat", "ada", ada, {"targetUserId": target})
    assert core.state.memberships == {} and core.pubsub.to_users == []


async def test_a_member_reopens_a_private_chat_by_joining_it(core: Core) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    new_tab = await core.connect("ada")
    await core.send("joinChat", "ada", new_tab, ADA_BOB)
    assert core.pubsub.in_chat(new_tab, ADA_BOB)


async def test_nobody_else_can_join_a_private_chat(core: Core) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    mallory = await core.online("mallory")
    with pytest.raises(Invalid, match="invitation only"):
        await core.send("joinChat", "mallory", mallory, ADA_BOB)
    assert not core.pubsub.in_chat(mallory, ADA_BOB)
    assert await core.state.get_membership(ADA_BOB, "mallory") is None
