"""Flood: one user sends every event that writes or broadcasts as fast as the service takes them; the others stay fast.

One local stack (Azurite in memory, the emulator, the Functions adapter), users signed in as the
site would sign them in. Quiet users take turns to join or leave a chat of their own, one event in
flight at a time, and time each event until its ack (the emulator acks once the handler answered). In the flood
phases one attacker holds as many sockets as the backend lets one user open, and every socket sends
createChat, joinChat, userEnterIdle/userExitIdle, createPrivateChat and blockUser in turn, each as
soon as the previous one was answered. Phases alternate (quiet, flood, quiet, flood) so a busy
neighbour on the machine hits both alike; p50 is the median of the phases' p50s.

Besides the latency: how many events the attacker got through, and how many broadcasts of theirs
reached everyone (each is one Web PubSub message per user online, what a flood would bill). The
backend answers a user who keeps sending while refused only after the wait it names (api/quota.py):
the attacker's sockets stall, and nobody else waits on them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from webpubsub_emulator.testing import JSON_PROTOCOL

from api.limits import MAX_CONNECTIONS_PER_USER
from bench import wsclient
from bench.report import Row, Section, at_most, median, percentile, progress
from bench.servers import raise_fd_limit, start_stack
from local.harness import gather_bounded, swa_principal

P50_TARGET = 1.5
ATTACKER_EVENTS = ("createChat", "joinChat", "userEnterIdle", "userExitIdle", "createPrivateChat", "blockUser")
BROADCASTS = ("chatCreated", "userIsIdle", "userNotIdle")


@dataclass(frozen=True)
class Sizes:
    users: int
    samples: int  # timed events per quiet user and phase (the membership rate allows 30 at once, then 1 a second)
    rounds: int  # quiet + flood pairs


FULL = Sizes(users=20, samples=8, rounds=2)
QUICK = Sizes(users=3, samples=3, rounds=1)


class Client:
    """One socket of a signed-in user: sends events with ackIds, times them, counts what it hears."""

    def __init__(self, user_id: str, name: str) -> None:
        self.user_id = user_id
        self.name = name
        self.headers = {"x-ms-client-principal": swa_principal(user_id, name)}
        self.socket: wsclient.Socket | None = None
        self.acks = wsclient.Acks()
        self.heard: Counter[str] = Counter()  # server chatEvents, by name
        self.refusals: Counter[str] = Counter()  # error codes of the replies to our events

    def on_frame(self, payload: bytes) -> None:
        frame = json.loads(payload)
        if frame.get("type") == "ack":
            self.acks.settle(frame)
        elif frame.get("from") == "server" and isinstance(frame.get("data"), dict):
            event = frame["data"].get("chatEvent", "")
            self.heard[event] += 1
            if event == "error":
                self.refusals[frame["data"]["data"].get("code", "")] += 1

    async def token(self, http: aiohttp.ClientSession, api: str) -> str:
        async with http.get(f"{api}/api/getToken", headers=self.headers) as response:
            token = await response.json()
            if response.status != 200:
                raise RuntimeError(f"{self.name}: getToken answered {response.status}: {token}")
        return str(token["url"])

    async def open(self, http: aiohttp.ClientSession, api: str, url: str | None = None) -> None:
        """Connect (with `url`, a token fetched before, or a new one) and announce."""
        self.socket = await wsclient.connect(url or await self.token(http, api), (JSON_PROTOCOL,), self.on_frame, True)
        await self.event("userConnected", {})

    async def event(self, name: str, data: Any) -> float:
        """Send an event; seconds until the service acknowledged it (ConnectionError if the socket closes first)."""
        assert self.socket is not None
        try:
            ack, seconds = await self.acks.send(self.socket, name, data)
        except ConnectionError as err:
            raise ConnectionError(f"{self.name}: {err}") from None
        if not ack.get("success"):
            raise RuntimeError(f"{self.name}: {name} failed: {ack.get('error')}")
        return seconds


@dataclass
class Phases:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"quiet": [], "flood": []})
    phase_p50: dict[str, list[float]] = field(default_factory=lambda: {"quiet": [], "flood": []})
    flood_seconds: float = 0.0
    attacker: Counter[str] = field(default_factory=Counter)


async def _quiet_phase(users: list[Client], chats: dict[str, str], sizes: Sizes) -> list[float]:
    """The quiet users take turns to leave or join their chat: one event in flight, so its time is service time."""
    samples = []
    for i in range(sizes.samples):
        for user in users:
            chat_id = chats[user.user_id]
            if i % 2 == 0:
                samples.append(await user.event("leaveChat", {"chatId": chat_id}))
            else:
                samples.append(await user.event("joinChat", chat_id))
    if sizes.samples % 2:
        for user in users:
            await user.event("joinChat", chats[user.user_id])  # back in, for the next phase
    return samples


async def _attack(socket: Client, victim: str, stop: asyncio.Event, counts: Counter[str]) -> None:
    """Send the flood's events in turn, each as soon as the last was answered, until told to stop."""
    for number in itertools.count():
        if stop.is_set():
            return
        name = ATTACKER_EVENTS[number % len(ATTACKER_EVENTS)]
        data: Any = {
            "createChat": {"id": str(uuid.uuid4()), "name": f"Flood {number}"},
            "joinChat": str(uuid.uuid4()),
            "userEnterIdle": "",
            "userExitIdle": "",
            "createPrivateChat": {"targetUserId": victim},
            "blockUser": victim,
        }[name]
        await socket.event(name, data)
        counts["events answered"] += 1


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    section = Section(
        "flood",
        f"Flood (1 user on {MAX_CONNECTIONS_PER_USER} sockets vs {sizes.users} quiet users)",
        notes=[
            f"{sizes.rounds} quiet and {sizes.rounds} flood phases, alternating; the quiet users take turns, "
            f"{sizes.samples} join/leave events each per phase, one in flight; p50 = median of the phases' p50s",
            "the attacker's sockets each send createChat, joinChat, idle on/off, createPrivateChat and blockUser "
            "in turn, the next as soon as the last was answered",
        ],
    )
    raise_fd_limit(4096)
    measured = Phases()
    async with AsyncExitStack() as exits:
        local = await start_stack(exits, "flood")
        http = await exits.enter_async_context(aiohttp.ClientSession())
        users = [Client(f"quiet-{i:03d}-{uuid.uuid4().hex[:6]}", f"Quiet {i}") for i in range(sizes.users)]
        attacker_id = f"flood-{uuid.uuid4().hex[:8]}"
        attacker = [Client(attacker_id, "Flooder") for _ in range(MAX_CONNECTIONS_PER_USER)]
        everyone = [*users, *attacker]
        exits.push_async_callback(lambda: wsclient.close_all([c.socket for c in everyone if c.socket]))
        url = await attacker[0].token(http, local.functions_url)  # one token is good for many connections
        await gather_bounded([c.open(http, local.functions_url, url if c in attacker else None) for c in everyone], 10)
        chats = {u.user_id: str(uuid.uuid4()) for u in users}
        for user in users:
            await user.event("createChat", {"id": chats[user.user_id], "name": f"{user.name}'s"})
            await user.event("joinChat", chats[user.user_id])
        watcher = users[0]
        heard_before = sum(watcher.heard[e] for e in BROADCASTS)
        for number in range(sizes.rounds):
            quiet = await _quiet_phase(users, chats, sizes)
            stop, counts = asyncio.Event(), Counter[str]()
            victim = users[-1].user_id
            flooding = [asyncio.ensure_future(_attack(s, victim, stop, counts)) for s in attacker]
            started = time.monotonic()
            flood = await _quiet_phase(users, chats, sizes)
            stop.set()
            await asyncio.gather(*flooding)
            measured.flood_seconds += time.monotonic() - started
            measured.attacker += counts
            for phase, samples in (("quiet", quiet), ("flood", flood)):
                measured.latencies[phase] += samples
                measured.phase_p50[phase].append(percentile(samples, 0.5))
            progress(
                f"flood round {number + 1}/{sizes.rounds}: p50 quiet {percentile(quiet, 0.5) * 1000:.1f} ms, "
                f"flooded {percentile(flood, 0.5) * 1000:.1f} ms, attacker: {dict(counts)}"
            )
        refusals = sum((s.refusals for s in attacker), Counter())
        broadcasts = sum(watcher.heard[e] for e in BROADCASTS) - heard_before
    quiet_p50 = median(measured.phase_p50["quiet"]) * 1000
    flood_p50 = median(measured.phase_p50["flood"]) * 1000
    ratio = flood_p50 / quiet_p50
    answered = measured.attacker["events answered"]
    rate = answered / measured.flood_seconds if measured.flood_seconds else 0.0
    refused = sum(refusals.values())
    section.add(
        Row(
            "other users' event p50 while one user floods (baseline: quiet)",
            flood_p50,
            "ms",
            quiet_p50,
            ratio,
            f"<= {P50_TARGET}x",
            at_most(ratio, P50_TARGET),
        ),
        Row(
            "other users' event p99 while one user floods (baseline: quiet)",
            percentile(measured.latencies["flood"], 0.99) * 1000,
            "ms",
            percentile(measured.latencies["quiet"], 0.99) * 1000,
        ),
        Row(
            "the flooding user's events answered",
            rate,
            "/s",
            note=f"{answered:,} in {measured.flood_seconds:.1f} s; refused: "
            + ", ".join(f"{n:,} {code}" for code, n in refusals.most_common()),
        ),
        Row(
            "the flooding user's events refused",
            100 * refused / answered if answered else 0.0,
            "%",
        ),
        Row(
            "broadcasts the flood made (each reaches everyone online)",
            broadcasts,
            "",
            note="chatCreated, userIsIdle, userNotIdle heard by a quiet user during the flood phases",
        ),
    )
    section.raw = {
        "sizes": sizes.__dict__,
        "latencies_ms": {k: [x * 1000 for x in v] for k, v in measured.latencies.items()},
        "phase_p50_ms": {k: [x * 1000 for x in v] for k, v in measured.phase_p50.items()},
        "attacker": dict(measured.attacker),
        "flood_seconds": measured.flood_seconds,
        "refusals": dict(refusals),
        "broadcasts": broadcasts,
    }
    return section


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "flood", *sys.argv[1:]]))
