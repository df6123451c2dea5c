"""`python -m webpubsub_emulator`: the command line a stack runner uses, the printed connection string, and a
clean exit on SIGTERM that first tells every client and the event handler."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from azure.messaging.webpubsubservice import WebPubSubServiceClient
from helpers import KEY, Upstream
from webpubsub_emulator.__main__ import parse_settings
from webpubsub_emulator.config import DEFAULT_KEY, HubSettings
from webpubsub_emulator.testing import JSON_PROTOCOL, eventually, free_port


async def _start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "webpubsub_emulator",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def _pipe(stream: asyncio.StreamReader | None) -> asyncio.StreamReader:
    assert stream is not None, "the emulator was started with its output piped"
    return stream


def _template(hub: HubSettings, event: str, *, system: bool) -> str | None:
    handler = hub.handler_for(event, system=system)
    return handler.url_template if handler else None


async def test_stack_command_line_serves_health_prints_the_connection_string_and_stops_cleanly(
    upstream: Upstream,
) -> None:
    port = free_port()
    process = await _start(
        "--port", str(port), "--key", KEY, "--hub", "chat", "--event-handler", upstream.url,
        "--user-events", "*", "--system-events", "connected,disconnected",
    )  # fmt: skip
    try:
        line = (await asyncio.wait_for(_pipe(process.stdout).readline(), 30)).decode().strip()
        assert line == f"Endpoint=http://127.0.0.1:{port};AccessKey={KEY};Version=1.0;"
        sdk = WebPubSubServiceClient.from_connection_string(line, hub="chat")
        url = (await asyncio.to_thread(sdk.get_client_access_token, user_id="ada"))["url"]
        async with aiohttp.ClientSession() as session:
            async with session.head(f"http://127.0.0.1:{port}/api/health") as response:
                assert response.status == 200
            ws = await session.ws_connect(url, protocols=[JSON_PROTOCOL])
            assert (await ws.receive_json(timeout=5))["userId"] == "ada"
            await upstream.event("connected")
            process.send_signal(signal.SIGTERM)
            assert (await ws.receive_json(timeout=10))["event"] == "disconnected"
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert len(upstream.events("disconnected")) == 1
    log = (await _pipe(process.stderr).read()).decode()
    assert "connection opened: hub=chat user=ada" in log and "connection closed: hub=chat user=ada" in log
    assert KEY not in log and url.split("access_token=")[1] not in log


async def test_busy_port_is_reported_with_exit_code_1() -> None:
    port = free_port()
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        process = await _start("--port", str(port))
        assert await asyncio.wait_for(process.wait(), 30) == 1
        assert f"Cannot listen on 127.0.0.1:{port}" in (await _pipe(process.stderr).read()).decode()
    finally:
        server.close()


def test_defaults_give_a_stable_connection_string() -> None:
    settings = parse_settings([])
    assert len(DEFAULT_KEY) == 44
    assert settings.connection_string == f"Endpoint=http://127.0.0.1:8080;AccessKey={DEFAULT_KEY};Version=1.0;"


def test_event_handler_options_configure_the_named_hub() -> None:
    settings = parse_settings(
        ["--hub", "Chat", "--event-handler", "http://h/{event}", "--user-events", "a,b", "--system-events", "connect"]
    )
    (handler,) = settings.hub("chat").event_handlers
    assert handler.url("chat", "a") == "http://h/a"
    assert handler.handles("b", system=False) and not handler.handles("c", system=False)
    assert handler.handles("connect", system=True) and not handler.handles("connected", system=True)
    assert settings.hub("other").event_handlers == ()


def test_event_handler_without_hub_serves_every_hub() -> None:
    settings = parse_settings(["--event-handler", "http://h/"])
    assert settings.hub("anything").event_handlers[0].url_template == "http://h/"


def test_config_file_gives_several_hubs_with_ordered_handlers(tmp_path: Path) -> None:
    config = tmp_path / "hubs.json"
    config.write_text(
        json.dumps(
            {
                "hubs": {
                    "chat": {
                        "eventHandlers": [
                            {"urlTemplate": "http://first/{event}", "userEventPattern": "special"},
                            {"urlTemplate": "http://second", "userEventPattern": "*", "systemEvents": ["connected"]},
                        ]
                    },
                    "lobby": {"properties": {"anonymousConnectPolicy": "allow", "eventHandlers": []}},
                }
            }
        )
    )
    settings = parse_settings(["--config", str(config)])
    chat = settings.hub("chat")
    assert _template(chat, "special", system=False) == "http://first/{event}"
    assert _template(chat, "other", system=False) == "http://second"
    assert _template(chat, "connected", system=True) == "http://second"
    assert _template(chat, "disconnected", system=True) is None
    assert settings.hub("lobby").allow_anonymous is True


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        '{"hubs": []}',
        '{"hubs": {"9bad": {}}}',
        '{"hubs": {"chat": {"eventHandlers": [{"urlTemplate": "ftp://x"}]}}}',
        '{"hubs": {"chat": {"eventHandlers": [{"urlTemplate": "http://x", "systemEvents": ["opened"]}]}}}',
        '{"hubs": {"chat": {"anonymousConnectPolicy": "maybe"}}}',
    ],
)
def test_bad_config_files_are_rejected_with_a_message(
    tmp_path: Path, document: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hubs.json"
    config.write_text(document)
    with pytest.raises(SystemExit) as exited:
        parse_settings(["--config", str(config)])
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


async def test_sigint_stops_it_with_exit_code_0() -> None:
    port = free_port()
    process = await _start("--port", str(port))
    try:
        await asyncio.wait_for(_pipe(process.stdout).readline(), 30)

        async def healthy() -> bool:
            async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/api/health") as r:
                return r.status == 200

        assert await eventually(healthy)
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
