"""Who is online, and the repair of presence when a `disconnected` event never came, over the in-memory fakes."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from api import presence
from api.state import StorageUnavailable
from tests.api.core import Core


@pytest.fixture
def core() -> Core:
    return Core()


@pytest.fixture
def repair_due(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(presence, "_last_sweep", 0.0)


@pytest.fixture
def just_repaired(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(presence, "_last_sweep", time.monotonic())


async def online(core: Core) -> dict[str, object]:
    """Who is shown online once a people list was asked for (which repairs presence when it is due)."""
    await presence.people(core.state, core.pubsub, "someone", datetime.now(UTC))
    users, _ = await core.state.list_online(None, 100)
    return dict(users)


async def test_the_online_users_are_listed_with_their_idle_state(core: Core, repair_due: None) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.sign_in("carol")
    await core.connect("dave")  # connected, never announced: not shown
    await core.send("userEnterIdle", "ada", ada)
    users = await online(core)
    assert sorted(users) == ["ada", "bob"] and users["ada"].idle and not users["bob"].idle  # type: ignore[attr-defined]


async def test_online_users_come_a_page_at_a_time(core: Core, repair_due: None) -> None:
    for user in ("ada", "bob", "carol"):
        await core.online(user)
    first, cursor = await core.state.list_online(None, 2)
    rest, last = await core.state.list_online(cursor, 2)
    assert (list(first), cursor, list(rest), last) == (["ada", "bob"], "bob", ["carol"], None)


async def test_a_connection_gone_without_a_disconnected_event_is_dropped_and_its_user_goes_offline(
    core: Core, repair_due: None
) -> None:
    ada = await core.online("ada")
    core.pubsub.disconnect(ada)  # the service closed it, but its `disconnected` event was lost
    assert await online(core) == {}
    assert core.state.connections == {}
    assert core.pubsub.presence_told("userOffline") == ["ada"]


async def test_a_user_whose_offline_event_was_cut_short_is_told_offline_at_the_next_repair(
    core: Core, repair_due: None
) -> None:
    ada = await core.online("ada")
    core.pubsub.disconnect(ada)
    await core.state.remove_connection("ada", ada)  # the handler stopped right after removing the row
    assert await online(core) == {}
    assert core.pubsub.presence_told("userOffline") == ["ada"]


async def test_a_user_with_a_live_connection_left_stays_online_when_a_dead_one_is_dropped(
    core: Core, repair_due: None
) -> None:
    dead = await core.online("ada")
    live = await core.online("ada")
    core.pubsub.disconnect(dead)
    assert list(await online(core)) == ["ada"]
    assert [c for _, c in core.state.connections] == [live]
    assert core.pubsub.presence_told("userOffline") == []


async def test_presence_is_repaired_at_most_once_per_interval(core: Core, just_repaired: None) -> None:
    ada = await core.online("ada")
    core.pubsub.disconnect(ada)
    assert list(await online(core)) == ["ada"]
    assert core.pubsub.presence_told("userOffline") == []


async def test_when_web_pubsub_is_unreachable_the_list_is_served_unrepaired_and_repaired_next_time(
    core: Core, repair_due: None
) -> None:
    ada = await core.online("ada")
    core.pubsub.disconnect(ada)
    core.pubsub.unavailable = True
    assert list(await online(core)) == ["ada"]
    core.pubsub.unavailable = False
    assert await online(core) == {}


async def test_one_user_whose_repair_fails_fails_nobody_elses_list_and_is_retried(
    core: Core, repair_due: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, fine = await core.online("broken"), await core.online("fine")
    await core.online("stays")
    core.pubsub.disconnect(broken)
    core.pubsub.disconnect(fine)
    remove = core.state.remove_connection

    async def failing_for_one_user(user_id: str, connection_id: str) -> None:
        if user_id == "broken":
            raise StorageUnavailable("this user's row is in trouble")
        await remove(user_id, connection_id)

    monkeypatch.setattr(core.state, "remove_connection", failing_for_one_user)
    assert sorted(await online(core)) == ["broken", "stays"]
    assert core.pubsub.presence_told("userOffline") == ["fine"]
    monkeypatch.setattr(core.state, "remove_connection", remove)
    monkeypatch.setattr(presence, "_last_sweep", 0.0)
    assert list(await online(core)) == ["stays"]
