"""Issue 15: one determined user against the running stack (real emulator, Functions adapter and Azurite).

Mallory holds a working account and does what the attack run did: replays the `ce-signature` of a
connection with another user's id, opens sockets by the hundred, floods events and sign-ups, forces
private chats on people, picks invisible names and posts oversized bodies. Each test checks that the
backend refuses, says why (with a retry hint where waiting helps), and that everyone else is served.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from typing import Any
from urllib.parse import quote

import aiohttp
import jwt
import pytest
from webpubsub_emulator.testing import JSON_PROTOCOL

from api import limits
from api.config import StorageSettings
from api.state import State
from local.stack import LOCAL_GUEST_SIGNING_KEY
from tests.chat_client import ChatClient, acquainted, create_chat, join, new_chat_id
from tests.cloud_events import event_headers, post_event
from tests.reliability.helpers import acknowledged, snapshot
from tests.reliability.parts import Parts
from tests.support import eventually

pytestmark = pytest.mark.timeout(300)


def _event(name: str, data: Any) -> dict[str, Any]:
    kind = "json" if isinstance(data, (dict, list)) else "text"
    return {"type": "event", "event": name, "dataType": kind, "data": data}


def _room(a: ChatClient, b: ChatClient) -> str:
    return "private_" + "_".join(sorted((a.user_id, b.user_id)))


def _internet_address() -> str:
    """A public address of our own for a test, so sign-up limits of other tests never meet ours."""
    return f"45.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"


async def _guest(users, name: str, address: str | None = None) -> tuple[ChatClient, dict[str, Any]]:
    """A new guest signed up from `address` (a client address as the platform forwards it)."""
    client = users(name)
    headers = {"X-Forwarded-For": address or _internet_address()}
    status, body = await client.api(f"getToken?guestName={quote(name)}", headers=headers)
    assert status == 200, body
    client.user_id = body["user"]["userId"]
    client.headers = {"X-Chatr-Guest": body["guest"]}
    return client, body


async def _state(stack: Parts) -> State:
    return await State.open(StorageSettings(stack.storage_connection_string, None))


# ---- 1. a captured ce-signature ----------------------------------------------------------------------


async def test_a_captured_signature_acts_only_as_its_own_connections_user(alive: Parts, users, barrier) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    await ada.event("createPrivateChat", {"targetUserId": bob.user_id})
    room = json.loads(await bob.chat_event("joinPrivateChat"))["id"]
    lobby = await create_chat(ada, "Ada's lobby")
    await join(ada, lobby)
    mallory = await users("Mallory").connect()
    before = await snapshot(alive.storage_connection_string)

    # Mallory replays her own connection's (connection id, signature) with Ada's user id
    forged = [
        ("joinChat", "text/plain", room),
        ("deleteChat", "text/plain", lobby),
        ("leaveChat", "application/json", json.dumps({"chatId": lobby})),
        ("createChat", "application/json", json.dumps({"id": new_chat_id(), "name": "As Ada"})),
        ("createPrivateChat", "application/json", json.dumps({"targetUserId": mallory.user_id})),
        ("userEnterIdle", "text/plain", ada.user_id),
    ]
    for event, content_type, body in forged:
        headers = {**event_headers(event, ada.user_id, mallory.connection_id), "Content-Type": content_type}
        status, reply = await post_event(alive.functions_url, headers, body)
        assert status == 200, (event, status)
        assert json.loads(reply)["chatEvent"] == "error", (event, reply)
    connected = event_headers("connected", ada.user_id, mallory.connection_id)
    connected["ce-type"] = "azure.webpubsub.sys.connected"
    await post_event(alive.functions_url, {**connected, "Content-Type": "application/json"}, "{}")
    headers = {**event_headers("joinChat", ada.user_id, mallory.connection_id), "Content-Type": "text/plain"}
    _, reply = await post_event(alive.functions_url, headers, room)
    assert json.loads(reply)["chatEvent"] == "error", "a forged connected event registered the connection"

    assert await snapshot(alive.storage_connection_string) == before
    assert (await mallory.publish(room, "I am in"))["success"] is False
    await ada.publish(room, "just us")
    await barrier(mallory, bob)
    assert mallory.group_messages(room) == []
    assert lobby not in ada.chat_events("chatDeleted")


async def test_the_same_signature_with_its_own_user_still_works(alive: Parts, users) -> None:
    mallory = await users("Mallory").connect()
    chat_id = new_chat_id()
    headers = {
        **event_headers("createChat", mallory.user_id, mallory.connection_id),
        "Content-Type": "application/json",
    }
    status, reply = await post_event(alive.functions_url, headers, json.dumps({"id": chat_id, "name": "Mine"}))
    assert status == 204, reply
    await mallory.chat_event("chatCreated", lambda d: json.loads(d)["id"] == chat_id)


# ---- 2. one user, many sockets -------------------------------------------------------------------------


async def _open(url: str, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse | int:
    """A socket, or the handshake's refusal status."""
    try:
        return await session.ws_connect(url, protocols=(JSON_PROTOCOL,))
    except aiohttp.WSServerHandshakeError as err:
        return err.status


async def _still_open(ws: aiohttp.ClientWebSocketResponse) -> bool:
    """False once the service closed it (its `disconnected` frame and close arrive first)."""
    try:
        while True:
            frame = await ws.receive(timeout=0.05)
            if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return False
    except TimeoutError:
        return not ws.closed


async def test_a_socket_storm_from_one_user_is_capped_and_stalls_nobody(alive: Parts, users) -> None:
    ada = await users("Ada").connect()
    mallory = users("Mallory")
    _, token = await mallory.api("getToken")
    async with aiohttp.ClientSession() as session:
        opened = await asyncio.gather(*(_open(token["url"], session) for _ in range(80)))
        sockets = [s for s in opened if not isinstance(s, int)]
        try:
            assert all(s == 429 for s in opened if isinstance(s, int)), [s for s in opened if isinstance(s, int)]
            # whatever got past the `connect` check together is closed again at `connected`
            settled = await eventually(
                lambda: _count_live(sockets, limits.MAX_CONNECTIONS_PER_USER), timeout=60, interval=0.2
            )
            assert settled is not None
            (live,) = settled
            started = time.monotonic()
            chat_id = await create_chat(ada, "Still fast")
            status, listed = await ada.api("users")
            assert status == 200 and ada.user_id in listed["users"]
            assert time.monotonic() - started < 10, "another user's event waited on the storm"
            assert chat_id
            status, refused = await mallory.api("getToken")
            if live == limits.MAX_CONNECTIONS_PER_USER:
                assert status == 429 and "at most" in refused["error"]
        finally:
            await asyncio.gather(*(s.close() for s in sockets))


async def _count_live(sockets: list[aiohttp.ClientWebSocketResponse], most: int) -> tuple[int] | None:
    """How many are open, once no more than `most` are (sockets of the storm may all be closed)."""
    live = sum([await _still_open(s) for s in sockets])
    return (live,) if live <= most else None


async def test_a_connection_over_the_limit_is_told_why(alive: Parts, users) -> None:
    mallory = users("Mallory")
    tabs = [await users("Mallory", user_id=mallory.user_id).connect() for _ in range(limits.MAX_CONNECTIONS_PER_USER)]
    assert all(not t.closed for t in tabs)
    status, body = await mallory.api("getToken")
    assert status == 429 and str(limits.MAX_CONNECTIONS_PER_USER) in body["error"]
    await tabs[0].close()
    await eventually(lambda: _token_status(mallory, 200), timeout=30)


async def _token_status(client: ChatClient, wanted: int) -> bool:
    status, _ = await client.api("getToken")
    return status == wanted


# ---- 3. floods ---------------------------------------------------------------------------------------------


async def test_a_flood_of_new_chats_is_rate_limited_with_a_retry_hint(alive: Parts, users, barrier) -> None:
    watcher = await users("Watcher").connect()
    mallory = await users("Mallory").connect()
    burst = limits.RATES["chats"].burst
    answers = [
        await acknowledged(mallory, _event("createChat", {"id": new_chat_id(), "name": f"Spam {i}"}))
        for i in range(burst + 10)
    ]
    refused = [errors[0] for _, errors in answers if errors]
    assert len(answers) - len(refused) <= burst + 1
    assert len(refused) >= 9
    assert all(e["retryAfter"] >= 1 and e["code"] == "rateLimited" and "again" in e["message"] for e in refused)
    await barrier(watcher, mallory)
    created = [d for d in mallory.chat_events("chatCreated") if json.loads(d)["owner"] == mallory.user_id]
    assert len(created) <= burst + 1
    assert watcher.chat_events("chatCreated") == []  # a new chat reaches its creator alone


async def test_a_user_who_keeps_flooding_is_held_back_while_everyone_else_is_served(alive: Parts, users) -> None:
    from api.quota import SHED_AFTER

    ada = await users("Ada").connect()
    mallory = await users("Mallory").connect()
    for i in range(limits.RATES["chats"].burst + SHED_AFTER):  # the burst, then refusals from memory
        await acknowledged(mallory, _event("createChat", {"id": new_chat_id(), "name": f"Spam {i}"}))
    held = asyncio.ensure_future(acknowledged(mallory, _event("createChat", {"id": new_chat_id(), "name": "More"})))
    started = time.monotonic()
    chat_id = await create_chat(ada, "Not waiting")
    assert chat_id and not held.done() and time.monotonic() - started < limits.RATES["chats"].every_seconds
    _, errors = await held
    assert errors[0]["code"] == "rateLimited" and time.monotonic() - started >= 1


async def test_idle_flapping_is_rate_limited_and_told_only_when_it_changed(alive: Parts, users, barrier) -> None:
    watcher = await users("Watcher").connect()
    mallory = await users("Mallory").connect()
    await acquainted(watcher, mallory)  # the watcher hears Mallory's presence
    for _ in range(3):
        await acknowledged(mallory, _event("userEnterIdle", mallory.user_id))  # repeats change nothing
    for i in range(30):
        await acknowledged(mallory, _event("userExitIdle" if i % 2 else "userEnterIdle", mallory.user_id))
    await barrier(watcher)
    flips = [d for e in ("userIsIdle", "userNotIdle") for d in watcher.chat_events(e) if d == mallory.user_id]
    assert 1 <= len(flips) <= limits.RATES["idle"].burst + 1


async def test_a_second_tab_learns_it_is_online_without_telling_everyone_again(alive: Parts, users, barrier) -> None:
    watcher = await users("Watcher").connect()
    ada = await users("Ada").connect()
    await acquainted(watcher, ada)
    second = await users("Ada", user_id=ada.user_id).connect()  # waits for its own userOnline
    assert any(ada.user_id in d for d in second.chat_events("userOnline"))
    await barrier(watcher)
    assert [d for d in watcher.chat_events("userOnline") if ada.user_id in d] == []  # told by `contacts`, once


async def test_guest_sign_ups_from_one_address_are_rate_limited(alive: Parts, users) -> None:
    address = _internet_address()
    statuses, retry = [], None
    async with aiohttp.ClientSession() as session:
        for i in range(limits.GUEST_SIGNUPS.burst + 5):
            url = f"{alive.functions_url}/api/getToken?guestName=Flood{i}"
            async with session.get(url, headers={"X-Forwarded-For": address}) as response:
                statuses.append(response.status)
                if response.status == 429:
                    retry = response.headers.get("Retry-After")
                    assert "again" in (await response.json())["error"]
    assert statuses.count(200) <= limits.GUEST_SIGNUPS.burst + 1 and 429 in statuses
    assert retry is not None and int(retry) >= 1
    await _guest(users, "Elsewhere")  # another address is not affected


async def test_nobody_owns_more_chats_than_the_cap(alive: Parts, users) -> None:
    ada = await users("Ada").connect()
    state = await _state(alive)
    try:
        account = await state.get_account(ada.user_id)
        assert account is not None
        full = account.limits.with_owned(limits.MAX_OWNED_CHATS)
        assert await state.save_limits(ada.user_id, full, account.limits_etag)
    finally:
        await state.close()
    _, errors = await acknowledged(ada, _event("createChat", {"id": new_chat_id(), "name": "One too many"}))
    assert errors and errors[0]["code"] == "limitReached" and str(limits.MAX_OWNED_CHATS) in errors[0]["message"]


async def test_the_chat_list_comes_in_pages_and_the_people_list_is_bounded(alive: Parts, users) -> None:
    ada = await users("Ada").connect()
    mine = await create_chat(ada, "Mine")
    await join(ada, mine)
    state = await _state(alive)
    try:
        from api.models import Chat

        await asyncio.gather(
            *(state.create_chat(Chat(new_chat_id(), f"Seeded {i}", "seed")) for i in range(limits.CHATS_PAGE + 20))
        )
    finally:
        await state.close()
    status, first = await ada.api("chats")
    assert status == 200 and first["next"]
    assert len(first["chats"]) <= limits.CHATS_PAGE
    seen, cursor = dict(first["chats"]), first["next"]
    while cursor:
        status, page = await ada.api(f"chats?after={quote(cursor)}")
        assert status == 200 and len(page["chats"]) <= limits.CHATS_PAGE
        assert not set(page["chats"]) & set(seen)
        seen.update(page["chats"])
        cursor = page["next"]
    assert len(seen) >= limits.CHATS_PAGE + 21 and seen[mine]["members"][ada.user_id]["userName"] == "Ada"
    status, people = await ada.api("users")
    assert status == 200 and len(people["users"]) <= 1 + limits.MAX_CONTACTS + limits.RECENT_PEOPLE


# ---- 4. names come from the server -------------------------------------------------------------------------


async def test_any_senders_public_profile_can_be_fetched_by_id_online_or_not(alive: Parts, users) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    status, body = await ada.api(f"users?id={bob.user_id}")
    assert status == 200 and body["user"]["online"] is True
    await bob.close()

    async def offline() -> dict[str, Any] | None:
        _, body = await ada.api(f"users?id={bob.user_id}")
        return body["user"] if body["user"]["online"] is False else None

    profile = await eventually(offline)
    expected = {"userId": bob.user_id, "userName": "Bob", "userProvider": "github", "online": False, "idle": False}
    assert profile == expected
    status, body = await ada.api("users?id=nobody-at-all")
    assert status == 404 and body["error"]


# ---- 5. private chats and blocks ------------------------------------------------------------------------------


async def test_a_blocked_user_seems_to_reach_you_in_private_but_never_does(alive: Parts, users, barrier) -> None:
    ada = await users("Ada").connect()
    mallory = await users("Mallory").connect()
    await mallory.event("createPrivateChat", {"targetUserId": ada.user_id})
    room = json.loads(await ada.chat_event("joinPrivateChat"))["id"]
    _, errors = await acknowledged(ada, _event("blockUser", mallory.user_id))
    assert errors == []
    assert (await ada.chat_event("blockList"))["blocked"] == [mallory.user_id]

    sent = await mallory.publish(room, "can you hear me?")  # issue 22: it seems sent, and only she hears it
    assert sent["success"] is True
    await mallory.wait_for(lambda m: m.get("from") == "server" and m["data"].get("entry", {}).get("seq") == sent["seq"])
    for event in (_event("createPrivateChat", {"targetUserId": ada.user_id}), _event("joinChat", room)):
        _, errors = await acknowledged(mallory, event)
        assert errors == []  # nothing tells her
    await barrier(ada)
    assert len(ada.chat_events("joinPrivateChat")) == 1
    assert not any("entry" in m["data"] for m in ada.group_messages(room))
    status, page = await ada.api(f"chats/{room}/messages")
    assert status == 200 and page["entries"] == [] and mallory.chat_events("blockList") == []

    status, token = await users("Ada", user_id=ada.user_id).api("getToken")  # a reload
    assert status == 200 and token["blocked"] == [mallory.user_id]
    _, errors = await acknowledged(ada, _event("unblockUser", mallory.user_id))
    assert errors == [] and (await ada.chat_event("blockList", lambda d: d["blocked"] == []))["blocked"] == []


async def test_leaving_and_blocking_keeps_you_out_of_a_private_chat_however_often_they_try(
    alive: Parts, users, barrier
) -> None:
    ada = await users("Ada").connect()
    mallory = await users("Mallory").connect()
    await mallory.event("createPrivateChat", {"targetUserId": ada.user_id})
    room = json.loads(await ada.chat_event("joinPrivateChat"))["id"]
    _, errors = await acknowledged(ada, _event("leaveChat", {"chatId": room}))
    assert errors == []
    listed = {"chats": await ada.chats()}
    assert room not in listed["chats"]  # a reload does not reopen it
    _, errors = await acknowledged(ada, _event("blockUser", mallory.user_id))
    assert errors == []
    for _ in range(3):
        await acknowledged(mallory, _event("createPrivateChat", {"targetUserId": ada.user_id}))
    await mallory.publish(room, "come back")
    await barrier(ada)
    assert len(ada.chat_events("joinPrivateChat")) == 1
    assert [m["data"].get("notice") for m in ada.group_messages(room)] == ["wantsToChat"]  # nothing since she left
    # unblocked, Ada opens it again herself: both are in
    await acknowledged(ada, _event("unblockUser", mallory.user_id))
    await ada.event("createPrivateChat", {"targetUserId": mallory.user_id})
    await ada.chat_event("joinPrivateChat", lambda d: json.loads(d)["grabFocus"])
    assert (await ada.publish(room, "hi again"))["success"] is True


async def test_private_chat_invitations_are_rate_limited(alive: Parts, users, barrier) -> None:
    victim = await users("Victim").connect()
    attackers = [await users(f"Mallory {i}").connect() for i in range(2)]
    for attacker in attackers:
        for _ in range(limits.RATES["private"].burst + 5):
            await acknowledged(attacker, _event("createPrivateChat", {"targetUserId": victim.user_id}))
    await barrier(victim)
    assert len(victim.chat_events("joinPrivateChat")) <= len(attackers)


# ---- 6. names ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["\u200b\u200b", "\u3164", "\u2800", "A\u200bda", "Ada\u200e", "Ada\U000e0041", "x\u2028y"]
)
async def test_invisible_and_look_alike_names_are_refused_for_guests_and_chats(alive: Parts, users, name: str) -> None:
    status, body = await users("Probe").api(
        f"getToken?guestName={quote(name)}", headers={"X-Forwarded-For": _internet_address()}
    )
    assert status == 400 and body["error"]
    ada = await users("Ada").connect()
    chat_id = new_chat_id()
    _, errors = await acknowledged(ada, _event("createChat", {"id": chat_id, "name": name}))
    assert errors and errors[0]["chatId"] == chat_id


# ---- 7. oversized requests, and guest credentials --------------------------------------------------------


def _post_declaring(port: int, length: int) -> tuple[int, bytes, float]:
    """POST to the event handler declaring a huge body but sending only its first bytes: the answer comes anyway."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = (
            f"POST /api/eventHandler HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"ce-type: azure.webpubsub.user.createChat\r\nContent-Length: {length}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"{" * 1024)
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(65536)
            if not chunk:
                break
            response += chunk
    status = int(response.split(b" ", 2)[1]) if response else 0
    return status, response, time.monotonic() - started


@pytest.mark.parametrize("size", [2 * 1024 * 1024, 101 * 1024 * 1024, 2 * 1024 * 1024 * 1024])
async def test_a_body_over_a_megabyte_is_refused_before_it_is_read(alive: Parts, size: int) -> None:
    status, response, _ = await asyncio.to_thread(_post_declaring, alive.ports.functions, size)
    assert status == 413, response[:300]
    assert b"Traceback" not in response


async def test_guest_credentials_are_short_lived_and_refreshed(alive: Parts, users) -> None:
    guest, body = await _guest(users, "Grace")
    claims = jwt.decode(body["guest"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 24 * 3600
    now = int(time.time())
    old = jwt.encode(
        {**claims, "iat": now - 13 * 3600, "exp": now + 11 * 3600}, LOCAL_GUEST_SIGNING_KEY, algorithm="HS256"
    )
    status, refreshed = await guest.api("getToken", headers={"X-Chatr-Guest": old})
    assert status == 200 and refreshed["guest"]
    fresh = jwt.decode(refreshed["guest"], options={"verify_signature": False})
    assert fresh["sub"] == claims["sub"] and fresh["iat"] >= now
    status, again = await guest.api("getToken")
    assert status == 200 and "guest" not in again  # a credential in its first half is kept


async def test_logout_ends_a_guests_credential_and_connections(alive: Parts, users) -> None:
    guest, _ = await _guest(users, "Lou")
    await guest.connect()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{alive.functions_url}/api/logout", headers=guest.headers) as response,
    ):
        assert response.status == 204
    goodbye = await guest.wait_for(lambda m: m.get("type") == "system" and m.get("event") == "disconnected", timeout=30)
    assert "logged out" in goodbye["message"].lower()
    status, body = await guest.api("getToken")
    assert status == 401 and body["error"]
    status, _ = await guest.api("chats")
    assert status == 401
