"""Fixtures for the emulator's tests: in-process emulators, a recording event handler, WebSocket clients, proxies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from helpers import KEY, Proxy, Recorded, Upstream
from webpubsub_emulator import Settings
from webpubsub_emulator.testing import Client, Emulator, connect, free_port, start_emulator


@pytest.fixture(name="start_emulator")
async def start_emulators() -> AsyncIterator[Callable[..., Awaitable[Emulator]]]:
    """Start emulators with Settings overrides; all are stopped (shutdown included) at the end."""
    emulators: list[Emulator] = []

    async def start(**overrides: Any) -> Emulator:
        emulator = await start_emulator(Settings(**{"port": free_port(), "access_keys": (KEY,), **overrides}))
        emulators.append(emulator)
        return emulator

    yield start
    for emulator in emulators:
        await emulator.stop()


@pytest.fixture
async def emulator(start_emulator: Callable[..., Awaitable[Emulator]]) -> Emulator:
    """An emulator without event handlers."""
    return await start_emulator()


@pytest.fixture(name="connect")
async def connect_clients() -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    """Open WebSocket clients: `await connect(url, protocol=JSON_PROTOCOL)`; all are closed at the end."""
    clients: list[Client] = []

    async def open_client(url: str, *args: Any, **kwargs: Any) -> Client:
        client = await connect(url, *args, **kwargs)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.close()


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
