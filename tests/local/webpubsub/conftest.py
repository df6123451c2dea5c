"""Fixtures for the emulator suites: an in-process emulator, a recording event handler, WebSocket clients."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from local.stack import free_port
from local.webpubsub import Settings, create_app
from local.webpubsub.config import EventHandler, HubSettings
from local.webpubsub.connections import Connection
from local.webpubsub.server import SERVICE
from local.webpubsub.service import Service
from local.webpubsub.tokens import issue_client_token
from tests.support import eventually

KEY = "TestEmulatorAccessKey-0123456789abcdefghijkl"
JSON = "json.webpubsub.azure.v1"
RELIABLE = "json.reliable.webpubsub.azure.v1"


@dataclass
class Emulator:
    """A running emulator and shortcuts to reach it."""

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
        """A connection the emulator holds (the test fails if it does not)."""
        found = self.service.hub(hub).get(connection_id or "")
        assert found is not None, f"no connection {connection_id} in hub {hub}"
        return found

    def token(self, hub: str = "chat", **claims: Any) -> str:
        """A client token as the service SDK makes one (user_id, roles, groups)."""
        return issue_client_token(self.settings.access_keys[0], f"{self.endpoint}/client/hubs/{hub}", **claims)

    def client_url(self, hub: str = "chat", **claims: Any) -> str:
        ws = self.endpoint.replace("http://", "ws://")
        return f"{ws}/client/hubs/{hub}?access_token={self.token(hub, **claims)}"


@pytest.fixture
async def start_emulator() -> AsyncIterator[Callable[..., Awaitable[Emulator]]]:
    """Start emulators with Settings overrides; all are stopped (shutdown included) at the end."""
    runners: list[web.AppRunner] = []

    async def start(**overrides: Any) -> Emulator:
        settings = Settings(**{"port": free_port(), "access_keys": (KEY,), **overrides})
        runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        runners.append(runner)
        return Emulator(settings, runner)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def emulator(start_emulator: Callable[..., Awaitable[Emulator]]) -> Emulator:
    """An emulator without event handlers."""
    return await start_emulator()


# ---- WebSocket clients ------------------------------------------------------------------------------


class Client:
    """A raw WebSocket client: JSON helpers for the subprotocols, frames for everything else."""

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
        return json.loads(message.data)

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


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    """Open WebSocket clients: `await connect(url, protocol=JSON)`; new JSON clients wait for `connected`."""
    clients: list[Client] = []

    async def open_client(url: str, protocol: str | None = JSON, *, recovering: bool = False, **kwargs: Any) -> Client:
        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(url, protocols=[protocol] if protocol else (), **kwargs)
        except Exception:
            await session.close()
            raise
        client = Client(session, ws)
        clients.append(client)
        if protocol in (JSON, RELIABLE) and not recovering:
            client.connected = await client.receive()
            assert client.connected["event"] == "connected", client.connected
        return client

    yield open_client
    for client in clients:
        await client.close()


async def handshake_status(url: str, protocol: str | None = JSON) -> int:
    """The HTTP status a WebSocket handshake gets (101 when it is accepted)."""
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(url, protocols=[protocol] if protocol else ())
        except aiohttp.WSServerHandshakeError as err:
            return err.status
        await ws.close()
        return 101


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


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    """A handler on 127.0.0.1 that validates abuse protection and answers 204 unless told otherwise."""
    port = free_port()
    recorder = Upstream(f"http://127.0.0.1:{port}/api/eventHandler")

    async def handle(request: web.Request) -> web.StreamResponse:
        record = Recorded(request.method, request.path_qs, dict(request.headers), await request.read())
        recorder.requests.append(record)
        key = "validate" if request.method in ("OPTIONS", "GET") else record.event
        if key in recorder.replies:
            answer = recorder.replies[key](record)
            return answer if isinstance(answer, web.StreamResponse) else await answer
        if key == "validate":
            return web.Response(headers={"WebHook-Allowed-Origin": "*"})
        return web.Response(status=204)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield recorder
    await runner.cleanup()


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


@pytest.fixture
async def proxy_to() -> AsyncIterator[Callable[[Emulator], Awaitable[Proxy]]]:
    proxies: list[Proxy] = []

    async def start(emulator: Emulator) -> Proxy:
        proxy = Proxy(emulator.settings.port)
        await proxy.start()
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        await proxy.stop()
