"""Two ways to run the PubSub contract: FakePubSub, and the real PubSub against our emulator with real WebSockets.

Each driver opens and closes client connections and reports what a connection may do and what it
received, so tests/api/test_pubsub.py can make the same assertions about both.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient
from webpubsub_emulator import Settings, create_app

from api.config import PubSubSettings
from api.pubsub import PubSub
from local.stack import free_port
from tests.api.fakes import FakePubSub
from tests.support import eventually

JSON_PROTOCOL = "json.webpubsub.azure.v1"
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
        return group in self.pubsub.may_publish[connection_id]

    async def received(self, connection_id: str) -> list[Any]:
        return list(self.pubsub.inboxes[connection_id])


@dataclass
class _Client:
    ws: aiohttp.ClientWebSocketResponse
    messages: list[dict[str, Any]] = field(default_factory=list)
    acks: dict[int, dict[str, Any]] = field(default_factory=dict)
    reader: asyncio.Task[None] | None = None


@dataclass
class EmulatorDriver:
    pubsub: PubSub
    service: WebPubSubServiceClient
    session: aiohttp.ClientSession
    clients: dict[str, _Client] = field(default_factory=dict)
    _acks: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def open(self, user_id: str) -> str:
        token = await self.pubsub.client_token(user_id)
        ws = await self.session.ws_connect(token["url"], protocols=[JSON_PROTOCOL])
        connected = json.loads((await ws.receive(timeout=10)).data)
        client = _Client(ws)
        client.reader = asyncio.create_task(self._read(client))
        self.clients[connected["connectionId"]] = client
        return str(connected["connectionId"])

    async def _read(self, client: _Client) -> None:
        async for frame in client.ws:
            message = json.loads(frame.data)
            if message.get("type") == "ack":
                client.acks[message["ackId"]] = message
            elif message.get("type") == "message" and message.get("fromUserId") is None:
                client.messages.append(message["data"])  # from the server: to it, to all, or to its group

    async def close(self, connection_id: str) -> None:
        await self.clients[connection_id].ws.close()
        await eventually(lambda: _gone(self.service, connection_id))

    async def may_publish(self, connection_id: str, group: str) -> bool:
        client, ack_id = self.clients[connection_id], next(self._acks)
        await client.ws.send_json(
            {"type": "sendToGroup", "group": group, "dataType": "json", "data": {}, "ackId": ack_id}
        )
        ack = await eventually(lambda: _value(client.acks.get(ack_id)))
        return bool(ack["success"])

    async def received(self, connection_id: str) -> list[Any]:
        """Everything sent before this call: a marker sent last arrives after all of it."""
        client, marker = self.clients[connection_id], {"marker": uuid.uuid4().hex}
        await self.service.send_to_connection(connection_id, marker, content_type="application/json")
        await eventually(lambda: _value(marker in client.messages))
        return [m for m in client.messages[: client.messages.index(marker)] if "marker" not in m]

    async def stop(self) -> None:
        for client in self.clients.values():
            await client.ws.close()
            if client.reader is not None:
                await client.reader


async def _gone(service: WebPubSubServiceClient, connection_id: str) -> bool:
    return not await service.connection_exists(connection_id)


async def _value(value: Any) -> Any:
    return value


@asynccontextmanager
async def emulator_driver() -> AsyncIterator[EmulatorDriver]:
    """The real PubSub against an in-process emulator, with WebSocket clients of its own."""
    settings = Settings(port=free_port())
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
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
        await runner.cleanup()
