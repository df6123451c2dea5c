"""The event handler accepts only events our Web PubSub service signed, and answers its handshake."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import aiohttp
import pytest

from local.stack import PUBSUB_KEY
from tests.chat_client import ChatClient
from tests.cloud_events import event_headers, post_event, signature
from tests.reliability.parts import Parts
from tests.support import RunningStack


async def chat_exists(users, chat_id: str) -> bool:
    return chat_id in await users().chats()


async def create_chat_event(backend: RunningStack, headers: dict[str, str], chat_id: str) -> int:
    body = json.dumps({"name": "Webhook", "id": chat_id})
    status, _ = await post_event(backend.functions_url, {**headers, "Content-Type": "application/json"}, body)
    return status


@pytest.mark.parametrize(
    "forgery",
    [
        {"ce-signature": ""},
        {"ce-signature": signature("conn-1", "not-our-key-" * 4)},
        {"ce-signature": signature("some-other-connection")},
    ],
    ids=["no signature", "wrong key", "another connection's signature"],
)
async def test_forged_events_are_refused_and_change_nothing(backend: RunningStack, users, forgery) -> None:
    chat_id = str(uuid.uuid4())
    headers = {**event_headers("createChat", "forger", "conn-1"), **forgery}
    assert await create_chat_event(backend, headers, chat_id) == 401
    assert not await chat_exists(users, chat_id)


async def test_a_correctly_signed_event_is_accepted(backend: RunningStack, users) -> None:
    ada = await users("Ada").connect()
    chat_id = str(uuid.uuid4())
    headers = event_headers("createChat", ada.user_id, ada.connection_id)
    assert await create_chat_event(backend, headers, chat_id) in (200, 204)
    assert await chat_exists(users, chat_id)


async def test_an_event_for_another_hub_is_refused(backend: RunningStack, users) -> None:
    chat_id = str(uuid.uuid4())
    headers = {**event_headers("createChat", "someone", "conn-9"), "ce-hub": "otherhub"}
    assert await create_chat_event(backend, headers, chat_id) == 400
    assert not await chat_exists(users, chat_id)


async def handshake(backend: RunningStack, headers: dict[str, str]) -> aiohttp.ClientResponse:
    async with (
        aiohttp.ClientSession() as session,
        session.options(f"{backend.functions_url}/api/eventHandler", headers=headers) as response,
    ):
        return response


async def test_handshake_allows_our_own_service(backend: RunningStack) -> None:
    response = await handshake(backend, {"WebHook-Request-Origin": "127.0.0.1", "ce-awpsversion": "1.0"})
    assert response.status == 200
    assert response.headers["WebHook-Allowed-Origin"] == "127.0.0.1"


async def test_handshake_refuses_another_origin(backend: RunningStack) -> None:
    response = await handshake(backend, {"WebHook-Request-Origin": "evil.example.com"})
    assert response.status == 403
    assert "WebHook-Allowed-Origin" not in response.headers


async def test_handshake_without_an_origin_is_a_bad_request(backend: RunningStack) -> None:
    assert (await handshake(backend, {})).status == 400


ROTATED = "RegeneratedPrimaryKey0123456789abcdefghijklm"  # 44 characters, like a real access key
OLD_PRIMARY = "OldPrimaryKeyTheAppStillHolds0123456789abcd"


async def test_the_service_signs_with_both_keys_so_a_regenerated_primary_drops_no_event(tmp_path) -> None:
    """The primary key was regenerated and the app not redeployed yet: it still holds the old pair."""
    parts = Parts.plan(tmp_path, emulator_args=("--key", ROTATED, "--secondary-key", PUBSUB_KEY))
    functions = parts.processes["functions"]
    old_pair = {"WEBHOOK_PRIMARY_KEY": OLD_PRIMARY, "WEBHOOK_SECONDARY_KEY": PUBSUB_KEY}
    functions.part = replace(functions.part, env={**functions.part.env, **old_pair})
    parts.start()
    ada = ChatClient(parts.functions_url, "Ada")
    try:
        await ada.connect()  # waits for its own userOnline: userConnected was accepted and acted on
        chat_id = str(uuid.uuid4())
        await ada.event("createChat", {"name": "After rotation", "id": chat_id})
        await ada.wait_for(lambda m: ada.is_chat_event(m, "chatCreated") and chat_id in m["data"]["data"])
    finally:
        await ada.close()
        parts.stop()
    assert "Refused" not in functions.log()
