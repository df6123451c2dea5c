"""The backend for real: Azurite + the Web PubSub emulator + the Functions adapter, started once per session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

from tests.chat_client import ChatClient
from tests.support import RunningStack, start_stack, wait_ready


@pytest.fixture(scope="session")
def backend() -> Iterator[RunningStack]:
    stack = wait_ready(start_stack("--no-swa"))
    yield stack
    stack.stop()


@pytest.fixture
async def users(backend: RunningStack) -> AsyncIterator[Callable[..., ChatClient]]:
    """Makes connected users; closes every one of them when the test ends."""
    made: list[ChatClient] = []

    def make(name: str | None = None, **kwargs: object) -> ChatClient:
        client = ChatClient(backend.functions_url, name or f"user-{uuid.uuid4().hex[:6]}", **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
async def service(backend: RunningStack) -> AsyncIterator[WebPubSubServiceClient]:
    """The official service client, pointed at the emulator (the backend's own view of Web PubSub)."""
    client = WebPubSubServiceClient.from_connection_string(backend.pubsub_connection_string, hub="chat")
    async with client:
        yield client


@pytest.fixture
def barrier(service: WebPubSubServiceClient) -> Callable[..., object]:
    """Returns a coroutine that makes sure everything sent before it has reached the given clients."""

    async def wait(*clients: ChatClient) -> None:
        marker = {"barrier": uuid.uuid4().hex}
        for client in clients:
            await service.send_to_connection(client.connection_id, marker, content_type="application/json")
        for client in clients:
            await client.wait_for(lambda m: m.get("data") == marker)

    return wait
