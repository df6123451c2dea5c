"""What the emulator's tests share besides fixtures: the test key, a recording event handler, a cuttable proxy."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from webpubsub_emulator.config import EventHandler, HubSettings
from webpubsub_emulator.testing import Client, Emulator, eventually, free_port

KEY = "TestEmulatorAccessKey-0123456789abcdefghijkl"


# ---- a recording event handler ----------------------------------------------------------------------


@dataclass
class Recorded:
    """One request the emulator sent to the event handler."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> str:
        return self.headers.get("ce-eventName", "")

    def json(self) -> Any:
        return json.loads(self.body)


Reply = Callable[[Recorded], Awaitable[web.StreamResponse] | web.StreamResponse]


@dataclass
class Upstream:
    """An event handler that records requests and answers per event name (`replies`)."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    replies: dict[str, Reply] = field(default_factory=dict)

    def events(self, name: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and (name is None or r.event == name)]

    async def event(self, name: str, count: int = 1, timeout: float = 10.0) -> list[Recorded]:
        """Wait until `count` events of this name arrived; return them."""

        async def arrived() -> list[Recorded]:
            found = self.events(name)
            return found if len(found) >= count else []

        return await eventually(arrived, timeout=timeout)

    def hubs(self, user_events: str = "*", system: str = "connected,disconnected") -> dict[str, HubSettings]:
        """Settings that send the events of hub `chat` here."""
        handler = EventHandler(self.url, user_events, frozenset(filter(None, system.split(","))))
        return {"chat": HubSettings((handler,))}


def signature_of(key: str, connection_id: str) -> str:
    """What a handler computes to check `ce-signature` (independently of the emulator's code)."""
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


# ---- a TCP proxy whose connections can be cut, to drop sockets the way a network does -----------------


class Proxy:
    """Forwards 127.0.0.1:port to a target; `cut()` aborts every piped connection, `hold` refuses new ones."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.hold = False
        self.accepted = 0
        self._transports: list[asyncio.WriteTransport] = []
        self._server: asyncio.Server | None = None

    def url(self, emulator_url: str) -> str:
        return emulator_url.replace(f":{self.target_port}/", f":{self.port}/")

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.hold:
            writer.transport.abort()
            return
        self.accepted += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._transports += [writer.transport, up_writer.transport]

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    def cut(self) -> None:
        for transport in self._transports:
            transport.abort()
        self._transports.clear()

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


StartEmulator = Callable[..., Awaitable[Emulator]]  # the `start_emulator` fixture
Connect = Callable[..., Awaitable[Client]]  # the `connect` fixture
ProxyTo = Callable[[Emulator], Awaitable[Proxy]]  # the `proxy_to` fixture
