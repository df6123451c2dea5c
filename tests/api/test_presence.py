"""Who is online, and the repair of presence when a `disconnected` event never came, over the in-memory fakes."""

from __future__ import annotations

import time

import pytest

from api import presence
from api.pubsub import PubSubUnavailable
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


async def test_the_online_users_are_listed_with_their_idle_state(core: Core, repair_due: None) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.sign_in("carol")
    await core.send("userEnterIdle", "ada", ada)
    users = await presence.online_users(core.state, core.pubsub)
    assert sorted(users) == ["ada", "bob"] and users["ada"].idle and not users["bob"].idle


async def test_a_connection_gone_without_a_disconnected_event_is_dropped_and_its_user_goes_offline(
    core: Core, repair_due: None
) -> None:
    ada = await core.online("ada")
    core.pubsub.disconnect(ada)  # the service closed it, but its `disconnected` event was lost
    assert await presence.online_users(core.state, core.pubsub) == {}
    user = await core.state.get_user("ada")
    assert user is not None and user.connections == []
    assert core.pubsub.broadcast_data("userOffline") == ["ada"]


async def test_a_user_with_a_live_connection_left_stays_online_when_a_dead_one_is_dropped(
    core: Core, repair_due: None
) -> None:
    dead = await core.online("ada")
    live = await core.online("ada")
    core.pubsub.disconnect(dead)
    users = await presence.online_users(core.state, core.pubsub)
    assert users["ada"].connections == [live]
    assert core.pubsub.broadcast_data("userOffline") == []


async def test_presence_is_repaired_at_most_once_per_interval(core: Core, just_repaired: None) -> None:
    ada = await core.online("ada")
    core.pubsub.disconnect(ada)
    assert list(await presence.online_users(core.state, core.pubsub)) == ["ada"]
    assert core.pubsub.broadcast_data("userOffline") == []


async def test_a_repair_when_web_pubsub_is_unreachable_fails_and_drops_nobody(core: Core, repair_due: None) -> None:
    await core.online("ada")
    core.pubsub.unavailable = True
    with pytest.raises(PubSubUnavailable):
        await presence.online_users(core.state, core.pubsub)
    user = await core.state.get_user("ada")
    assert user is not None and user.online
