"""Parts of the stack fail while people chat: nothing stored is lost, and everyone else carries on.

Each test runs its own stack of separate processes (`local.stack.plan()`'s commands) so it can kill,
stop and restart one part. The scripted clients reconnect the way the browser does: when their
socket closes they ask for a new token and connect again, with a short back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from api.presence import SWEEP_INTERVAL_SECONDS
from local.stack import free_port
from tests.chat_client import ChatClient, create_chat, join, said
from tests.reliability.helpers import (
    SOAK,
    acknowledged,
    chat_key,
    connections_in,
    diff,
    member_key,
    membership_key,
    snapshot,
    without_connections,
)
from tests.reliability.parts import Parts
from tests.support import eventually

pytestmark = pytest.mark.timeout(600 if SOAK else 240)
RECONNECT_TIMEOUT = 60.0


@pytest.fixture
def parts_factory(tmp_path: Path) -> Iterator[Callable[..., Parts]]:
    """Starts stacks of separate processes for one test; stops them all at the end."""
    started: list[Parts] = []

    def start(**options: object) -> Parts:
        workdir = tmp_path / f"stack{len(started)}"
        workdir.mkdir()
        parts = Parts.plan(workdir, **options)  # type: ignore[arg-type]
        started.append(parts)
        return parts.start()

    yield start
    for parts in started:
        parts.stop()


class Crew:
    """Scripted users of one stack, closed at the end of the test."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.clients: list[ChatClient] = []

    def __call__(self, name: str, **kwargs: str) -> ChatClient:
        client = ChatClient(self.parts.functions_url, name, **kwargs)
        self.clients.append(client)
        return client

    async def reconnect(self, old: ChatClient) -> ChatClient:
        """What the browser does when its socket closes: new token, new socket, retried with back-off."""
        deadline = time.monotonic() + RECONNECT_TIMEOUT
        delay = 0.1
        while True:
            client = self(old.name, user_id=old.user_id)
            try:
                return await client.connect()
            except (AssertionError, aiohttp.ClientError, OSError):
                await client.close()
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


@pytest.fixture
async def crews() -> AsyncIterator[Callable[[Parts], Crew]]:
    made: list[Crew] = []

    def make(parts: Parts) -> Crew:
        made.append(Crew(parts))
        return made[-1]

    yield make
    for crew in made:
        await crew.close()


async def _connections_of(parts: Parts, user_id: str) -> list[str]:
    return connections_in(await snapshot(parts.storage_connection_string), user_id)


async def _hears(receiver: ChatClient, sender: ChatClient, chat_id: str, text: str) -> None:
    ack = await sender.publish(chat_id, text)
    assert ack["success"] is True, ack
    await receiver.wait_for(lambda m: m.get("group") == chat_id and said(m) == text, 30)


async def _keep_talking(client: ChatClient, chat_id: str, sent: dict[str, int]) -> None:
    """Post a message every 50 ms until the socket goes, counting those the service acknowledged."""
    with contextlib.suppress(AssertionError, ConnectionError, RuntimeError):
        while not client.closed:
            if (await client.publish(chat_id, f"message {sent[client.name]}"))["success"]:
                sent[client.name] += 1
            await asyncio.sleep(0.05)


async def _closed(*clients: ChatClient) -> None:
    async def all_closed() -> bool:
        return all(c.closed for c in clients)

    await eventually(all_closed, timeout=30)


async def _chatting_pair(crew: Crew) -> tuple[ChatClient, ChatClient, str, str]:
    """Ada and Bob in a group chat and a private chat, having said hello in both."""
    ada = await crew("Ada").connect()
    bob = await crew("Bob").connect()
    chat_id = await create_chat(ada, "Team")
    await join(ada, chat_id)
    await join(bob, chat_id)
    await ada.event("createPrivateChat", {"targetUserId": bob.user_id})
    room = json.loads(await bob.chat_event("joinPrivateChat"))["id"]
    await _hears(bob, ada, chat_id, "hello team")
    await _hears(ada, bob, room, "hello Ada")
    return ada, bob, chat_id, room


# ---- the emulator restarts ------------------------------------------------------------------------


@pytest.mark.parametrize("crash", [True, False], ids=["killed", "stopped"])
async def test_chats_users_and_memberships_survive_an_emulator_restart(parts_factory, crews, crash: bool) -> None:
    parts = parts_factory()
    crew = crews(parts)
    ada, bob, chat_id, room = await _chatting_pair(crew)
    before = without_connections(await snapshot(parts.storage_connection_string))
    sent = {ada.name: 0, bob.name: 0}
    chatter = [asyncio.ensure_future(_keep_talking(c, g, sent)) for c, g in ((ada, chat_id), (bob, room))]

    async def chatting() -> bool:
        return all(n >= 3 for n in sent.values())

    await eventually(chatting, timeout=30)
    await asyncio.to_thread(parts.emulator.restart, crash=crash)  # while they talk
    await _closed(ada, bob)
    await asyncio.gather(*chatter)
    ada, bob = await asyncio.gather(crew.reconnect(ada), crew.reconnect(bob))

    await _hears(bob, ada, chat_id, "we are back")
    await _hears(ada, bob, room, "so we are")
    chats = {"chats": await ada.chats()}
    assert set(chats["chats"][chat_id]["members"]) == {ada.user_id, bob.user_id}
    assert chats["chats"][room]["private"] is True
    _, online = await bob.api("users")
    assert {ada.user_id, bob.user_id} <= set(online["users"])
    after = without_connections(await snapshot(parts.storage_connection_string))
    assert after == before, diff(before, after)
    for client in (ada, bob):  # connections of the old emulator are forgotten, not counted forever

        async def only_current(client: ChatClient = client) -> bool:
            return await _connections_of(parts, client.user_id) == [client.connection_id]

        await eventually(only_current, timeout=30)
    joined = [m for m in ada.received if m.get("data", {}).get("notice") == "joined"]
    assert joined == []  # coming back is not joining again


# ---- Azurite stops and comes back -----------------------------------------------------------------


async def test_the_api_answers_503_while_azurite_is_down_then_recovers_with_nothing_lost(parts_factory, crews) -> None:
    parts = parts_factory(persistent=True)
    crew = crews(parts)
    ada, bob, chat_id, _room = await _chatting_pair(crew)
    before = without_connections(await snapshot(parts.storage_connection_string))

    await asyncio.to_thread(parts.azurite.stop)
    for path in ("getToken", "users", "chats"):
        started = time.monotonic()
        status, body = await ada.api(path)
        assert status == 503 and body["error"], (path, status, body)
        assert time.monotonic() - started < 25, f"{path} took {time.monotonic() - started:.1f} s to say so"
    status, _ = await crew("Newcomer").api("getToken?guestName=Newcomer", headers={})
    assert status == 503
    frame = {"type": "event", "event": "createChat", "dataType": "json", "data": {"id": "outage-chat", "name": "x"}}
    ack, errors = await acknowledged(ada, frame)
    assert ack["success"] is True and errors and "try again" in errors[0]["message"]
    assert not ada.closed
    await _hears(bob, ada, chat_id, "storage is down but we can talk")  # messages never touch storage

    await asyncio.to_thread(parts.azurite.start)

    async def api_back() -> bool:
        return (await ada.api("chats"))[0] == 200

    await eventually(api_back, timeout=60, interval=0.5)
    after = without_connections(await snapshot(parts.storage_connection_string))
    assert after == before, diff(before, after)
    newcomer = await crew("Newcomer").connect()
    await join(newcomer, chat_id)
    await _hears(newcomer, ada, chat_id, "welcome")
    assert await create_chat(ada, "After the outage")


# ---- the Functions adapter restarts ---------------------------------------------------------------


async def test_chat_goes_on_while_the_functions_adapter_restarts_and_nothing_is_lost(parts_factory, crews) -> None:
    parts = parts_factory()
    crew = crews(parts)
    ada, bob, chat_id, room = await _chatting_pair(crew)
    before = without_connections(await snapshot(parts.storage_connection_string))

    await asyncio.to_thread(parts.functions.kill)
    await _hears(bob, ada, chat_id, "the backend is down")
    await _hears(ada, bob, room, "we can still talk")
    frame = {"type": "event", "event": "joinChat", "dataType": "text", "data": chat_id}
    ack, _ = await acknowledged(ada, frame)
    assert ack["success"] is False and ack["error"]["name"] == "InternalServerError"  # the user hears it failed
    assert not ada.closed

    await asyncio.to_thread(parts.functions.start)
    assert await create_chat(bob, "After the restart")
    after = without_connections(await snapshot(parts.storage_connection_string))
    new_rows = {k for k in after.keys() - before.keys() if k[0] == "chats"}
    assert len(new_rows) == 1
    assert {k: v for k, v in after.items() if k not in new_rows} == before
    carol = await crew("Carol").connect()
    await join(carol, chat_id)
    await _hears(carol, bob, chat_id, "hi Carol")


# ---- an event handler that hangs ------------------------------------------------------------------


class HangingProxy:
    """Sits between the emulator and the adapter; events of the users in `hang` get no answer at all."""

    def __init__(self) -> None:
        self.target = ""  # the adapter's eventHandler, once its port is known
        self.port = free_port()
        self.hang: set[str] = set()
        self.held = 0
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/eventHandler"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.method == "POST" and request.headers.get("ce-userId") in self.hang:
            self.held += 1
            await self._release.wait()
            return web.Response(status=504)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self._session.request(request.method, self.target, headers=headers, data=body) as upstream:
            passed = {
                k: v for k, v in upstream.headers.items() if k.lower() not in ("content-length", "transfer-encoding")
            }
            return web.Response(status=upstream.status, body=await upstream.read(), headers=passed)

    async def start(self) -> HangingProxy:
        self._session = aiohttp.ClientSession()
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


async def test_a_hanging_event_handler_times_out_for_its_user_and_no_one_else(tmp_path: Path, crews) -> None:
    proxy = await HangingProxy().start()
    parts = Parts.plan(tmp_path, event_handler=proxy.url, emulator_args=("--event-handler-timeout", "3"))
    proxy.target = f"{parts.functions_url}/api/eventHandler"
    try:
        parts.start()
        crew = crews(parts)
        ada, bob, chat_id, _room = await _chatting_pair(crew)
        carol = await crew("Carol").connect()
        await join(carol, chat_id)
        before = without_connections(await snapshot(parts.storage_connection_string))

        proxy.hang.add(ada.user_id)
        stuck = asyncio.ensure_future(
            acknowledged(ada, {"type": "event", "event": "userEnterIdle", "dataType": "text", "data": "x"})
        )

        async def held() -> bool:
            return proxy.held == 1

        await eventually(held, timeout=30)
        started = time.monotonic()  # while Ada's event hangs, everyone else is served as usual
        created = await create_chat(bob, "Meanwhile")
        await join(carol, created)
        await _hears(carol, bob, chat_id, "Ada is stuck, we are not")
        assert time.monotonic() - started < 3 or not stuck.done()
        ack, _ = await stuck
        assert ack["success"] is False and ack["error"]["name"] == "InternalServerError", ack
        assert not ada.closed
        await ada.event("userEnterIdle", "x")  # without an ackId the only way to tell her is to close the socket
        await _closed(ada)
        assert ada.socket.ws.close_code == 1011

        proxy.hang.clear()
        ada = await crew.reconnect(ada)
        await _hears(bob, ada, chat_id, "I am back")
        _, online = await bob.api("users")
        assert online["users"][ada.user_id]["idle"] is False  # the events that hung changed nothing
        after = without_connections(await snapshot(parts.storage_connection_string))
        assert {k for k in after.keys() - before.keys()} == {
            chat_key(created),
            membership_key(carol.user_id, created),
            member_key(created, carol.user_id),
        }
    finally:
        parts.stop()
        with contextlib.suppress(Exception):
            await proxy.stop()


async def test_a_user_who_leaves_while_the_adapter_is_down_is_not_shown_online_forever(tmp_path: Path, crews) -> None:
    """The `disconnected` event never reaches the adapter, which keeps running: its periodic repair drops the user.

    The worker lists users first, so its last repair is recent: only a later sweep of the same worker can help.
    """
    proxy = await HangingProxy().start()
    parts = Parts.plan(tmp_path, event_handler=proxy.url, emulator_args=("--event-handler-timeout", "3"))
    proxy.target = f"{parts.functions_url}/api/eventHandler"
    try:
        parts.start()
        crew = crews(parts)
        ada = await crew("Ada").connect()
        leaver = await crew("Leaver").connect()
        _, online = await ada.api("users")  # the worker repairs presence now, so the next repair is a while off
        assert leaver.user_id in online["users"]
        swept = time.monotonic()

        proxy.hang.add(leaver.user_id)  # the adapter never hears of the leaver again: `disconnected` is lost
        await leaver.close()

        async def lost() -> bool:
            return proxy.held == 1

        await eventually(lost, timeout=30)
        _, online = await ada.api("users")
        assert leaver.user_id in online["users"] or time.monotonic() - swept >= SWEEP_INTERVAL_SECONDS

        async def offline() -> bool:
            _, online = await ada.api("users")
            return leaver.user_id not in online["users"]

        await eventually(offline, timeout=SWEEP_INTERVAL_SECONDS + 15, interval=0.5)
        _, online = await ada.api("users")
        assert ada.user_id in online["users"]  # the repair dropped the dead connection only
    finally:
        parts.stop()
        with contextlib.suppress(Exception):
            await proxy.stop()
