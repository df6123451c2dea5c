"""Helpers for programs that drive the emulator (tests, benchmarks): run one in-process, find a free port,
connect a WebSocket client, wait for a condition without sleeping blindly."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from .config import Settings
from .connections import JSON_PROTOCOL, RELIABLE_PROTOCOL, Connection
from .server import SERVICE, create_app
from .service import Service
from .tokens import issue_client_token

__all__ = [
    "JSON_PROTOCOL",
    "RELIABLE_PROTOCOL",
    "Client",
    "Emulator",
    "connect",
    "eventually",
    "free_port",
    "start_emulator",
]

T = TypeVar("T")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Await `check` until it returns something truthy; fail with its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        await asyncio.sleep(interval)


@dataclass
class Emulator:
    """An emulator serving in this process, and shortcuts to reach it."""

    settings: Settings
    runner: web.AppRunner

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    @property
    def connection_string(self) -> str:
        return self.settings.connection_string

    @property
    def service(self) -> Service:
        return self.runner.app[SERVICE]

    def connection(self, connection_id: str | None, hub: str = "chat") -> Connection:
        """A connection the emulator holds (an AssertionError if it does not)."""
        found = self.service.hub(hub).get(connection_id or "")
        assert found is not None, f"no connection {connection_id} in hub {hub}"
        return found

    def token(self, hub: str = "chat", **claims: Any) -> str:
        """A client token as the service SDK makes one (user_id, roles, groups)."""
        return issue_client_token(self.settings.access_keys[0], f"{self.endpoint}/client/hubs/{hub}", **claims)

    def client_url(self, hub: str = "chat", **claims: Any) -> str:
        """The URL a client of `hub` connects to, token included."""
        ws = self.endpoint.replace("http://", "ws://")
        return f"{ws}/client/hubs/{hub}?access_token={self.token(hub, **claims)}"

    async def stop(self) -> None:
        """Close every connection (their `disconnected` webhooks included) and stop listening."""
        await self.runner.cleanup()


async def start_emulator(settings: Settings) -> Emulator:
    """Serve an emulator with these settings in this event loop; `stop()` it when done."""
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    return Emulator(settings, runner)


class Client:
    """A WebSocket client: JSON helpers for the subprotocols, frames for everything else."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.session = session
        self.ws = ws
        self.connected: dict[str, Any] = {}

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def frame(self, timeout: float = 5.0) -> aiohttp.WSMessage:
        return await self.ws.receive(timeout=timeout)

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {message}"
        received: dict[str, Any] = json.loads(message.data)
        return received

    async def receive_type(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next message of a `type`, skipping others."""
        while True:
            message = await self.receive(timeout)
            if message.get("type") == kind:
                return message

    async def ack(self, ack_id: int) -> dict[str, Any]:
        while True:
            message = await self.receive_type("ack")
            if message["ackId"] == ack_id:
                return message

    async def closed(self, timeout: float = 5.0) -> tuple[int | None, list[dict[str, Any]]]:
        """Read until the server closes; the close code and the JSON messages seen on the way."""
        seen = []
        while True:
            message = await self.ws.receive(timeout=timeout)
            if message.type == aiohttp.WSMsgType.TEXT:
                seen.append(json.loads(message.data))
            elif message.type == aiohttp.WSMsgType.CLOSE:
                return message.data, seen  # the code in the server's close frame
            elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return self.ws.close_code, seen

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()


async def connect(url: str, protocol: str | None = JSON_PROTOCOL, *, recovering: bool = False, **kwargs: Any) -> Client:
    """Open a client; a new JSON client also waits for its `connected` message (in `Client.connected`)."""
    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(url, protocols=[protocol] if protocol else (), **kwargs)
    except Exception:
        await session.close()
        raise
    client = Client(session, ws)
    if protocol in (JSON_PROTOCOL, RELIABLE_PROTOCOL) and not recovering:
        try:
            client.connected = await client.receive()
            assert client.connected.get("event") == "connected", client.connected
        except BaseException:
            await client.close()
            raise
    return client
