"""Flood: one user sends every event that writes or broadcasts as fast as the service takes them; the others stay fast.

One local stack (Azurite in memory, the emulator, the Functions adapter), users signed in as the
site would sign them in. Quiet users take turns to join or leave a chat of their own, one event in
flight at a time, and time each event until its ack (the emulator acks once the handler answered). In the flood
phases one attacker holds as many sockets as the backend lets one user open, and every socket sends
createChat, joinChat, userEnterIdle/userExitIdle, createPrivateChat and blockUser in turn, each as
soon as the previous one was answered. In the group flood phases the same sockets send
`sendMessage` into a chat the quiet users talk in, each as soon as the last was answered. Phases
alternate (quiet, flood, quiet, group flood, ...) so a busy neighbour on the machine hits all alike;
p50 is the median of the phases' p50s. Each quiet phase also times the quiet users' own messages in
that chat, from `sendMessage` until the next quiet user's socket got the numbered entry (receive
latency).

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
from collections.abc import Awaitable, Callable
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
FLOODS = ("events", "messages")


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
        self.arrivals: dict[str, float] = {}  # entries heard from a chat: the message id -> when
        self.arrived = asyncio.Event()

    def on_frame(self, payload: bytes) -> None:
        now = time.monotonic()
        frame = json.loads(payload)
        if frame.get("type") == "ack":
            self.acks.settle(frame)
        elif frame.get("from") == "group" and isinstance(frame.get("data"), dict) and "entry" in frame["data"]:
            self.arrivals[str(frame["data"]["entry"].get("id"))] = now
            self.arrived.set()
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

    async def receipt(self, message_id: str, timeout: float = 60) -> float:
        """When this socket got the entry of message `message_id` (TimeoutError if it never did)."""
        deadline = time.monotonic() + timeout
        while message_id not in self.arrivals:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), max(0.0, deadline - time.monotonic()))
        return self.arrivals.pop(message_id)


def _phases() -> dict[str, list[float]]:
    return {"quiet": [], **{flood: [] for flood in FLOODS}}


@dataclass
class Phases:
    latencies: dict[str, list[float]] = field(default_factory=_phases)
    phase_p50: dict[str, list[float]] = field(default_factory=_phases)
    received: dict[str, list[float]] = field(default_factory=_phases)  # quiet users' messages, send to receipt
    received_p50: dict[str, list[float]] = field(default_factory=_phases)
    flood_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FLOODS, 0.0))
    attacker: dict[str, Counter[str]] = field(default_factory=lambda: {flood: Counter() for flood in FLOODS})


async def _quiet_phase(
    users: list[Client], chats: dict[str, str], talk: str, sizes: Sizes
) -> tuple[list[float], list[float]]:
    """The quiet users take turns: a join or leave (one in flight: service time), then a message to the next one."""
    samples, received = [], []
    for i in range(sizes.samples):
        for number, user in enumerate(users):
            chat_id = chats[user.user_id]
            if i % 2 == 0:
                samples.append(await user.event("leaveChat", {"chatId": chat_id}))
            else:
                samples.append(await user.event("joinChat", chat_id))
            listener = users[(number + 1) % len(users)]
            message_id = uuid.uuid4().hex
            started = time.monotonic()
            await user.event("sendMessage", {"chatId": talk, "id": message_id, "text": "quiet", "mentions": []})
            received.append(await listener.receipt(message_id) - started)
    if sizes.samples % 2:
        for user in users:
            await user.event("joinChat", chats[user.user_id])  # back in, for the next phase
    return samples, received


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


async def _attack_chat(socket: Client, chat: str, stop: asyncio.Event, counts: Counter[str]) -> None:
    """Send messages into one chat, each as soon as the last was answered, until told to stop."""
    while not stop.is_set():
        message = {"chatId": chat, "id": uuid.uuid4().hex, "text": "flood " * 300, "mentions": []}
        await socket.event("sendMessage", message)
        counts["events answered"] += 1


async def _flood_phase(
    kind: str, attacker: list[Client], victim: str, talk: str, run_quiet: Callable[[], Awaitable[Any]]
) -> tuple[Any, Counter[str], Counter[str], float]:
    """Run the quiet users' turns while the attacker floods; their samples, the attacker's counts and refusals."""
    stop, counts = asyncio.Event(), Counter[str]()
    refused_before = sum((s.refusals for s in attacker), Counter[str]())
    if kind == "events":
        flooding = [asyncio.ensure_future(_attack(s, victim, stop, counts)) for s in attacker]
    else:
        flooding = [asyncio.ensure_future(_attack_chat(s, talk, stop, counts)) for s in attacker]
    started = time.monotonic()
    samples = await run_quiet()
    stop.set()
    await asyncio.gather(*flooding)
    refused = sum((s.refusals for s in attacker), Counter[str]()) - refused_before
    return samples, counts, refused, time.monotonic() - started


def _attacker_rows(kind: str, what: str, measured: Phases, refusals: Counter[str]) -> list[Row]:
    answered = measured.attacker[kind]["events answered"]
    seconds = measured.flood_seconds[kind]
    refused = sum(refusals.values())
    return [
        Row(
            f"the flooding user's {what} answered",
            answered / seconds if seconds else 0.0,
            "/s",
            note=f"{answered:,} in {seconds:.1f} s; refused: "
            + ", ".join(f"{n:,} {code}" for code, n in refusals.most_common()),
        ),
        Row(f"the flooding user's {what} refused", 100 * refused / answered if answered else 0.0, "%"),
    ]


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    section = Section(
        "flood",
        f"Flood (1 user on {MAX_CONNECTIONS_PER_USER} sockets vs {sizes.users} quiet users)",
        notes=[
            f"{sizes.rounds} rounds of quiet, flood, quiet, group flood phases; the quiet users take turns, "
            f"{sizes.samples} join/leave events and {sizes.samples} messages each per phase, one in flight; "
            "p50 = median of the phases' p50s",
            "the attacker's sockets each send createChat, joinChat, idle on/off, createPrivateChat and blockUser "
            "in turn (flood), or sendMessage into the quiet users' shared chat (group flood), the next as soon "
            "as the last was answered",
        ],
    )
    raise_fd_limit(4096)
    measured = Phases()
    refusals = {flood: Counter[str]() for flood in FLOODS}
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
        talk = str(uuid.uuid4())  # the quiet users' shared chat, which the group flood targets
        await users[0].event("createChat", {"id": talk, "name": "Everyone"})
        for client in [*users, attacker[0]]:
            await client.event("joinChat", talk)
        watcher = users[0]
        heard_before = sum(watcher.heard[e] for e in BROADCASTS)
        for number in range(sizes.rounds):
            for kind in FLOODS:
                quiet, received = await _quiet_phase(users, chats, talk, sizes)
                (flood, flood_received), counts, refused, seconds = await _flood_phase(
                    kind, attacker, users[-1].user_id, talk, lambda: _quiet_phase(users, chats, talk, sizes)
                )
                measured.flood_seconds[kind] += seconds
                measured.attacker[kind] += counts
                refusals[kind] += refused
                for phase, samples, got in (("quiet", quiet, received), (kind, flood, flood_received)):
                    measured.latencies[phase] += samples
                    measured.phase_p50[phase].append(percentile(samples, 0.5))
                    measured.received[phase] += got
                    measured.received_p50[phase].append(percentile(got, 0.5))
                progress(
                    f"flood round {number + 1}/{sizes.rounds}, {kind}: p50 quiet {percentile(quiet, 0.5) * 1000:.1f} "
                    f"ms, flooded {percentile(flood, 0.5) * 1000:.1f} ms; receive p50 quiet "
                    f"{percentile(received, 0.5) * 1000:.1f} ms, flooded {percentile(flood_received, 0.5) * 1000:.1f}"
                    f" ms; attacker: {dict(counts)}"
                )
        broadcasts = sum(watcher.heard[e] for e in BROADCASTS) - heard_before
    section.add(*_rows(measured, refusals, broadcasts))
    section.raw = {
        "sizes": sizes.__dict__,
        "latencies_ms": {k: [x * 1000 for x in v] for k, v in measured.latencies.items()},
        "phase_p50_ms": {k: [x * 1000 for x in v] for k, v in measured.phase_p50.items()},
        "received_ms": {k: [x * 1000 for x in v] for k, v in measured.received.items()},
        "attacker": {k: dict(v) for k, v in measured.attacker.items()},
        "flood_seconds": measured.flood_seconds,
        "refusals": {k: dict(v) for k, v in refusals.items()},
        "broadcasts": broadcasts,
    }
    return section


def _p50_row(figure: str, phases: dict[str, list[float]], kind: str) -> Row:
    quiet, flooded = median(phases["quiet"]) * 1000, median(phases[kind]) * 1000
    ratio = flooded / quiet
    return Row(figure, flooded, "ms", quiet, ratio, f"<= {P50_TARGET}x", at_most(ratio, P50_TARGET))


def _p99_row(figure: str, samples: dict[str, list[float]], kind: str) -> Row:
    return Row(figure, percentile(samples[kind], 0.99) * 1000, "ms", percentile(samples["quiet"], 0.99) * 1000)


def _rows(measured: Phases, refusals: dict[str, Counter[str]], broadcasts: int) -> list[Row]:
    chat = "floods their chat with messages"
    return [
        _p50_row("other users' event p50 while one user floods (baseline: quiet)", measured.phase_p50, "events"),
        _p99_row("other users' event p99 while one user floods (baseline: quiet)", measured.latencies, "events"),
        *_attacker_rows("events", "events", measured, refusals["events"]),
        Row(
            "broadcasts the flood made (each reaches everyone online)",
            broadcasts,
            "",
            note="chatCreated, userIsIdle, userNotIdle heard by a quiet user during the flood phases",
        ),
        _p50_row(f"other users' event p50 while one user {chat} (baseline: quiet)", measured.phase_p50, "messages"),
        _p99_row(f"other users' event p99 while one user {chat} (baseline: quiet)", measured.latencies, "messages"),
        _p50_row(
            f"other users' messages, send to receipt, p50 while one user {chat} (baseline: quiet)",
            measured.received_p50,
            "messages",
        ),
        _p99_row(
            f"other users' messages, send to receipt, p99 while one user {chat} (baseline: quiet)",
            measured.received,
            "messages",
        ),
        *_attacker_rows("messages", "messages", measured, refusals["messages"]),
    ]


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "flood", *sys.argv[1:]]))
