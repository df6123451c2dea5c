"""The State contract: every test runs against the in-memory FakeState and against the real State on Azurite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from api.config import StorageSettings
from api.models import Chat, Membership
from api.state import State, StorageUnavailable
from local.stack import free_port


async def test_a_profile_is_not_online_until_a_connection_opens(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    assert await state.list_online_users() == {}
    user, added = await state.add_connection("u1", "c1")
    assert added and user is not None and user.online
    assert list(await state.list_online_users()) == ["u1"]


async def test_user_goes_offline_only_when_the_last_connection_closes(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection("u1", "c1")
    await state.add_connection("u1", "c2")
    _, offline = await state.remove_connection("u1", "c1")
    assert not offline
    _, offline = await state.remove_connection("u1", "c2")
    assert offline
    assert await state.list_online_users() == {}


async def test_adding_a_connection_twice_reports_it_was_already_there(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection("u1", "c1")
    user, added = await state.add_connection("u1", "c1")
    assert not added and user is not None and user.connections == ["c1"]


async def test_removing_an_unknown_connection_changes_nothing(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection("u1", "c1")
    user, offline = await state.remove_connection("u1", "old")
    assert not offline and user is not None and user.connections == ["c1"]


async def test_concurrent_connections_of_one_user_are_all_kept(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await asyncio.gather(*(state.add_connection("u1", f"c{i}") for i in range(10)))
    user = await state.get_user("u1")
    assert user is not None and sorted(user.connections) == sorted(f"c{i}" for i in range(10))


async def test_idle_is_stored_and_reported_only_when_it_changes(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection("u1", "c1")
    _, changed = await state.set_idle("u1", True)
    assert changed
    _, changed = await state.set_idle("u1", True)
    assert not changed
    assert (await state.list_online_users())["u1"].idle


async def test_profile_update_of_unknown_user_returns_none(state: State) -> None:
    assert await state.add_connection("ghost", "c1") == (None, False)


async def test_create_chat_never_overwrites_an_existing_chat(state: State) -> None:
    assert await state.create_chat(Chat("c-1", "First", "u1"))
    assert not await state.create_chat(Chat("c-1", "Hijack", "u2"))
    chat = await state.get_chat("c-1")
    assert chat is not None and (chat.name, chat.owner) == ("First", "u1")
    assert chat.timestamp


async def test_deleted_chat_is_gone(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    await state.delete_chat("c-1")
    assert await state.get_chat("c-1") is None
    assert await state.list_group_chats() == {}


async def test_membership_is_added_once(state: State) -> None:
    assert await state.add_member(Membership("c-1", "u1", "Ada"))
    assert not await state.add_member(Membership("c-1", "u1", "Ada"))
    assert [m.chat_id for m in await state.chats_of("u1")] == ["c-1"]


async def test_fifty_concurrent_joins_keep_fifty_members(state: State) -> None:
    results = await asyncio.gather(*(state.add_member(Membership("c-1", f"u{i}", f"User {i}")) for i in range(50)))
    assert all(results)
    assert len(await state.members_of("c-1")) == 50


async def test_members_of_one_chat_exclude_other_chats(state: State) -> None:
    await state.add_member(Membership("c-1", "u1", "Ada"))
    await state.add_member(Membership("c-2", "u1", "Ada"))
    await state.add_member(Membership("c-2", "u2", "Bob"))
    assert [m.user_id for m in await state.members_of("c-1")] == ["u1"]
    assert len(await state.all_memberships()) == 3


async def test_remove_member_reports_whether_they_were_in(state: State) -> None:
    await state.add_member(Membership("c-1", "u1", "Ada"))
    removed = await state.remove_member("c-1", "u1")
    assert removed is not None and removed.user_name == "Ada"
    assert await state.remove_member("c-1", "u1") is None
    assert await state.get_membership("c-1", "u1") is None


async def test_private_membership_keeps_the_peer(state: State) -> None:
    await state.add_member(Membership("private_a_b", "a", "Ada", private=True, peer_name="Bob"))
    (membership,) = await state.chats_of("a")
    assert membership.private and membership.peer_name == "Bob"


async def test_an_unknown_user_is_none(state: State) -> None:
    assert await state.get_user("nobody") is None


async def test_saving_a_profile_again_renames_but_keeps_presence(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection("u1", "c1")
    await state.set_idle("u1", True)
    await state.save_profile("u1", "Ada L.", "aad")
    user = await state.get_user("u1")
    assert user is not None
    assert (user.name, user.provider, user.connections, user.idle) == ("Ada L.", "aad", ["c1"], True)


async def test_a_user_who_goes_offline_is_no_longer_idle(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection("u1", "c1")
    await state.set_idle("u1", True)
    user, offline = await state.remove_connection("u1", "c1")
    assert offline and user is not None and not user.idle


async def test_idle_of_an_unknown_user_changes_nothing(state: State) -> None:
    assert await state.set_idle("nobody", True) == (None, False)
    assert await state.get_user("nobody") is None


async def test_a_changed_read_does_not_change_what_is_stored(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection("u1", "c1")
    user = await state.get_user("u1")
    assert user is not None
    user.connections.append("forged")
    user.idle = True
    again = await state.get_user("u1")
    assert again is not None and (again.connections, again.idle) == (["c1"], False)


async def test_concurrent_opens_and_closes_of_one_user_leave_exactly_the_open_ones(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await asyncio.gather(*(state.add_connection("u1", f"c{i}") for i in range(6)))
    await asyncio.gather(
        *(state.remove_connection("u1", f"c{i}") for i in range(3)),
        *(state.add_connection("u1", f"d{i}") for i in range(3)),
    )
    user = await state.get_user("u1")
    assert user is not None and sorted(user.connections) == ["c3", "c4", "c5", "d0", "d1", "d2"]


async def test_group_chats_are_listed_with_their_creation_time(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    await state.create_chat(Chat("c-2", "Second", "u2"))
    chats = await state.list_group_chats()
    assert sorted(chats) == ["c-1", "c-2"]
    assert all(c.timestamp and datetime.fromisoformat(c.timestamp).tzinfo for c in chats.values())


async def test_deleting_a_chat_that_is_not_there_is_no_error(state: State) -> None:
    await state.delete_chat("c-404")
    assert await state.get_chat("c-404") is None


async def test_a_membership_never_held_is_none(state: State) -> None:
    assert await state.get_membership("c-1", "u1") is None


async def test_a_group_membership_has_no_peer(state: State) -> None:
    await state.add_member(Membership("c-1", "u1", "Ada", peer_name="ignored"))
    membership = await state.get_membership("c-1", "u1")
    assert membership is not None and not membership.private and membership.peer_name is None


async def test_offline_profiles_written_before_the_cutoff_are_listed_with_their_etag(state: State) -> None:
    await state.save_profile("gone", "Gone", "guest")
    await state.save_profile("online", "Online", "guest")
    await state.add_connection("online", "c1")
    listed = await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1))
    assert list(listed) == ["gone"] and listed["gone"]
    assert await state.idle_profiles(datetime.now(UTC) - timedelta(minutes=1)) == {}


async def test_deleting_a_user_removes_their_profile_and_memberships(state: State) -> None:
    await state.save_profile("gone", "Gone", "guest")
    await state.add_member(Membership("c-1", "gone", "Gone"))
    await state.add_member(Membership("c-1", "stays", "Stays"))
    etag = (await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1)))["gone"]
    assert await state.delete_user("gone", etag)
    assert await state.get_user("gone") is None
    assert [m.user_id for m in await state.members_of("c-1")] == ["stays"]


async def test_a_user_whose_profile_changed_since_it_was_read_is_kept(state: State) -> None:
    await state.save_profile("back", "Back", "guest")
    etag = (await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1)))["back"]
    await state.add_connection("back", "c1")
    assert not await state.delete_user("back", etag)
    assert await state.get_user("back") is not None


async def test_deleting_a_user_who_is_gone_already_is_no_error(state: State) -> None:
    await state.save_profile("gone", "Gone", "guest")
    etag = (await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1)))["gone"]
    assert await state.delete_user("gone", etag)
    assert await state.delete_user("gone", etag)
    assert await state.get_user("gone") is None


async def test_user_ids_with_quotes_are_queried_safely(state: State) -> None:
    await state.add_member(Membership("c-1", "o'brien", "Pat"))
    assert [m.chat_id for m in await state.chats_of("o'brien")] == ["c-1"]


async def test_unreachable_storage_raises_storage_unavailable() -> None:
    from local.stack import azurite_connection_string

    store = State.from_settings(StorageSettings(azurite_connection_string(free_port()), None))
    try:
        await store.list_group_chats()
    except StorageUnavailable as err:
        assert "unavailable" in str(err)
    else:
        raise AssertionError("expected StorageUnavailable")
    finally:
        await store.close()
