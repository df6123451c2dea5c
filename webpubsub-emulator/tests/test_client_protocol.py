"""The JSON subprotocol over raw WebSockets: groups, permissions, data types, acks and ping."""

from __future__ import annotations

import base64

import aiohttp
import jwt
from helpers import Connect
from webpubsub_emulator.messages import TEXT, Payload
from webpubsub_emulator.testing import Emulator

JOIN = "webpubsub.joinLeaveGroup"
SEND = "webpubsub.sendToGroup"


async def test_connected_message_carries_connection_and_user_id(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url(user_id="ada"))
    assert client.connected["type"] == "system"
    assert client.connected["userId"] == "ada"
    assert emulator.service.hub("chat").get(client.connected["connectionId"]) is not None
    assert "reconnectionToken" not in client.connected


async def test_join_with_role_then_group_messages_arrive_with_sender(emulator: Emulator, connect: Connect) -> None:
    alice = await connect(emulator.client_url(user_id="alice", roles=[JOIN, SEND]))
    await alice.send({"type": "joinGroup", "group": "g", "ackId": 1})
    assert await alice.ack(1) == {"type": "ack", "ackId": 1, "success": True}
    await alice.send({"type": "sendToGroup", "group": "g", "data": {"hi": 1}, "ackId": 2})
    message = await alice.receive_type("message")
    assert message == {
        "type": "message",
        "from": "group",
        "group": "g",
        "fromUserId": "alice",
        "dataType": "json",
        "data": {"hi": 1},
    }


async def test_join_without_role_is_forbidden(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url())
    await client.send({"type": "joinGroup", "group": "g", "ackId": 7})
    ack = await client.ack(7)
    assert ack["success"] is False
    assert ack["error"]["name"] == "Forbidden"
    assert "g" in ack["error"]["message"]
    assert client.connected["connectionId"] not in {c.id for c in emulator.service.hub("chat").members("g")}


async def test_single_group_role_allows_only_that_group(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url(roles=[f"{JOIN}.room.1"]))
    await client.send({"type": "joinGroup", "group": "room.1", "ackId": 1})
    await client.send({"type": "joinGroup", "group": "room.2", "ackId": 2})
    assert (await client.ack(1))["success"] is True
    assert (await client.ack(2))["error"]["name"] == "Forbidden"


async def test_wildcard_roles_match_one_segment_with_star_and_many_with_double_star(
    emulator: Emulator, connect: Connect
) -> None:
    one = await connect(emulator.client_url(roles=["webpubsub.sendToGroups.chat.*"]))
    many = await connect(emulator.client_url(roles=["webpubsub.sendToGroups.chat.**"]))
    for ack_id, group in enumerate(["chat.a", "chat.a.b"], start=1):
        await one.send({"type": "sendToGroup", "group": group, "data": "x", "dataType": "text", "ackId": ack_id})
        await many.send({"type": "sendToGroup", "group": group, "data": "x", "dataType": "text", "ackId": ack_id})
    assert (await one.ack(1))["success"] is True
    assert (await one.ack(2))["error"]["name"] == "Forbidden"
    assert (await many.ack(1))["success"] is True
    assert (await many.ack(2))["success"] is True


async def test_role_claim_may_be_a_single_string_as_dotnet_writes_it(emulator: Emulator, connect: Connect) -> None:
    claims = {"aud": f"{emulator.endpoint}/client/hubs/chat", "role": JOIN, "webpubsub.group": "solo"}
    token = jwt.encode(claims, emulator.settings.access_keys[0], algorithm="HS256")
    client = await connect(f"{emulator.endpoint}/client/hubs/chat?access_token={token}")
    conn_id = client.connected["connectionId"]
    assert emulator.connection(conn_id).groups == {"solo"}
    await client.send({"type": "joinGroup", "group": "other", "ackId": 1})
    assert (await client.ack(1))["success"] is True


async def test_leave_group_stops_delivery(emulator: Emulator, connect: Connect) -> None:
    member = await connect(emulator.client_url(roles=[JOIN, SEND], groups=["g"]))
    await member.send({"type": "leaveGroup", "group": "g", "ackId": 1})
    assert (await member.ack(1))["success"] is True
    await member.send({"type": "sendToGroup", "group": "g", "data": "x", "dataType": "text", "ackId": 2})
    assert (await member.receive()) == {"type": "ack", "ackId": 2, "success": True}


async def test_no_echo_skips_the_sender_only(emulator: Emulator, connect: Connect) -> None:
    sender = await connect(emulator.client_url(roles=[SEND], groups=["g"]))
    other = await connect(emulator.client_url(groups=["g"]))
    await sender.send(
        {"type": "sendToGroup", "group": "g", "data": "x", "dataType": "text", "noEcho": True, "ackId": 1}
    )
    assert (await other.receive())["data"] == "x"
    assert await sender.receive() == {"type": "ack", "ackId": 1, "success": True}


async def test_text_and_binary_data_types_round_trip(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url(roles=[SEND], groups=["g"]))
    blob = base64.b64encode(b"\x00\xffbytes").decode()
    await client.send({"type": "sendToGroup", "group": "g", "dataType": "text", "data": "héllo"})
    await client.send({"type": "sendToGroup", "group": "g", "dataType": "binary", "data": blob})
    text, binary = await client.receive(), await client.receive()
    assert (text["dataType"], text["data"]) == ("text", "héllo")
    assert (binary["dataType"], binary["data"]) == ("binary", blob)


async def test_raw_clients_in_a_group_get_the_bare_data(emulator: Emulator, connect: Connect) -> None:
    raw = await connect(emulator.client_url(groups=["g"]), protocol=None)
    sender = await connect(emulator.client_url(roles=[SEND]))
    await sender.send({"type": "sendToGroup", "group": "g", "dataType": "text", "data": "plain"})
    await sender.send({"type": "sendToGroup", "group": "g", "dataType": "binary", "data": "AAE="})
    await sender.send({"type": "sendToGroup", "group": "g", "data": {"k": [1]}})
    text, binary, json_ = await raw.frame(), await raw.frame(), await raw.frame()
    assert (text.type, text.data) == (aiohttp.WSMsgType.TEXT, "plain")
    assert (binary.type, binary.data) == (aiohttp.WSMsgType.BINARY, b"\x00\x01")
    assert (json_.type, json_.data) == (aiohttp.WSMsgType.TEXT, '{"k":[1]}')


async def test_repeated_ack_id_is_a_duplicate_and_not_done_twice(emulator: Emulator, connect: Connect) -> None:
    sender = await connect(emulator.client_url(roles=[SEND]))
    receiver = await connect(emulator.client_url(groups=["g"]))
    message = {"type": "sendToGroup", "group": "g", "dataType": "text", "data": "once", "ackId": 5}
    await sender.send(message)
    assert (await sender.ack(5))["success"] is True
    await sender.send(message)
    duplicate = await sender.ack(5)
    assert duplicate["success"] is False
    assert duplicate["error"]["name"] == "Duplicate"
    assert duplicate["error"]["message"]
    await sender.send({"type": "sendToGroup", "group": "g", "dataType": "text", "data": "next"})
    assert (await receiver.receive())["data"] == "once"
    assert (await receiver.receive())["data"] == "next"


async def test_forbidden_ack_id_may_be_retried_once_allowed(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url())
    conn_id = client.connected["connectionId"]
    await client.send({"type": "joinGroup", "group": "g", "ackId": 1})
    assert (await client.ack(1))["error"]["name"] == "Forbidden"
    emulator.connection(conn_id).permissions.grant("joinLeaveGroup", "g")
    await client.send({"type": "joinGroup", "group": "g", "ackId": 1})
    assert (await client.ack(1))["success"] is True


async def test_ping_gets_pong(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url())
    await client.send({"type": "ping"})
    assert await client.receive() == {"type": "pong"}


async def test_forbidden_publish_without_ack_id_is_dropped_and_the_connection_stays(
    emulator: Emulator, connect: Connect
) -> None:
    receiver = await connect(emulator.client_url(groups=["g"]))
    intruder = await connect(emulator.client_url())
    await intruder.send({"type": "sendToGroup", "group": "g", "dataType": "text", "data": "sneaky"})
    await intruder.send({"type": "ping"})
    assert await intruder.receive() == {"type": "pong"}
    emulator.service.hub("chat").send_to_group("g", Payload(TEXT, b"server"))
    assert (await receiver.receive())["data"] == "server"
