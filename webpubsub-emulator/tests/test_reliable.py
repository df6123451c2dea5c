"""The reliable subprotocol, with `azure-messaging-webpubsubclient` (reliable by default) as the peer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from azure.messaging.webpubsubclient.aio import WebPubSubClient
from azure.messaging.webpubsubclient.models import (
    CallbackType,
    OnGroupDataMessageArgs,
    SendMessageError,
    WebPubSubDataType,
    WebPubSubProtocolType,
)
from helpers import Connect, ProxyTo, StartEmulator, Upstream
from webpubsub_emulator.messages import TEXT, Payload
from webpubsub_emulator.testing import RELIABLE_PROTOCOL, Emulator, eventually

SEND = "webpubsub.sendToGroup"
JOIN = "webpubsub.joinLeaveGroup"


@asynccontextmanager
async def official_client(url: str, **kwargs: Any) -> AsyncIterator[tuple[WebPubSubClient, list[Any]]]:
    """An opened official client and the group messages it received."""
    client = WebPubSubClient(url, **kwargs)
    received: list[Any] = []

    async def on_group(args: OnGroupDataMessageArgs) -> None:
        received.append(args.data)

    await client.subscribe(CallbackType.GROUP_MESSAGE, on_group)
    await client.open()
    try:
        yield client, received
    finally:
        await client.close()


def _until(check: Callable[[], Any], timeout: float = 10.0) -> Awaitable[Any]:
    async def probe() -> Any:
        return check()

    return eventually(probe, timeout=timeout)


async def test_official_client_joins_sends_and_receives(emulator: Emulator) -> None:
    async with official_client(emulator.client_url(user_id="ada", roles=[JOIN, SEND])) as (client, received):
        await client.join_group("room")
        await client.send_to_group("room", {"n": 1}, WebPubSubDataType.JSON)
        await client.send_to_group("room", "text", WebPubSubDataType.TEXT)
        await client.send_to_group("room", memoryview(b"\x00bin"), WebPubSubDataType.BINARY)
        await _until(lambda: len(received) == 3)
    assert received[:2] == [{"n": 1}, "text"]
    assert bytes(received[2]) == b"\x00bin"


async def test_official_json_client_works_too(emulator: Emulator) -> None:
    url = emulator.client_url(roles=[JOIN, SEND])
    async with official_client(url, protocol_type=WebPubSubProtocolType.JSON) as (client, received):
        await client.join_group("room")
        await client.send_to_group("room", "hi", WebPubSubDataType.TEXT)
        await _until(lambda: received == ["hi"])


async def test_official_client_sees_forbidden_as_an_error(emulator: Emulator) -> None:
    async with official_client(emulator.client_url(), message_retry_total=0) as (client, _):
        try:
            await client.send_to_group("room", "x", WebPubSubDataType.TEXT)
        except SendMessageError as err:
            assert err.error_detail is not None and err.error_detail.name == "Forbidden"
        else:
            raise AssertionError("sendToGroup without permission succeeded")


async def test_official_client_event_reaches_the_handler(start_emulator: StartEmulator, upstream: Upstream) -> None:
    emulator = await start_emulator(hubs=upstream.hubs())
    async with official_client(emulator.client_url(user_id="ada")) as (client, _):
        await client.send_event("hello", {"who": "ada"}, WebPubSubDataType.JSON)
    (event,) = upstream.events("hello")
    assert event.json() == {"who": "ada"} and event.headers["ce-userId"] == "ada"


def _resume_url(emulator: Emulator, connected: dict[str, Any]) -> str:
    token = connected["reconnectionToken"]
    return emulator.client_url() + f"&awps_connection_id={connected['connectionId']}&awps_reconnection_token={token}"


async def test_messages_carry_sequence_ids_and_a_resumed_socket_replays_only_unacknowledged_ones(
    emulator: Emulator, connect: Connect
) -> None:
    first = await connect(emulator.client_url(groups=["g"]), protocol=RELIABLE_PROTOCOL)
    for text in ("a", "b", "c"):
        emulator.service.hub("chat").send_to_group("g", Payload(TEXT, text.encode()))
    received = [await first.receive() for _ in range(3)]
    assert [(m["sequenceId"], m["data"]) for m in received] == [(1, "a"), (2, "b"), (3, "c")]
    await first.send({"type": "sequenceAck", "sequenceId": 2})
    await first.send({"type": "ping"})
    await first.receive_type("pong")
    second = await connect(_resume_url(emulator, first.connected), protocol=RELIABLE_PROTOCOL, recovering=True)
    replayed = await second.receive()
    assert (replayed["sequenceId"], replayed["data"]) == (3, "c")
    assert (await first.until_closed())[0] is not None  # the stale socket was replaced
    emulator.service.hub("chat").send_to_group("g", Payload(TEXT, b"d"))
    assert (await second.receive())["sequenceId"] == 4


async def test_dropped_socket_recovers_the_same_connection_without_losing_messages(
    emulator: Emulator, proxy_to: ProxyTo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="webpubsub")
    proxy = await proxy_to(emulator)
    hub = emulator.service.hub("chat")
    url = proxy.url(emulator.client_url(user_id="ada", groups=["g"]))
    async with official_client(url) as (client, received):
        connection = emulator.connection(client._connection_id)
        for n in range(3):
            hub.send_to_group("g", Payload(TEXT, f"before {n}".encode()))
        await _until(lambda: len(received) == 3)
        proxy.hold = True
        proxy.cut()
        await _until(lambda: "connection waiting for recovery" in caplog.text)  # the emulator saw the drop
        for n in range(3):
            hub.send_to_group("g", Payload(TEXT, f"during {n}".encode()))
        proxy.hold = False
        await _until(lambda: len(received) == 6)
        assert emulator.connection(client._connection_id) is connection
        hub.send_to_group("g", Payload(TEXT, b"after"))
        await _until(lambda: len(received) == 7)
    assert received == [*(f"before {n}" for n in range(3)), *(f"during {n}" for n in range(3)), "after"]


async def test_recovery_with_a_bad_token_is_closed_with_1008(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url(), protocol=RELIABLE_PROTOCOL)
    conn_id = client.connected["connectionId"]
    url = emulator.client_url() + f"&awps_connection_id={conn_id}&awps_reconnection_token=forged"
    intruder = await connect(url, protocol=RELIABLE_PROTOCOL, recovering=True)
    code, _ = await intruder.until_closed()
    assert code == 1008
    emulator.service.hub("chat").send_to_connection(conn_id, Payload(TEXT, b"still yours"))
    assert (await client.receive())["data"] == "still yours"  # the real client keeps its socket


async def test_recovery_of_an_unknown_connection_is_closed_with_1008(emulator: Emulator, connect: Connect) -> None:
    url = emulator.client_url() + "&awps_connection_id=gone&awps_reconnection_token=whatever"
    client = await connect(url, protocol=RELIABLE_PROTOCOL, recovering=True)
    assert client.ws.protocol == RELIABLE_PROTOCOL  # accepted with the offered subprotocol, as browsers require
    assert (await client.until_closed())[0] == 1008


async def test_unrecovered_connection_expires_with_a_disconnected_event(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect, proxy_to: ProxyTo
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs(), reconnect_window=0.2)
    proxy = await proxy_to(emulator)
    await connect(proxy.url(emulator.client_url()), protocol=RELIABLE_PROTOCOL)
    proxy.cut()
    (event,) = await upstream.event("disconnected")
    assert "reconnect" in event.json()["reason"]
    assert emulator.service.hub("chat").connections == {}


async def test_a_normal_close_ends_a_reliable_connection_at_once(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url(), protocol=RELIABLE_PROTOCOL)
    await client.ws.close()
    await _until(lambda: emulator.service.hub("chat").connections == {})


async def test_unacknowledged_messages_beyond_the_buffer_close_the_connection(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emulator = await start_emulator(reliable_buffer_messages=5)
    client = await connect(emulator.client_url(groups=["g"]), protocol=RELIABLE_PROTOCOL)
    for n in range(6):
        emulator.service.hub("chat").send_to_group("g", Payload(TEXT, str(n).encode()))
    code, messages = await client.until_closed()
    assert code == 1008
    assert messages[-1]["event"] == "disconnected"
    assert [m["data"] for m in messages if m["type"] == "message"] == ["0", "1", "2", "3", "4"]
