"""Malformed client input gets the service's answer and never disturbs other connections."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import WSMsgType
from helpers import Connect, StartEmulator, Upstream
from webpubsub_emulator.messages import TEXT, Payload
from webpubsub_emulator.testing import RELIABLE_PROTOCOL, Client, Emulator

SEND = "webpubsub.sendToGroup"


async def _bystander_still_served(emulator: Emulator, bystander: Client) -> None:
    emulator.service.hub("chat").send_to_group("g", Payload(TEXT, b"still here"))
    assert (await bystander.receive())["data"] == "still here"


@pytest.mark.parametrize(
    "frame,code",
    [
        ("this is not json", 1007),
        ("[1, 2, 3]", 1007),
        ('{"type": "teleport"}', 1007),
        ('{"group": "g"}', 1007),
        ('{"type": "joinGroup"}', 1007),
        ('{"type": "sendToGroup", "group": "g", "dataType": "yaml", "data": "x"}', 1007),
        ('{"type": "sendToGroup", "group": "g", "dataType": "text", "data": 42}', 1007),
        ('{"type": "sendToGroup", "group": "g", "dataType": "binary", "data": "not base64!"}', 1007),
        ('{"type": "sendToGroup", "group": "g", "data": null}', 1007),
        ('{"type": "sendToGroup", "group": "g", "dataType": "text", "data": "x", "noEcho": "yes"}', 1007),
        ('{"type": "event", "event": "", "data": "x"}', 1007),
        ('{"type": "joinGroup", "group": "g", "ackId": -1}', 1007),
        ('{"type": "joinGroup", "group": "g", "ackId": "one"}', 1007),
        ('{"type": "sequenceAck", "sequenceId": "x"}', 1007),
    ],
)
async def test_invalid_message_without_ack_id_closes_only_that_connection(
    emulator: Emulator, connect: Connect, frame: str, code: int
) -> None:
    bystander = await connect(emulator.client_url(groups=["g"]))
    client = await connect(emulator.client_url(roles=[SEND, "webpubsub.joinLeaveGroup"]))
    await client.ws.send_str(frame)
    closed_with, messages = await client.until_closed()
    assert closed_with == code
    assert messages[-1]["type"] == "system" and messages[-1]["event"] == "disconnected"
    assert messages[-1]["message"]
    await _bystander_still_served(emulator, bystander)


@pytest.mark.parametrize(
    "request_",
    [
        {"type": "joinGroup"},
        {"type": "joinGroup", "group": "   "},
        {"type": "sendToGroup", "group": "g", "dataType": "yaml", "data": "x"},
        {"type": "sendToGroup", "group": "g", "dataType": "binary", "data": "%%%"},
        {"type": "sendToGroup", "group": "g", "dataType": "text", "data": {"not": "text"}},
        {"type": "sendToGroup", "group": "g" * 1025, "data": 1},
        {"type": "event", "event": "has space", "data": 1},
    ],
)
async def test_invalid_request_with_ack_id_closes_the_connection_too(
    emulator: Emulator, connect: Connect, request_: dict[str, Any]
) -> None:
    """The ack error names the service documents (Forbidden, InternalServerError, Duplicate) have none for it."""
    client = await connect(emulator.client_url(roles=[SEND, "webpubsub.joinLeaveGroup"]))
    await client.send({**request_, "ackId": 3})
    closed_with, messages = await client.until_closed()
    assert closed_with == 1007
    assert [m["type"] for m in messages] == ["system"]  # no ack, only the reason
    assert messages[0]["event"] == "disconnected" and messages[0]["message"]


async def test_binary_frame_on_a_json_subprotocol_is_closed_with_1003(emulator: Emulator, connect: Connect) -> None:
    bystander = await connect(emulator.client_url(groups=["g"]))
    client = await connect(emulator.client_url(), protocol=RELIABLE_PROTOCOL)
    await client.ws.send_bytes(b'{"type": "ping"}')
    assert (await client.until_closed())[0] == 1003
    await _bystander_still_served(emulator, bystander)


async def test_frame_over_the_size_limit_is_closed_with_1009(emulator: Emulator, connect: Connect) -> None:
    bystander = await connect(emulator.client_url(groups=["g"]))
    client = await connect(emulator.client_url(roles=[SEND]))
    data = "x" * (emulator.settings.max_frame_bytes + 1)
    await client.ws.send_str(json.dumps({"type": "sendToGroup", "group": "g", "dataType": "text", "data": data}))
    assert (await client.until_closed())[0] == 1009
    await _bystander_still_served(emulator, bystander)


async def test_text_frame_with_invalid_utf8_is_closed_with_1007(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url())
    await client.ws.send_frame(b'{"type":"ping","x":"\xff"}', WSMsgType.TEXT)
    assert (await client.until_closed())[0] == 1007


async def test_malformed_raw_client_frames_are_just_messages(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url(), protocol=None)
    await client.ws.send_str("{not json at all")
    await upstream.event("message")
    assert upstream.events("message")[0].body == b"{not json at all"


async def test_sequence_ack_on_the_plain_json_subprotocol_is_ignored(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url())
    await client.send({"type": "sequenceAck", "sequenceId": 99})
    await client.send({"type": "ping"})
    assert await client.receive() == {"type": "pong"}


async def test_a_frame_that_breaks_the_websocket_protocol_is_closed_with_1002(emulator: Emulator) -> None:
    reader, writer = await asyncio.open_connection(emulator.settings.host, emulator.settings.port)
    try:
        path = emulator.client_url().split(str(emulator.settings.port), 1)[1]
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
        writer.write(b"\xc1\x80\x00\x00\x00\x00")  # a text frame with a reserved bit set (no extension uses it)
        head = await asyncio.wait_for(reader.readexactly(4), 5)
        assert head[0] == 0x88 and int.from_bytes(head[2:4], "big") == 1002  # a close frame, code 1002
    finally:
        writer.close()
