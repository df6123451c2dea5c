"""Fixtures shared by every suite: a real Azurite (in memory), and scripted users of a suite's `chat_backend`."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

from local.stack import NODE_BIN, azurite_connection_string
from tests.chat_client import ChatClient
from tests.support import free_port, wait_until


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def azurite() -> Iterator[str]:
    """A fresh in-memory Azurite table service; yields its connection string."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(NODE_BIN / "azurite-table"),
            "--tableHost",
            "127.0.0.1",
            "--tablePort",
            str(port),
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--disableTelemetry",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _listening(port) or process.poll() is not None, timeout=30)
        assert process.poll() is None, "Azurite exited at start"
        yield azurite_connection_string(port)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def users(chat_backend: Any) -> AsyncIterator[Callable[..., ChatClient]]:
    """Makes users of the suite's `chat_backend`; closes every one of them when the test ends."""
    made: list[ChatClient] = []

    def make(name: str | None = None, **kwargs: object) -> ChatClient:
        client = ChatClient(chat_backend.functions_url, name or f"user-{uuid.uuid4().hex[:6]}", **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
async def service(chat_backend: Any) -> AsyncIterator[WebPubSubServiceClient]:
    """The official service client, pointed at the emulator (the backend's own view of Web PubSub)."""
    client = WebPubSubServiceClient.from_connection_string(chat_backend.pubsub_connection_string, hub="chat")
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
