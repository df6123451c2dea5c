"""Webhook signatures and access keys, and the PubSub contract that FakePubSub and the real client both keep."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator

import pytest

from api.config import PubSubSettings
from api.pubsub import (
    PRESENCE_GROUP,
    PubSub,
    PubSubUnavailable,
    access_keys,
    signature_matches,
    signing_keys,
    user_group,
    watch_group,
)
from local.stack import free_port, pubsub_connection_string
from tests.api.pubsub_drivers import Driver, FakeDriver, emulator_driver

KEY = "K" * 44
CHAT = "0b6f4c1e-6a53-4c3e-9d2e-3f1a2b4c5d6e"
OTHER_CHAT = "7d9e8f10-1111-4a2b-8c3d-4e5f60718293"


def sign(connection_id: str, key: str = KEY) -> str:
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


def test_access_key_comes_from_the_connection_string() -> None:
    settings = PubSubSettings(f"Endpoint=http://127.0.0.1:8080;AccessKey={KEY};Version=1.0;", None, "chat")
    assert access_keys(settings) == [KEY]


def test_managed_identity_has_no_access_keys() -> None:
    assert access_keys(PubSubSettings(None, "https://x.webpubsub.azure.com", "chat")) == []


def test_signature_of_the_connection_id_matches() -> None:
    assert signature_matches("conn-1", sign("conn-1"), [KEY])


def test_any_entry_of_a_multi_key_signature_matches() -> None:
    header = f"{sign('conn-1', 'other' * 9)},{sign('conn-1')}"
    assert signature_matches("conn-1", header, [KEY])


def test_signature_for_another_connection_does_not_match() -> None:
    assert not signature_matches("conn-2", sign("conn-1"), [KEY])


def test_signature_with_another_key_does_not_match() -> None:
    assert not signature_matches("conn-1", sign("conn-1", "x" * 44), [KEY])


def test_missing_signature_does_not_match() -> None:
    assert not signature_matches("conn-1", "", [KEY])


def test_signing_keys_are_the_configured_pair_then_the_connection_strings_key_once() -> None:
    settings = PubSubSettings(f"Endpoint=http://127.0.0.1:8080;AccessKey={KEY};Version=1.0;", None, "chat")
    assert signing_keys(settings, ("primary", KEY)) == ["primary", KEY]


def test_with_managed_identity_the_signing_keys_are_the_configured_pair() -> None:
    settings = PubSubSettings(None, "https://x.webpubsub.azure.com", "chat")
    assert signing_keys(settings, ("primary", "secondary")) == ["primary", "secondary"]


# ---- the PubSub contract: FakePubSub and the real client against the emulator ---------------------


@pytest.fixture(params=["fake", "emulator"])
async def driver(request: pytest.FixtureRequest) -> AsyncIterator[Driver]:
    if request.param == "fake":
        yield FakeDriver()
        return
    async with emulator_driver() as real:
        yield real


async def test_admitted_connections_are_in_the_group_but_may_not_publish_there(driver: Driver) -> None:
    ada, bob = await driver.open("ada"), await driver.open("bob")
    await driver.pubsub.admit([ada, bob], CHAT)
    assert await driver.pubsub.group_connections(CHAT) == {ada, bob}
    assert not await driver.may_publish(ada, CHAT) and not await driver.may_publish(bob, CHAT)


async def test_what_the_server_sends_to_a_chat_reaches_its_group_alone(driver: Driver) -> None:
    ada, bob = await driver.open("ada"), await driver.open("bob")
    await driver.pubsub.admit([ada], CHAT)
    await driver.pubsub.to_chat(CHAT, {"entry": {"seq": 1}})
    assert {"entry": {"seq": 1}} in await driver.received(ada)
    assert {"entry": {"seq": 1}} not in await driver.received(bob)


async def test_evicted_connections_leave_the_group(driver: Driver) -> None:
    ada, bob = await driver.open("ada"), await driver.open("bob")
    await driver.pubsub.admit([ada, bob], CHAT)
    await driver.pubsub.evict([ada], CHAT)
    assert await driver.pubsub.group_connections(CHAT) == {bob}


async def test_closed_connections_are_skipped_by_admit_and_evict(driver: Driver) -> None:
    gone, ada = await driver.open("ada"), await driver.open("ada")
    await driver.close(gone)
    await driver.pubsub.admit([gone, ada], CHAT)
    await driver.pubsub.evict([gone], CHAT)
    assert await driver.pubsub.group_connections(CHAT) == {ada}


async def test_a_closed_connection_leaves_its_groups(driver: Driver) -> None:
    ada = await driver.open("ada")
    await driver.pubsub.admit([ada], CHAT)
    await driver.close(ada)
    assert await driver.pubsub.group_connections(CHAT) == set()
    assert await driver.pubsub.group_connections(PRESENCE_GROUP) == set()
    assert await driver.pubsub.user_connections("ada") == set()


async def test_a_client_tokens_connection_joins_its_users_group_and_presence_and_may_publish_to_neither(
    driver: Driver,
) -> None:
    ada = await driver.open("ada")
    assert await driver.pubsub.group_connections(PRESENCE_GROUP) == {ada}
    assert await driver.pubsub.group_connections(user_group("ada")) == {ada}
    assert not await driver.may_publish(ada, PRESENCE_GROUP) and not await driver.may_publish(ada, user_group("ada"))


async def test_a_users_connections_are_confirmed_by_web_pubsub_and_nobody_elses_are(driver: Driver) -> None:
    tab1, tab2, bob = await driver.open("ada"), await driver.open("ada"), await driver.open("bob")
    assert await driver.pubsub.user_connections("ada") == {tab1, tab2}
    assert await driver.pubsub.user_connections("bob") == {bob}
    assert await driver.pubsub.user_connections("carol") == set()


async def test_a_connection_closed_by_the_server_is_gone_for_good(driver: Driver) -> None:
    ada, other = await driver.open("ada"), await driver.open("ada")
    await driver.pubsub.close_connection(ada, "Too many connections")
    assert await driver.pubsub.user_connections("ada") == {other}
    await driver.pubsub.close_user_connections("ada", "Logged out")
    assert await driver.pubsub.user_connections("ada") == set()


async def test_a_users_presence_reaches_the_connections_watching_them_and_nobody_else(driver: Driver) -> None:
    ada, grace, alan = await driver.open("ada"), await driver.open("grace"), await driver.open("alan")
    await driver.pubsub.watch([ada, grace], ["ada"])
    await driver.pubsub.send_to_group(watch_group("ada"), "userIsIdle", "ada")
    expected = [{"chatEvent": "userIsIdle", "data": "ada"}]
    assert await driver.received(ada) == expected and await driver.received(grace) == expected
    assert await driver.received(alan) == []
    assert not await driver.may_publish(grace, watch_group("ada"))


async def test_an_unwatched_connection_hears_that_user_no_more_and_closed_ones_are_skipped(driver: Driver) -> None:
    gone, grace = await driver.open("gone"), await driver.open("grace")
    await driver.close(gone)
    await driver.pubsub.watch([gone, grace], ["ada", "bob"])
    await driver.pubsub.unwatch([grace, gone], ["ada"])
    assert await driver.pubsub.group_connections(watch_group("ada")) == set()
    assert await driver.pubsub.group_connections(watch_group("bob")) == {grace}


async def test_a_message_to_a_user_reaches_each_of_their_connections_and_nobody_else(driver: Driver) -> None:
    tab1, tab2, bob = await driver.open("ada"), await driver.open("ada"), await driver.open("bob")
    await driver.pubsub.send_to_user("ada", "joinPrivateChat", '{"id": "x"}')
    expected = [{"chatEvent": "joinPrivateChat", "data": '{"id": "x"}'}]
    assert await driver.received(tab1) == expected and await driver.received(tab2) == expected
    assert await driver.received(bob) == []


async def test_a_notice_reaches_the_chats_members_only(driver: Driver) -> None:
    ada, bob = await driver.open("ada"), await driver.open("bob")
    await driver.pubsub.admit([ada], CHAT)
    await driver.pubsub.notice(CHAT, "joined", "ada", "Ada")
    assert await driver.received(ada) == [{"notice": "joined", "userId": "ada", "userName": "Ada"}]
    assert await driver.received(bob) == []


async def test_a_client_token_is_a_url_that_carries_it(driver: Driver) -> None:
    token = await driver.pubsub.client_token("ada")
    assert token["url"].startswith(token["baseUrl"]) and token["token"] in token["url"]


async def test_an_unreachable_service_raises_pubsub_unavailable() -> None:
    pubsub = PubSub.from_settings(PubSubSettings(pubsub_connection_string(free_port()), None, "chat"))
    try:
        with pytest.raises(PubSubUnavailable, match="userOffline"):
            await pubsub.send_to_group(watch_group("ada"), "userOffline", "ada")
    finally:
        await pubsub.close()


async def test_a_linked_user_hears_the_watched_users_presence_on_every_connection_later_ones_too(
    driver: Driver,
) -> None:
    tab = await driver.open("grace")
    await driver.pubsub.link(["grace"], ["ada"])
    later = await driver.open("grace")
    assert await driver.pubsub.group_connections(watch_group("ada")) == {tab, later}
    assert not await driver.may_publish(later, watch_group("ada"))


async def test_an_unlinked_user_hears_the_watched_user_no_more_not_even_on_a_new_connection(driver: Driver) -> None:
    tab = await driver.open("grace")
    await driver.pubsub.link(["grace"], ["ada", "bob"])
    await driver.pubsub.unlink(["grace"], ["ada"])
    later = await driver.open("grace")
    assert await driver.pubsub.group_connections(watch_group("ada")) == set()
    assert await driver.pubsub.group_connections(watch_group("bob")) == {tab, later}
