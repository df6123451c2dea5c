"""Presence storm: 500 users connect within seconds, chat, then half of them leave; every list must end up right.

Runs `make run`'s backend (Azurite in memory, the emulator, the Functions adapter; no SWA CLI) and
drives scripted users that do what the browser does: get a token, open the socket, send
`userConnected`, load `/api/users` and `/api/chats?mine=1`, and keep their "Online Users" list the
way `client/js/session.js` does: the snapshot, with every presence event received since the socket
opened applied on top in order (`userOnline`, `userOffline`, and `contacts`, which adds the online
people gained and drops the people lost; a `userOffline` about themselves while connected makes
them announce again, and they always list themselves). Presence reaches contacts only, so what
each list must show is its owner's chatmates (each chat is small enough for its members to be
contacts) who are connected.

Then: a few chats are created (their ids handed out, as a search would find them), everyone joins
one and posts a message, and half the users close their socket at once. The figures are how long
until every client listed its chatmates who are connected (after the joins, and after the
disconnects), and how many clients were still wrong when the wait ended (the target: none). The
server's own `/api/users` is checked against the truth too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import aiohttp
from webpubsub_emulator.testing import JSON_PROTOCOL, event_frame

from bench import wsclient
from bench.report import Row, Section, progress
from bench.servers import raise_fd_limit, start_stack
from local.harness import swa_principal

SETTLE_TIMEOUT = 90.0
STEP_TIMEOUT = 120.0


@dataclass(frozen=True)
class Sizes:
    users: int
    arrival_seconds: float  # every user starts connecting within this window
    chats: int


FULL = Sizes(users=500, arrival_seconds=3.0, chats=25)
QUICK = Sizes(users=20, arrival_seconds=0.5, chats=2)


class User:
    """One browser tab's presence logic, without the browser."""

    def __init__(self, number: int, api: str, http: aiohttp.ClientSession) -> None:
        self.user_id = f"storm-{number:04d}-{uuid.uuid4().hex[:6]}"
        self.name = f"Storm {number}"
        self.api = api
        self.http = http
        self.headers = {"x-ms-client-principal": swa_principal(self.user_id, self.name)}
        self.socket: wsclient.Socket | None = None
        self.view: dict[str, Any] | None = None  # None until the snapshot arrived
        self._missed: list[tuple[str, Any]] = []
        self.events = 0
        self.reannounced = 0
        self.group_messages = 0
        self.chats_seen: set[str] = set()
        self.joined: set[str] = set()
        self.acked: set[int] = set()
        self.chatmates: set[str] = set()  # the other members of the chat this user joins: their contacts

    async def get(self, path: str) -> Any:
        async with self.http.get(f"{self.api}/api/{path}", headers=self.headers) as response:
            body = await response.json(content_type=None)
            if response.status != 200:
                raise RuntimeError(f"{self.name}: GET /api/{path} answered {response.status}: {body}")
            return body

    @property
    def open(self) -> bool:
        return self.socket is not None and not self.socket.closed.done()

    def send_event(self, name: str, data: Any, ack_id: int | None = None) -> None:
        assert self.socket is not None
        self.socket.send_text(json.dumps(event_frame(name, data, ack_id=ack_id)))

    def post(self, chat_id: str, text: str) -> None:
        """A chat message, sent as the browser sends it: an event the server numbers, keeps and sends to the chat."""
        self.send_event("sendMessage", {"chatId": chat_id, "id": uuid.uuid4().hex, "text": text})

    def announce(self) -> None:
        self.send_event("userConnected", {"userName": self.name, "userProvider": "github"})

    def on_frame(self, payload: bytes) -> None:
        if b'"type":"ack"' in payload:
            self.acked.add(json.loads(payload)["ackId"])
            return
        told = b'"from":"group"' in payload and b'"fromUserId":null' in payload and b'"chatEvent"' in payload
        if b'"from":"group"' in payload and not told:  # a post or a notice (a server event to a group is told)
            if b'"entry":' in payload:  # a post the server numbered, not a notice
                self.group_messages += 1
            elif self.user_id.encode() in payload:
                frame = json.loads(payload)
                if frame["data"].get("notice") == "joined" and frame["data"].get("userId") == self.user_id:
                    self.joined.add(frame["group"])
            return
        if b'"from":"server"' not in payload and not told:
            return
        event = json.loads(payload).get("data")
        kind = event.get("chatEvent") if isinstance(event, dict) else None
        if kind == "chatCreated":
            self.chats_seen.add(json.loads(event["data"])["id"])
        if kind not in ("userOnline", "userOffline", "contacts"):
            return
        self.events += 1
        item = (kind, event.get("data"))
        if self.view is None:
            self._missed.append(item)
        else:
            self._apply(item)

    def _apply(self, item: tuple[str, Any]) -> None:
        assert self.view is not None
        kind, data = item
        if kind == "contacts":
            self.view.update({uid: user for uid, user in data["added"].items() if user["online"]})
            for gone in data["removed"]:
                self.view.pop(gone, None)
        elif kind == "userOnline":
            user = json.loads(data) if isinstance(data, str) else data
            self.view[user["userId"]] = user
        elif data == self.user_id and self.open:
            self.reannounced += 1
            self.announce()  # the server lost track of this open connection: tell it again
        else:
            self.view.pop(data, None)

    async def connect(self) -> None:
        token = await self.get("getToken")
        self.socket = await wsclient.connect(token["url"], (JSON_PROTOCOL,), self.on_frame, first_frame=True)
        self.announce()
        users, _ = await asyncio.gather(self.get("users"), self.get("chats?mine=1"))
        self.view = dict(users["users"])
        missed, self._missed = self._missed, []
        for item in missed:
            self._apply(item)
        self.view.setdefault(self.user_id, {"userId": self.user_id, "userName": self.name})

    def wrong(self, online: set[str]) -> int:
        """How many of this client's chatmates (and itself) its list shows wrong, given who is connected."""
        truth = (self.chatmates | {self.user_id}) & online
        return len((set(self.view or {}) & (self.chatmates | {self.user_id})) ^ truth)


async def until(condition: Callable[[], bool], what: str, timeout: float = STEP_TIMEOUT) -> None:
    """Wait for a condition the scripted users' callbacks make true; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        await asyncio.sleep(0.02)


async def _until_right(users: list[User], truth: set[str], timeout: float) -> tuple[float, int]:
    """Seconds until every client's list equals the truth, and how many are still wrong at the end."""
    started = time.monotonic()
    while True:
        wrong = sum(1 for u in users if u.wrong(truth))
        elapsed = time.monotonic() - started
        if wrong == 0 or elapsed > timeout:
            return elapsed, wrong
        await asyncio.sleep(0.02)


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    section = Section(
        "presence_storm",
        f"Presence storm ({sizes.users} users, then half leave)",
        notes=[
            "scripted users keep their list as client/js/app.js does (snapshot plus every presence event since the "
            f"socket opened); correctness is checked every 20 ms against who is really connected, for up to "
            f"{SETTLE_TIMEOUT:g} s"
        ],
    )
    raise_fd_limit(sizes.users * 4 + 1000)
    async with AsyncExitStack() as exits:
        local = await start_stack(exits, "presence_storm")
        connector = aiohttp.TCPConnector(limit=200)
        timeout = aiohttp.ClientTimeout(total=STEP_TIMEOUT)
        http = await exits.enter_async_context(aiohttp.ClientSession(connector=connector, timeout=timeout))
        users = [User(i, local.functions_url, http) for i in range(sizes.users)]
        exits.push_async_callback(lambda: wsclient.close_all([u.socket for u in users if u.socket]))

        async def arrive(user: User, delay: float) -> float:
            await asyncio.sleep(delay)
            await user.connect()
            return time.monotonic()

        # the storm: every user starts within the arrival window, evenly spread
        started = time.monotonic()
        spacing = sizes.arrival_seconds / sizes.users
        finished = await asyncio.gather(*(arrive(u, i * spacing) for i, u in enumerate(users)))
        storm = max(finished) - started
        everyone = {u.user_id for u in users}
        progress(
            f"presence storm: {sizes.users} arrived within {sizes.arrival_seconds:g} s, all connected after "
            f"{storm:.1f} s"
        )

        # chat: a few chats (each owner hears of its own; the others are handed the ids, as a search
        # would find them), everyone joins one (as the browser does, it waits for its own "joined"):
        # chatmates become contacts; then everyone posts once
        chat_ids = [str(uuid.uuid4()) for _ in range(sizes.chats)]
        for owner, chat_id in zip(users, chat_ids, strict=False):
            owner.send_event("createChat", {"name": f"Storm chat {chat_id[:4]}", "id": chat_id})
        await until(lambda: all(c in o.chats_seen for o, c in zip(users, chat_ids, strict=False)), "chatCreated")
        joining = time.monotonic()
        for index, user in enumerate(users):
            user.chatmates = {u.user_id for u in users[index % len(chat_ids) :: len(chat_ids)]} - {user.user_id}
            user.send_event("joinChat", chat_ids[index % len(chat_ids)])
        await until(lambda: all(u.joined for u in users), "every joinChat being confirmed")
        connect_settled, connect_wrong = await _until_right(users, everyone, SETTLE_TIMEOUT)
        lists_right = time.monotonic() - joining
        progress(f"presence storm: every list right {lists_right:.1f} s after the joins began ({connect_wrong} wrong)")
        members = [len(users[i :: len(chat_ids)]) for i in range(len(chat_ids))]
        expected = sum(m * m for m in members)  # every member gets every post of its chat, their own included
        for index, user in enumerate(users):
            user.post(chat_ids[index % len(chat_ids)], f"hello from {user.name}")
        with contextlib.suppress(TimeoutError):  # what was not delivered shows in the row
            await until(lambda: sum(u.group_messages for u in users) >= expected, "every post arriving", 30)
        delivered = sum(u.group_messages for u in users)

        leaving, staying = users[::2], users[1::2]
        started = time.monotonic()
        await wsclient.close_all([u.socket for u in leaving if u.socket])
        remaining = {u.user_id for u in staying}
        _, wrong = await _until_right(staying, remaining, SETTLE_TIMEOUT)
        settled_from_close = time.monotonic() - started
        first = staying[0]
        server_view = set((await first.get("users"))["users"]) & (first.chatmates | {first.user_id})
        server_wrong = len(server_view ^ ((first.chatmates | {first.user_id}) & remaining))
        progress(
            f"presence storm: {len(leaving)} left; remaining lists right {settled_from_close:.2f} s after the closes "
            f"began ({wrong} wrong); server list off by {server_wrong}"
        )
    section.raw = {
        "users": sizes.users,
        "arrival_seconds": sizes.arrival_seconds,
        "connect_seconds": storm,
        "connect_settled_seconds": connect_settled,
        "connect_wrong": connect_wrong,
        "leave_settled_seconds": settled_from_close,
        "leave_wrong": wrong,
        "server_wrong": server_wrong,
        "reannounced": sum(u.reannounced for u in users),
        "presence_events": sum(u.events for u in users),
        "group_messages_delivered": delivered,
        "group_messages_expected": expected,
    }
    section.add(
        Row(
            f"{sizes.users} users connected (token, socket, userConnected, lists)",
            storm,
            "s",
            note=f"all starting within {sizes.arrival_seconds:g} s",
        ),
        Row(
            "time until every client lists its chatmates who are online",
            lists_right,
            "s",
            note=f"from the first joinChat ({sizes.chats} chats)",
        ),
        Row(
            f"time until the {len(staying)} remaining lists are right",
            settled_from_close,
            "s",
            note=f"after {len(leaving)} closed at once",
        ),
        Row("clients with a wrong final user list", wrong + connect_wrong, target="0", met=wrong + connect_wrong == 0),
        Row("server's online list: wrong entries", server_wrong, "", target="0", met=server_wrong == 0),
        Row(
            "chat messages delivered while storming",
            delivered,
            baseline=expected,
            ratio=delivered / expected,
            target="all",
            met=delivered == expected,
            note=f"{sizes.users} posts to {sizes.chats} chats; baseline: deliveries expected",
        ),
    )
    section.add(Row("presence events received per client", sum(u.events for u in users) / len(users), ""))
    return section


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "presence_storm", *sys.argv[1:]]))
