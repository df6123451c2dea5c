"""CloudEvents webhooks, checked by a recording upstream that verifies `ce-signature` with its own HMAC."""

from __future__ import annotations

import asyncio
import base64
import json

import aiohttp
from aiohttp import web
from helpers import KEY, Connect, Recorded, StartEmulator, Upstream, signature_of
from webpubsub_emulator.config import EventHandler, HubSettings
from webpubsub_emulator.testing import JSON_PROTOCOL, RELIABLE_PROTOCOL, Emulator, eventually, handshake_status

SECOND_KEY = "SecondTestAccessKey-0123456789abcdefghijklmn"


async def test_handler_is_validated_once_with_the_abuse_protection_handshake(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs())
    await connect(emulator.client_url())
    await connect(emulator.client_url())
    await upstream.event("connected", count=2)
    (validation,) = [r for r in upstream.requests if r.method == "OPTIONS"]
    assert validation.headers["WebHook-Request-Origin"] == "127.0.0.1"
    assert validation.headers["ce-awpsversion"] == "1.0"
    assert upstream.requests.index(validation) == 0


async def test_handler_that_only_answers_get_is_validated_with_get(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    upstream.replies["validate"] = lambda r: (
        web.Response(status=405) if r.method == "OPTIONS" else web.Response(headers={"WebHook-Allowed-Origin": "*"})
    )
    emulator = await start_emulator(hubs=upstream.hubs())
    await connect(emulator.client_url())
    await upstream.event("connected")
    assert [r.method for r in upstream.requests] == ["OPTIONS", "GET", "POST"]


async def test_handler_that_does_not_allow_the_origin_gets_no_events(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    upstream.replies["validate"] = lambda r: web.Response(headers={"WebHook-Allowed-Origin": "elsewhere.example"})
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "hello", "dataType": "text", "data": "x", "ackId": 1})
    ack = await client.ack(1)
    assert ack["error"]["name"] == "InternalServerError"
    assert upstream.events() == []


async def test_a_handshake_that_timed_out_is_tried_again_with_the_next_event(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    release = asyncio.Event()
    handshakes = 0

    async def slow_only_the_first_time(record: Recorded) -> web.Response:
        nonlocal handshakes
        handshakes += 1
        if handshakes == 1:
            await release.wait()
        return web.Response(headers={"WebHook-Allowed-Origin": "*"})

    upstream.replies["validate"] = slow_only_the_first_time
    emulator = await start_emulator(hubs=upstream.hubs(system=""), event_handler_timeout=0.3)
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "hello", "dataType": "text", "data": "1", "ackId": 1})
    assert (await client.ack(1))["success"] is False
    release.set()
    await client.send({"type": "event", "event": "hello", "dataType": "text", "data": "2", "ackId": 2})
    assert (await client.ack(2))["success"] is True
    assert [r.method for r in upstream.requests] == ["OPTIONS", "OPTIONS", "POST"]
    assert upstream.events("hello")[0].body == b"2"


async def test_a_refused_handshake_is_tried_again_with_the_next_event(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    refusals = iter([web.Response(status=403)])
    upstream.replies["validate"] = lambda r: next(refusals, web.Response(headers={"WebHook-Allowed-Origin": "*"}))
    emulator = await start_emulator(hubs=upstream.hubs(system=""))
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "hello", "dataType": "text", "data": "1", "ackId": 1})
    assert (await client.ack(1))["success"] is False
    await client.send({"type": "event", "event": "hello", "dataType": "text", "data": "2", "ackId": 2})
    assert (await client.ack(2))["success"] is True
    assert [r.method for r in upstream.requests] == ["OPTIONS", "OPTIONS", "POST"]


async def test_connected_event_carries_every_cloudevents_header_and_a_verifiable_signature(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs(), access_keys=(KEY, SECOND_KEY))
    client = await connect(emulator.client_url(user_id="ada"))
    (event,) = await upstream.event("connected")
    conn_id = client.connected["connectionId"]
    headers = event.headers
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-awpsversion"] == "1.0"
    assert headers["ce-type"] == "azure.webpubsub.sys.connected"
    assert headers["ce-source"] == f"/hubs/chat/client/{conn_id}"
    assert headers["ce-id"]
    assert headers["ce-time"].endswith("Z")
    assert headers["ce-userId"] == "ada"
    assert headers["ce-connectionId"] == conn_id
    assert headers["ce-hub"] == "chat"
    assert headers["ce-eventName"] == "connected"
    assert headers["ce-subprotocol"] == JSON_PROTOCOL
    assert headers["WebHook-Request-Origin"] == "127.0.0.1"
    assert headers["Content-Type"] == "application/json"
    assert headers["ce-signature"].split(",") == [signature_of(KEY, conn_id), signature_of(SECOND_KEY, conn_id)]
    assert event.json() == {}


async def test_disconnected_event_follows_a_client_close_with_its_reason(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.ws.close()
    (event,) = await upstream.event("disconnected")
    assert event.headers["ce-type"] == "azure.webpubsub.sys.disconnected"
    assert event.headers["ce-connectionId"] == client.connected["connectionId"]
    assert isinstance(event.json()["reason"], str)


async def test_disconnected_waits_for_a_slow_connected_handler(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    finished: list[str] = []

    async def slow_connected(record: Recorded) -> web.Response:
        await asyncio.sleep(0.3)  # the slow handler under test
        finished.append("connected")
        return web.Response(status=204)

    upstream.replies["connected"] = slow_connected
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.ws.close()
    await upstream.event("disconnected")
    assert finished == ["connected"]
    assert [r.event for r in upstream.events()] == ["connected", "disconnected"]


async def test_frames_are_not_held_back_by_a_slow_connected_handler(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    release = asyncio.Event()

    async def stuck_connected(record: Recorded) -> web.Response:
        await release.wait()
        return web.Response(status=204)

    upstream.replies["connected"] = stuck_connected
    upstream.replies["echo"] = lambda r: web.Response(text=r.body.decode(), content_type="text/plain")
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "echo", "dataType": "text", "data": "early", "ackId": 1})
    assert (await client.receive())["data"] == "early"
    release.set()


# ---- connect --------------------------------------------------------------------------------------


async def test_connect_event_describes_the_handshake_without_secrets(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs(system="connect"))
    url = emulator.client_url(user_id="ada", roles=["r1"]) + "&room=blue"
    await connect(url, protocol=RELIABLE_PROTOCOL, headers={"X-Custom": "yes"})
    (event,) = upstream.events("connect")
    body = event.json()
    assert event.headers["ce-type"] == "azure.webpubsub.sys.connect"
    assert event.headers["ce-userId"] == "ada"
    assert body["claims"]["sub"] == ["ada"]
    assert body["claims"]["role"] == ["r1"]
    assert body["query"] == {"room": ["blue"]}
    assert body["headers"]["X-Custom"] == ["yes"]
    assert body["subprotocols"] == [RELIABLE_PROTOCOL]
    assert body["clientCertificates"] == []
    assert "access_token" not in json.dumps(body)


async def test_connect_rejection_status_reaches_the_client_and_no_events_follow(
    start_emulator: StartEmulator, upstream: Upstream
) -> None:
    upstream.replies["connect"] = lambda r: web.Response(status=401, text="go away")
    emulator = await start_emulator(hubs=upstream.hubs(system="connect,connected,disconnected"))
    assert await handshake_status(emulator.client_url()) == 401
    assert emulator.service.hub("chat").connections == {}
    assert [r.event for r in upstream.events()] == ["connect"]


async def test_unreachable_connect_handler_is_500(start_emulator: StartEmulator) -> None:
    handler = EventHandler("http://127.0.0.1:9/nowhere", None, frozenset({"connect"}))
    emulator = await start_emulator(hubs={"chat": HubSettings((handler,))})
    assert await handshake_status(emulator.client_url()) == 500


async def test_connect_reply_sets_user_groups_roles_and_subprotocol(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    decided = {"userId": "decided", "groups": ["g"], "roles": ["webpubsub.sendToGroup"], "subprotocol": JSON_PROTOCOL}
    upstream.replies["connect"] = lambda r: web.json_response(decided)
    emulator = await start_emulator(hubs=upstream.hubs(system="connect"))
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(emulator.client_url(), protocols=["custom.v1", JSON_PROTOCOL])
        assert ws.protocol == JSON_PROTOCOL
        assert (await ws.receive_json())["userId"] == "decided"
        await ws.send_json({"type": "sendToGroup", "group": "g", "dataType": "text", "data": "hi"})
        assert (await ws.receive_json(timeout=5))["fromUserId"] == "decided"
        await ws.close()


async def test_connection_state_from_connect_comes_back_on_later_events(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    upstream.replies["connect"] = lambda r: web.Response(status=204, headers={"ce-connectionState": "c2F0ZQ=="})
    upstream.replies["change"] = lambda r: web.Response(status=204, headers={"ce-connectionState": "bmV3"})
    emulator = await start_emulator(hubs=upstream.hubs(system="connect,connected"))
    client = await connect(emulator.client_url())
    (connected,) = await upstream.event("connected")
    assert connected.headers["ce-connectionState"] == "c2F0ZQ=="
    await client.send({"type": "event", "event": "change", "dataType": "text", "data": "", "ackId": 1})
    await client.ack(1)
    await client.send({"type": "event", "event": "after", "dataType": "text", "data": "", "ackId": 2})
    await client.ack(2)
    (after,) = upstream.events("after")
    assert after.headers["ce-connectionState"] == "bmV3"


async def test_cookies_set_by_the_handler_are_sent_back(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    def with_cookie(record: Recorded) -> web.Response:
        response = web.Response(status=204)
        response.set_cookie("session", "abc123")
        return response

    upstream.replies["connect"] = with_cookie
    emulator = await start_emulator(hubs=upstream.hubs(system="connect"))
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "next", "dataType": "text", "data": "", "ackId": 1})
    await client.ack(1)
    (event,) = upstream.events("next")
    assert event.headers["Cookie"] == "session=abc123"


# ---- user events ------------------------------------------------------------------------------------


async def test_user_event_bodies_keep_their_content_type(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "e", "dataType": "json", "data": {"a": [1]}, "ackId": 1})
    await client.send({"type": "event", "event": "e", "dataType": "text", "data": "héllo", "ackId": 2})
    blob = base64.b64encode(b"\x00\x01").decode()
    await client.send({"type": "event", "event": "e", "dataType": "binary", "data": blob, "ackId": 3})
    await client.ack(3)
    sent = [(r.headers["Content-Type"], r.body) for r in upstream.events("e")]
    assert sent == [
        ("application/json", b'{"a":[1]}'),
        ("text/plain", "héllo".encode()),
        ("application/octet-stream", b"\x00\x01"),
    ]
    assert upstream.events("e")[0].headers["ce-type"] == "azure.webpubsub.user.e"


async def test_user_event_reply_goes_back_to_the_client_before_the_ack(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    upstream.replies["json"] = lambda r: web.json_response({"echo": r.json()})
    upstream.replies["text"] = lambda r: web.Response(text="plain reply", content_type="text/plain")
    upstream.replies["none"] = lambda r: web.Response(status=204)
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "json", "data": {"n": 1}, "ackId": 1})
    assert await client.receive() == {
        "type": "message",
        "from": "server",
        "dataType": "json",
        "data": {"echo": {"n": 1}},
    }
    assert (await client.receive())["ackId"] == 1
    await client.send({"type": "event", "event": "text", "dataType": "text", "data": "", "ackId": 2})
    assert (await client.receive())["data"] == "plain reply"
    assert (await client.receive())["ackId"] == 2
    await client.send({"type": "event", "event": "none", "dataType": "text", "data": "", "ackId": 3})
    assert await client.receive() == {"type": "ack", "ackId": 3, "success": True}


async def test_failed_user_event_with_ack_id_is_an_error_ack(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    upstream.replies["bad"] = lambda r: web.Response(status=500)
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "bad", "dataType": "text", "data": "", "ackId": 1})
    ack = await client.ack(1)
    assert ack["success"] is False
    assert ack["error"]["name"] == "InternalServerError"
    assert ack["error"]["message"]
    await client.send({"type": "ping"})
    assert await client.receive() == {"type": "pong"}


async def test_failed_user_event_without_ack_id_drops_the_connection(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    upstream.replies["bad"] = lambda r: web.Response(status=400)
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "bad", "dataType": "text", "data": ""})
    code, messages = await client.until_closed()
    assert code == 1011
    assert messages[-1]["type"] == "system" and messages[-1]["event"] == "disconnected"
    await upstream.event("disconnected")


async def test_slow_user_event_handler_times_out(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    release = asyncio.Event()

    async def stuck(record: Recorded) -> web.Response:
        await release.wait()
        return web.Response(status=204)

    upstream.replies["slow"] = stuck
    emulator = await start_emulator(hubs=upstream.hubs(), event_handler_timeout=0.3)
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "slow", "dataType": "text", "data": "", "ackId": 1})
    assert (await client.ack(1))["error"]["name"] == "InternalServerError"
    release.set()


async def test_user_event_without_a_matching_handler_fails(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    emulator = await start_emulator(hubs=upstream.hubs(user_events="onlythis"))
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "other", "dataType": "text", "data": "", "ackId": 1})
    assert (await client.ack(1))["error"]["name"] == "InternalServerError"
    assert upstream.events("other") == []


async def test_events_of_one_connection_reach_the_handler_one_at_a_time_in_order(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    in_flight, most, order = 0, 0, []

    async def slowish(record: Recorded) -> web.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)  # a handler that takes a while: the behaviour under test
        order.append(record.body.decode())
        in_flight -= 1
        return web.Response(status=204)

    upstream.replies["step"] = slowish
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url())
    for n in range(5):
        await client.send({"type": "event", "event": "step", "dataType": "text", "data": str(n)})
    await client.send({"type": "event", "event": "step", "dataType": "text", "data": "last", "ackId": 9})
    await client.ack(9)
    assert order == ["0", "1", "2", "3", "4", "last"]
    assert most == 1


async def test_url_template_gets_hub_and_event(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    template = upstream.url.replace("/api/eventHandler", "/api/{hub}/{event}")
    emulator = await start_emulator(hubs={"chat": HubSettings((EventHandler(template, "*", frozenset()),))})
    client = await connect(emulator.client_url())
    await client.send({"type": "event", "event": "greet", "dataType": "text", "data": "", "ackId": 1})
    await client.ack(1)
    assert upstream.events("greet")[0].path == "/api/chat/greet"


# ---- raw clients -------------------------------------------------------------------------------------


async def test_raw_frames_become_the_message_event_and_replies_come_back_raw(
    start_emulator: StartEmulator, upstream: Upstream, connect: Connect
) -> None:
    upstream.replies["message"] = lambda r: web.Response(body=r.body[::-1], content_type=r.headers["Content-Type"])
    emulator = await start_emulator(hubs=upstream.hubs())
    client = await connect(emulator.client_url(), protocol=None)
    await client.ws.send_str("abc")
    assert (await client.frame()).data == "cba"
    await client.ws.send_bytes(b"\x01\x02")
    reply = await client.frame()
    assert (reply.type, reply.data) == (aiohttp.WSMsgType.BINARY, b"\x02\x01")
    types = [r.headers["Content-Type"] for r in upstream.events("message")]
    assert types == ["text/plain", "application/octet-stream"]


async def test_raw_client_without_a_handler_is_dropped(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator.client_url(), protocol=None)
    await client.ws.send_str("anyone?")
    code, _ = await client.until_closed()
    assert code == 1011

    async def gone() -> bool:
        return emulator.service.hub("chat").connections == {}

    await eventually(gone)
