"""The client endpoint's handshake (tokens, hubs, subprotocols) and the health probe."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import jwt
import pytest
from helpers import Connect, StartEmulator
from webpubsub_emulator.config import HubSettings
from webpubsub_emulator.messages import TEXT, Payload
from webpubsub_emulator.testing import JSON_PROTOCOL, RELIABLE_PROTOCOL, Emulator, handshake_status


def _ws(emulator: Emulator, path: str) -> str:
    return emulator.endpoint.replace("http://", "ws://") + path


def _token(emulator: Emulator, **claims: Any) -> str:
    payload = {"aud": f"{emulator.endpoint}/client/hubs/chat", "exp": int(time.time()) + 60, **claims}
    return jwt.encode(payload, emulator.settings.access_keys[0], algorithm="HS256")


async def test_health_answers_get_and_head(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        for method in ("GET", "HEAD"):
            async with session.request(method, f"{emulator.endpoint}/api/health") as response:
                assert response.status == 200


async def test_missing_token_is_401(emulator: Emulator) -> None:
    assert await handshake_status(_ws(emulator, "/client/hubs/chat")) == 401


async def test_token_signed_with_another_key_is_401(emulator: Emulator) -> None:
    token = jwt.encode({"aud": f"{emulator.endpoint}/client/hubs/chat"}, "another-key-of-thirty-two-bytes-at-least")
    assert await handshake_status(_ws(emulator, f"/client/hubs/chat?access_token={token}")) == 401


async def test_token_for_another_hub_is_401(emulator: Emulator) -> None:
    assert await handshake_status(emulator.client_url(hub="other").replace("/hubs/other", "/hubs/chat")) == 401


async def test_expired_token_is_401(emulator: Emulator) -> None:
    token = _token(emulator, exp=int(time.time()) - 5)
    assert await handshake_status(_ws(emulator, f"/client/hubs/chat?access_token={token}")) == 401


async def test_audience_host_may_differ_and_hub_case_does_not_matter(emulator: Emulator) -> None:
    token = jwt.encode({"aud": "http://localhost:1/client/hubs/CHAT"}, emulator.settings.access_keys[0])
    assert await handshake_status(_ws(emulator, f"/client/hubs/Chat?access_token={token}")) == 101


@pytest.mark.parametrize("path", ["/client?hub=chat", "/client/?hub=chat"])
async def test_bearer_header_and_hub_query_form_are_accepted(emulator: Emulator, path: str) -> None:
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    url = _ws(emulator, path)
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, protocols=[JSON_PROTOCOL], headers=headers) as ws,
    ):
        connected = await ws.receive_json(timeout=5)
    assert connected["event"] == "connected"


async def test_invalid_hub_name_is_400(emulator: Emulator) -> None:
    assert await handshake_status(_ws(emulator, f"/client/hubs/9lives?access_token={_token(emulator)}")) == 400


async def test_plain_http_get_on_the_client_endpoint_is_400(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session, session.get(emulator.client_url()) as response:
        assert response.status == 400


async def test_invalid_group_claim_is_400(emulator: Emulator) -> None:
    token = _token(emulator, **{"webpubsub.group": ["ok", "   "]})
    assert await handshake_status(_ws(emulator, f"/client/hubs/chat?access_token={token}")) == 400


async def test_anonymous_hub_accepts_clients_without_token(start_emulator: StartEmulator) -> None:
    emulator = await start_emulator(hubs={"open": HubSettings(allow_anonymous=True)})
    assert await handshake_status(_ws(emulator, "/client/hubs/open")) == 101
    assert await handshake_status(_ws(emulator, "/client/hubs/chat")) == 401


async def test_first_supported_subprotocol_offered_is_chosen(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        offered = ["protobuf.webpubsub.azure.v1", RELIABLE_PROTOCOL, JSON_PROTOCOL]
        async with session.ws_connect(emulator.client_url(), protocols=offered) as ws:
            connected = await ws.receive_json(timeout=5)
            assert ws.protocol == RELIABLE_PROTOCOL
    assert connected["reconnectionToken"]


async def test_a_client_without_subprotocol_is_raw_and_gets_no_connected_message(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(emulator.client_url()) as ws:
        assert ws.protocol is None
        (connection,) = emulator.service.hub("chat").connections.values()
        assert connection.pubsub is False
        emulator.service.hub("chat").send_to_connection(connection.id, Payload(TEXT, b"hello"))
        assert await ws.receive_str(timeout=5) == "hello"


async def test_an_internal_error_costs_only_that_connection(
    emulator: Emulator, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webpubsub_emulator import client_protocol, server

    real = client_protocol.handle_frame

    async def failing(service: Any, connection: Any, message: Any) -> None:
        if "boom" in message.data:
            raise RuntimeError("a bug in the emulator")
        await real(service, connection, message)

    monkeypatch.setattr(server, "handle_frame", failing)
    victim = await connect(emulator.client_url(user_id="victim"))
    bystander = await connect(emulator.client_url(user_id="bystander"))
    await victim.send({"type": "ping", "boom": True})
    code, _ = await victim.until_closed()
    assert code == 1011
    await bystander.send({"type": "ping"})
    assert (await bystander.receive())["type"] == "pong"


@pytest.mark.parametrize("code", [1000, 1001, 4000])
@pytest.mark.parametrize("protocol", [JSON_PROTOCOL, None])
async def test_a_client_that_closes_gets_its_own_close_code_back(
    emulator: Emulator, connect: Connect, code: int, protocol: str | None
) -> None:
    client = await connect(emulator.client_url(), protocol=protocol)
    await client.ws.close(code=code)
    assert client.ws.close_code == code  # what the emulator's answering close frame said (RFC 6455 5.5.1)
