"""Fixtures for the reliability suites: a stack of separate processes, scripted users, the service client."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

from tests.chat_client import ChatClient
from tests.reliability.parts import Parts


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    """Azurite (in memory), the emulator and the Functions adapter, shared by the suites that kill nothing."""
    parts = Parts.plan(tmp_path_factory.mktemp("stack")).start()
    yield parts
    parts.stop()


@pytest.fixture
def alive(stack: Parts) -> Iterator[Parts]:
    """The shared stack, checked after the test: no part may have died on the way."""
    yield stack
    dead = [p.name for p in stack.processes.values() if not p.running]
    assert not dead, f"{dead} died during the test:\n{stack.logs()}"


@pytest.fixture
async def users(stack: Parts) -> AsyncIterator[Callable[..., ChatClient]]:
    """Makes users of the shared stack; closes every one of them when the test ends."""
    made: list[ChatClient] = []

    def make(name: str | None = None, **kwargs: object) -> ChatClient:
        client = ChatClient(stack.functions_url, name or f"user-{uuid.uuid4().hex[:6]}", **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
async def service(stack: Parts) -> AsyncIterator[WebPubSubServiceClient]:
    """The official service client, pointed at the emulator (the backend's own view of Web PubSub)."""
    client = WebPubSubServiceClient.from_connection_string(stack.pubsub_connection_string, hub="chat")
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
            await client.wait_for(lambda m: m.get("data") == marker, timeout=30)

    return wait
