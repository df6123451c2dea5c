"""The event handler accepts only events our Web PubSub service signed, and answers its handshake."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import aiohttp
import pytest

from local.stack import PUBSUB_KEY
from tests.support import RunningStack


def signature(connection_id: str, key: str = PUBSUB_KEY) -> str:
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


def event_headers(user_id: str, connection_id: str, **overrides: str) -> dict[str, str]:
    headers = {
        "ce-specversion": "1.0",
        "ce-awpsversion": "1.0",
        "ce-type": "azure.webpubsub.user.createChat",
        "ce-source": f"/hubs/chat/client/{connection_id}",
        "ce-id": uuid.uuid4().hex,
        "ce-hub": "chat",
        "ce-eventName": "createChat",
        "ce-userId": user_id,
        "ce-connectionId": connection_id,
        "ce-signature": signature(connection_id),
        "Content-Type": "application/json",
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v != ""}


async def post_event(backend: RunningStack, headers: dict[str, str], body: object) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{backend.functions_url}/api/eventHandler", headers=headers, data=json.dumps(body)) as response,
    ):
        return response.status


async def chat_exists(backend: RunningStack, users, chat_id: str) -> bool:
    viewer = users()
    _, body = await viewer.api("chats")
    return chat_id in body["chats"]


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
    status = await post_event(backend, event_headers("forger", "conn-1", **forgery), {"name": "x", "id": chat_id})
    assert status == 401
    assert not await chat_exists(backend, users, chat_id)


async def test_a_correctly_signed_event_is_accepted(backend: RunningStack, users) -> None:
    ada = await users("Ada").connect()
    chat_id = str(uuid.uuid4())
    headers = event_headers(ada.user_id, ada.connection_id)
    assert await post_event(backend, headers, {"name": "Signed", "id": chat_id}) in (200, 204)
    assert await chat_exists(backend, users, chat_id)


async def test_an_event_for_another_hub_is_refused(backend: RunningStack, users) -> None:
    chat_id = str(uuid.uuid4())
    headers = event_headers("someone", "conn-9", **{"ce-hub": "otherhub"})
    assert await post_event(backend, headers, {"name": "x", "id": chat_id}) == 400
    assert not await chat_exists(backend, users, chat_id)


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
