"""Connection lifecycle in the service: the shutdown that closes everyone and waits for the webhooks."""

from __future__ import annotations

import asyncio

from aiohttp import web
from helpers import Connect, Recorded, StartEmulator, Upstream
from webpubsub_emulator.testing import RELIABLE_PROTOCOL


async def test_shutdown_closes_every_connection_with_a_disconnected_message_and_sends_the_webhooks(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs())
    json_client = await connect(emulator.client_url(user_id="a"))
    reliable_client = await connect(emulator.client_url(user_id="b"), protocol=RELIABLE_PROTOCOL)
    raw_client = await connect(emulator.client_url(user_id="c"), protocol=None)
    await upstream.event("connected", count=3)
    await emulator.runner.cleanup()
    for client in (json_client, reliable_client):
        code, messages = await client.until_closed()
        assert code == 1001
        assert messages == [{"type": "system", "event": "disconnected", "message": "The service is shutting down."}]
    assert (await raw_client.until_closed())[0] == 1001
    disconnected = upstream.events("disconnected")
    assert sorted(r.headers["ce-userId"] for r in disconnected) == ["a", "b", "c"]


async def test_shutdown_does_not_wait_forever_for_a_stuck_handler(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    release = asyncio.Event()

    async def stuck(record: Recorded) -> web.Response:
        await release.wait()
        return web.Response(status=204)

    upstream.replies["disconnected"] = stuck
    emulator = await start_emulator(hubs=upstream.hubs(), shutdown_timeout=0.2)
    await connect(emulator.client_url())
    await asyncio.wait_for(emulator.runner.cleanup(), timeout=5)
    assert len(upstream.events("disconnected")) == 1
    release.set()
