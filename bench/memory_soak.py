"""Memory soak: a hundred people chat in ten chats for minutes while visitors come and go; memory must stay flat.

Runs `make run`'s backend (Azurite keeping its data on disk, the emulator, the Functions adapter;
no SWA CLI) and drives the presence storm's scripted users. Everyone joins a chat and posts about
once a second; a few visitors at a time connect, join a chat, post, leave it and close their tab,
over and over. After a warm-up the resident memory of each part (its whole process tree) is read,
and again after the measured period: the target is growth under 40 MB each, however many
messages and visitors went through. Every post must also reach every member of its chat.

`make soak` runs the long form of the reliability suite; this is where the memory target lives.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp

from bench import wsclient
from bench.presence_storm import User, until
from bench.report import Row, Section, progress, tree_rss_mb
from bench.servers import raise_fd_limit, start_stack

GROWTH_LIMIT_MB = 40.0  # generous: flat means no growth with the number of messages or visitors
STEP_TIMEOUT = 120.0


@dataclass(frozen=True)
class Sizes:
    users: int
    chats: int
    visitors_at_once: int
    warmup_seconds: float
    measured_seconds: float


FULL = Sizes(users=100, chats=10, visitors_at_once=3, warmup_seconds=45.0, measured_seconds=180.0)
QUICK = Sizes(users=10, chats=2, visitors_at_once=1, warmup_seconds=2.0, measured_seconds=3.0)


@dataclass
class Room:
    chat_id: str
    members: list[User]
    posts: int = 0  # posts sent to the chat so far, by members and visitors


@dataclass
class Crowd:
    """Where users come from: the API, one shared HTTP session, and a running number for names."""

    api: str
    http: aiohttp.ClientSession
    numbers: itertools.count[int]

    def user(self) -> User:
        return User(next(self.numbers), self.api, self.http)


_ack_ids = itertools.count(1)


async def request(user: User, event: str, data: object) -> None:
    """Send a user event and wait until the service acknowledges it (the event handler has answered)."""
    ack_id = next(_ack_ids)
    user.send_event(event, data, ack_id)
    await until(lambda: ack_id in user.acked, f"{user.name}'s {event} being acknowledged", STEP_TIMEOUT)


async def chatter(user: User, room: Room, until_time: float, rng: random.Random) -> None:
    """Post about once a second until the time is up."""
    for seq in itertools.count():
        if time.monotonic() >= until_time:
            return
        user.post(room.chat_id, f"{user.name}: {seq}")
        room.posts += 1
        await asyncio.sleep(rng.uniform(0.5, 1.5))


async def visitors(crowd: Crowd, rooms: list[Room], until_time: float, rng: random.Random) -> int:
    """People who connect, join a chat, post once, leave it and close the tab, over and over."""
    cycles = 0
    while time.monotonic() < until_time:
        room = rng.choice(rooms)
        visitor = crowd.user()
        await visitor.connect()
        try:
            await request(visitor, "joinChat", room.chat_id)
            visitor.post(room.chat_id, "just passing through")
            room.posts += 1
            await request(visitor, "leaveChat", {"chatId": room.chat_id})
        finally:
            assert visitor.socket is not None
            await visitor.socket.close()
        cycles += 1
    return cycles


async def talk(crowd: Crowd, rooms: list[Room], sizes: Sizes, seconds: float, seed: int) -> int:
    """Everyone chats, and visitors churn, for this long; how many visitors came and went."""
    rng = random.Random(seed)
    until_time = time.monotonic() + seconds
    talkers = [chatter(u, r, until_time, random.Random(rng.random())) for r in rooms for u in r.members]
    churn = [visitors(crowd, rooms, until_time, random.Random(rng.random())) for _ in range(sizes.visitors_at_once)]
    _, cycles = await asyncio.gather(asyncio.gather(*talkers), asyncio.gather(*churn))  # all at the same time
    return sum(cycles)


def undelivered(rooms: list[Room]) -> int:
    """Posts still missing at the members of each chat (every member receives its own posts too)."""
    return sum(max(0, room.posts - user.group_messages) for room in rooms for user in room.members)


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    section = Section(
        "memory_soak",
        f"Memory soak ({sizes.users} users in {sizes.chats} chats, {sizes.measured_seconds:g} s measured)",
        notes=[
            f"resident memory of each part's process tree after a {sizes.warmup_seconds:g} s warm-up and again "
            f"after {sizes.measured_seconds:g} s more of chat, while visitors come and go "
            f"({sizes.visitors_at_once} at a time)"
        ],
    )
    raise_fd_limit(sizes.users * 4 + 1000)
    async with AsyncExitStack() as exits:
        data_dir = Path(exits.enter_context(tempfile.TemporaryDirectory(prefix="chatr-soak-")))
        local = await start_stack(exits, "memory_soak", data_dir=data_dir)
        http = await exits.enter_async_context(
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100), timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT)
            )
        )
        crowd = Crowd(local.functions_url, http, itertools.count())
        people = [crowd.user() for _ in range(sizes.users)]
        exits.push_async_callback(lambda: wsclient.close_all([p.socket for p in people if p.socket]))
        await asyncio.gather(*(p.connect() for p in people))
        rooms = [Room(str(uuid.uuid4()), people[i :: sizes.chats]) for i in range(sizes.chats)]
        for room in rooms:
            await request(room.members[0], "createChat", {"name": f"Soak {room.chat_id[:4]}", "id": room.chat_id})
        await asyncio.gather(*(request(u, "joinChat", r.chat_id) for r in rooms for u in r.members))

        warm_visitors = await talk(crowd, rooms, sizes, sizes.warmup_seconds, seed=1)
        await until(lambda: undelivered(rooms) == 0, "every warm-up post arriving", STEP_TIMEOUT)
        before = {name: tree_rss_mb(process.pid) for name, process in local.stack.processes.items()}
        posts_before = sum(room.posts for room in rooms)
        progress(f"memory soak: warmed up ({posts_before} posts, {warm_visitors} visitors); measuring")

        started = time.monotonic()
        measured_visitors = await talk(crowd, rooms, sizes, sizes.measured_seconds, seed=2)
        elapsed = time.monotonic() - started
        try:
            await until(lambda: undelivered(rooms) == 0, "every post arriving", STEP_TIMEOUT)
        except TimeoutError as err:  # what was not delivered shows in the row
            progress(f"memory soak: {err}")
        missing = undelivered(rooms)
        after = {name: tree_rss_mb(process.pid) for name, process in local.stack.processes.items()}
    posts = sum(room.posts for room in rooms) - posts_before
    progress(f"memory soak: {posts} posts and {measured_visitors} visitors in {elapsed:.0f} s; {missing} missing")
    section.notes.append(f"measured: {posts} posts and {measured_visitors} visitors in {elapsed:.0f} s")
    section.raw = {
        "sizes": asdict(sizes),
        "measured_seconds": elapsed,
        "posts": posts,
        "visitors": measured_visitors,
        "undelivered": missing,
        "rss_mb_before": before,
        "rss_mb_after": after,
    }
    section.add(
        *(
            Row(
                f"{name}: memory growth while measured",
                after[name] - before[name],
                "MB",
                baseline=before[name],
                target=f"< {GROWTH_LIMIT_MB:g} MB",
                met=after[name] - before[name] < GROWTH_LIMIT_MB,
                note="baseline: MB after the warm-up",
            )
            for name in before
        ),
        Row("posts not delivered to a member", missing, target="0", met=missing == 0),
    )
    return section


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "memory_soak", *sys.argv[1:]]))
