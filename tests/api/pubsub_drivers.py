"""Two ways to run the PubSub contract: FakePubSub, and the real PubSub against our emulator with real WebSockets.

Each driver opens and closes client connections and reports what a connection may do and what it
received, so tests/api/test_pubsub.py can make the same assertions about both.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient
from webpubsub_emulator import Settings
from webpubsub_emulator.testing import Client, connect, start_emulator

from api.config import PubSubSettings
from api.pubsub import PubSub
from local.stack import free_port
from tests.api.fakes import FakePubSub
from tests.support import eventually

HUB = "chat"


class Driver(Protocol):
    """The clients' side of the service the PubSub under test talks to."""

    @property
    def pubsub(self) -> PubSub:
        """The client under test."""
        ...

    async def open(self, user_id: str) -> str:
        """A client of `user_id` connects; its connection id."""
        ...

    async def close(self, connection_id: str) -> None:
        """The client goes away, and the service has noticed."""
        ...

    async def may_publish(self, connection_id: str, group: str) -> bool:
        """Whether the client may send to the group."""
        ...

    async def received(self, connection_id: str) -> list[Any]:
        """The data of every message the server sent the client so far, in order."""
        ...


@dataclass
class FakeDriver:
    pubsub: FakePubSub = field(default_factory=FakePubSub)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    async def open(self, user_id: str) -> str:
        connection_id = f"{user_id}-{next(self._ids)}"
        self.pubsub.connect(connection_id, user_id)
        return connection_id

    async def close(self, connection_id: str) -> None:
        self.pubsub.disconnect(connection_id)

    async def may_publish(self, connection_id: str, group: str) -> bool:
        """The server grants no client the right to publish: only it sends to groups."""
        return False

    async def received(self, connection_id: str) -> list[Any]:
        return list(self.pubsub.inboxes[connection_id])


@dataclass
class EmulatorDriver:
    pubsub: PubSub
    service: WebPubSubServiceClient
    session: aiohttp.ClientSession
    clients: dict[str, Client] = field(default_factory=dict)

    async def open(self, user_id: str) -> str:
        token = await self.pubsub.client_token(user_id)
        client = await connect(token["url"], session=self.session)
        self.clients[client.connection_id] = client
        return client.connection_id

    async def close(self, connection_id: str) -> None:
        await self.clients[connection_id].close()
        await eventually(lambda: _gone(self.service, connection_id))

    async def may_publish(self, connection_id: str, group: str) -> bool:
        ack = await self.clients[connection_id].send_to_group(group, {})
        return bool(ack["success"])

    async def received(self, connection_id: str) -> list[Any]:
        """Everything sent before this call: a marker sent last arrives after all of it."""
        client, marker = self.clients[connection_id], {"marker": uuid.uuid4().hex}
        await self.service.send_to_connection(connection_id, marker, content_type="application/json")
        await client.wait_for(lambda m: m.get("data") == marker)
        # from the server: to this connection, to all, or to its group
        data = [m["data"] for m in client.received if m.get("type") == "message" and m.get("fromUserId") is None]
        return [m for m in data[: data.index(marker)] if not (isinstance(m, dict) and "marker" in m)]

    async def stop(self) -> None:
        for client in self.clients.values():
            await client.close()


async def _gone(service: WebPubSubServiceClient, connection_id: str) -> bool:
    return not await service.connection_exists(connection_id)


@asynccontextmanager
async def emulator_driver() -> AsyncIterator[EmulatorDriver]:
    """The real PubSub against an in-process emulator, with WebSocket clients of its own."""
    settings = Settings(port=free_port())
    emulator = await start_emulator(settings)
    pubsub = PubSub.from_settings(PubSubSettings(settings.connection_string, None, HUB))
    service = WebPubSubServiceClient.from_connection_string(settings.connection_string, hub=HUB)
    session = aiohttp.ClientSession()
    driver = EmulatorDriver(pubsub, service, session)
    try:
        yield driver
    finally:
        await driver.stop()
        await session.close()
        await service.close()
        await pubsub.close()
        await emulator.stop()
