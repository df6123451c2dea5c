"""Event cost: each event end to end (emulator -> Functions adapter -> functions -> Azurite), as stored chats grow.

Three identical local stacks run side by side (Azurite in memory, the Web PubSub emulator, and the
Functions adapter instrumented by `bench.event_host`), differing only in how many group chats are
stored: 1, 1,000 and 10,000. Each is seeded directly through `api.state.State` (chats and user
profiles) and then gets 1,000 users online for real: 1,000 sockets whose `connected` events went
through the app.

A round, on one stack: fresh scripted users connect (their `connected` event is awaited, so
`userConnected` is measured on its own), then send `userConnected`, `createChat`, `joinChat` (the
chat they just created, as the browser does) and `leaveChat`, each with an `ackId` (the emulator
acks after the handler replied), then close (`disconnected`, timed from the close to the end of the
handler, on the machine's monotonic clock). Every event type is a phase: the first users of the
round send it one at a time (latency), the rest with a fixed concurrency (events/s). The chats a
round created are deleted afterwards, so each stack keeps its size.

Noise: rounds rotate over the three stacks (1, 1,000, 10,000; then 1,000, 10,000, 1; ...), so a
busy neighbour hits every size alike; p50 is the median of the rounds' p50s, p99 is over every
latency sample. Counts come from the instrumented adapter: every request the SDKs send, attributed
to the invocation that made it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from webpubsub_emulator.testing import JSON_PROTOCOL

from api.config import StorageSettings
from api.models import Chat
from api.state import State
from bench import costs, wsclient
from bench.report import Row, Section, at_most, median, percentile, progress
from bench.servers import raise_fd_limit, start_stack, user_url
from local.harness import gather_bounded
from local.stack import Addresses, Ports

EVENTS = ("userConnected", "createChat", "joinChat", "leaveChat", "disconnected")
COUNTED = ("connected", *EVENTS)
P50_TARGET = 1.2
TABLE_OPS_TARGET = 4
# joining also reads the chat (its name, for the user's other tabs) and its first members (are they
# contacts?); leaving reads its first members: measured alone in the chat, so no member's account
TABLE_OPS_TARGETS = {"joinChat": 6, "leaveChat": 5}
SEED_CONCURRENCY = 48
SCENARIO = costs.Scenario(online=1000, members=10)  # what the cost rows price: broadcasts reach 1,000 clients


@dataclass(frozen=True)
class Sizes:
    chats: tuple[int, ...]
    online: int
    users: int  # scripted users per round and stack
    sequential: int  # of which send each event one at a time (latency)
    concurrency: int  # the others, this many at a time (events/s)
    rounds: int


FULL = Sizes(chats=(1, 1000, 10000), online=1000, users=150, sequential=50, concurrency=16, rounds=3)
QUICK = Sizes(chats=(1, 20), online=10, users=8, sequential=4, concurrency=2, rounds=1)


# ---- one stack ---------------------------------------------------------------------------------------


class Tallies:
    """The instrumented adapter's record of finished invocations, polled while a stack is in use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.items: list[dict[str, Any]] = []
        self._next = 0
        self._waiters: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}
        self._seen: dict[tuple[str, str], dict[str, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def poll_once(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.get(f"{self.url}/bench/tallies", params={"after": str(self._next)}) as response:
            body = await response.json()
        self._next = body["next"]
        for tally in body["tallies"]:
            self.items.append(tally)
            key = (tally["event"], tally["connection"])
            self._seen[key] = tally
            waiter = self._waiters.pop(key, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(tally)

    async def _poll(self) -> None:
        while True:
            await self.poll_once()
            await asyncio.sleep(0.01)

    def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        if self._task is None:
            self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def close(self) -> None:
        await self.stop()
        if self._session is not None:
            await self._session.close()

    async def wait(self, event: str, connection: str, timeout: float = 60) -> dict[str, Any]:
        key = (event, connection)
        if key in self._seen:
            return self._seen[key]
        waiter = self._waiters.setdefault(key, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(waiter), timeout)


@dataclass
class Site(Addresses):
    """One local stack with a given number of stored chats."""

    chats: int
    ports: Ports
    state: State
    tallies: Tallies
    drainers: list[wsclient.Socket] = field(default_factory=list)
    seeded_chats: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.chats:,} chat" + ("" if self.chats == 1 else "s")

    def client_url(self, user_id: str) -> str:
        return user_url(self.ports.pubsub, user_id)


async def start_site(chats: int, exits: AsyncExitStack) -> Site:
    local = await start_stack(exits, f"event_cost-{chats}-chats", functions="bench.event_host")
    state = State.from_settings(StorageSettings(local.storage_connection_string, None))
    exits.push_async_callback(state.close)
    tallies = Tallies(local.functions_url)
    exits.push_async_callback(tallies.close)
    return Site(chats, local.ports, state, tallies)


async def seed(site: Site, online: list[str], actors: list[str]) -> None:
    """Chats and profiles straight into Table Storage, then `online` users connected for real."""
    await site.state.ensure_tables()
    owner = online[0]
    site.seeded_chats = [str(uuid.uuid4()) for _ in range(site.chats)]
    jobs: list[Awaitable[object]] = []
    jobs += [site.state.save_profile(uid, f"Online {i}", "github") for i, uid in enumerate(online)]
    jobs += [site.state.save_profile(uid, f"Bench {i}", "github") for i, uid in enumerate(actors)]
    jobs += [site.state.create_chat(Chat(cid, f"Seeded chat {i}", owner)) for i, cid in enumerate(site.seeded_chats)]
    await gather_bounded(jobs, SEED_CONCURRENCY)
    site.tallies.start()
    site.drainers = await wsclient.connect_many(
        [site.client_url(uid) for uid in online], (JSON_PROTOCOL,), None, first_frame=True, batch=50
    )
    ids = [json.loads(s.first_frame.result())["connectionId"] for s in site.drainers]
    await asyncio.gather(*(site.tallies.wait("connected", c, timeout=300) for c in ids))
    await site.tallies.stop()


# ---- scripted users ------------------------------------------------------------------------------------


class Actor:
    """A user who sends events with ackIds and times them until the ack."""

    def __init__(self, user_id: str, name: str) -> None:
        self.user_id = user_id
        self.name = name
        self.socket: wsclient.Socket | None = None
        self.connection = ""
        self.chat_id = str(uuid.uuid4())
        self.acks = wsclient.Acks()
        self.failures: list[str] = []

    def on_frame(self, payload: bytes) -> None:
        if payload.startswith(b'{"type":"ack"'):
            self.acks.settle(json.loads(payload))

    async def open(self, site: Site) -> None:
        self.socket = await wsclient.connect(site.client_url(self.user_id), (JSON_PROTOCOL,), self.on_frame, True)
        self.connection = json.loads(self.socket.first_frame.result())["connectionId"]
        await site.tallies.wait("connected", self.connection)

    async def event(self, name: str, data: Any) -> float:
        """Send a user event; seconds until the service acknowledged it (after the handler replied)."""
        assert self.socket is not None
        ack, elapsed = await self.acks.send(self.socket, name, data)
        if not ack.get("success"):
            self.failures.append(f"{name}: {ack.get('error')}")
        return elapsed

    async def disconnect(self, site: Site) -> float:
        """Close the socket; seconds until the `disconnected` handler finished."""
        assert self.socket is not None
        started = time.monotonic()
        await self.socket.close()
        tally = await site.tallies.wait("disconnected", self.connection)
        return tally["ended"] - started


STEPS: dict[str, Callable[[Actor, Site], Awaitable[float]]] = {
    "userConnected": lambda a, s: a.event("userConnected", {"userName": a.name, "userProvider": "github"}),
    "createChat": lambda a, s: a.event("createChat", {"name": f"Chat of {a.name}", "id": a.chat_id}),
    "joinChat": lambda a, s: a.event("joinChat", a.chat_id),
    "leaveChat": lambda a, s: a.event("leaveChat", {"chatId": a.chat_id, "userName": a.name}),
    "disconnected": lambda a, s: a.disconnect(s),
}


async def _phase(
    actors: list[Actor], site: Site, step: Callable[[Actor, Site], Awaitable[float]], sizes: Sizes
) -> tuple[list[float], float]:
    """Latencies (s) of the sequential part, events/s of the concurrent part."""
    latencies = [await step(a, site) for a in actors[: sizes.sequential]]  # one at a time: latency
    rest = actors[sizes.sequential :]
    started = time.monotonic()
    await gather_bounded([step(a, site) for a in rest], sizes.concurrency)
    rate = len(rest) / (time.monotonic() - started) if rest else float("nan")
    return latencies, rate


@dataclass
class Measured:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    round_p50: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rates: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    tallies: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def measure_round(site: Site, names: list[tuple[str, str]], sizes: Sizes, into: Measured) -> None:
    actors = [Actor(uid, name) for uid, name in names]
    first = len(site.tallies.items)
    site.tallies.start()
    try:
        await gather_bounded([a.open(site) for a in actors], 20)
        for event in EVENTS:
            latencies, rate = await _phase(actors, site, STEPS[event], sizes)
            into.latencies[event] += latencies
            into.round_p50[event].append(percentile(latencies, 0.5))
            into.rates[event].append(rate)
        await site.tallies.poll_once()
    finally:
        await site.tallies.stop()
    ours = {a.connection for a in actors}
    one_at_a_time = {a.connection for a in actors[: sizes.sequential]}
    for tally in site.tallies.items[first:]:
        if tally["connection"] in ours:
            tally["sequential"] = tally["connection"] in one_at_a_time
            into.tallies.append(tally)
    into.failures += [f for a in actors for f in a.failures]
    await gather_bounded([site.state.delete_chat(a.chat_id) for a in actors], SEED_CONCURRENCY)


async def azurite_alone(small: Site, large: Site, sizes: Sizes) -> dict[int, dict[str, list[float]]]:
    """Table Storage requests straight from here, no app code: what the local stand-in itself costs per size.

    Reads of stored chats by key and inserts of new ones, one at a time, alternating between the
    two stacks; the inserted chats are deleted again.
    """
    result: dict[int, dict[str, list[float]]] = {s.chats: {"read": [], "insert": []} for s in (small, large)}
    count = 20 if sizes.users < 50 else 100
    for _ in range(3):
        for site in (small, large):
            for index in range(count):
                chat_id = site.seeded_chats[(index * 7919) % len(site.seeded_chats)]
                started = time.monotonic()
                await site.state.get_chat(chat_id)
                result[site.chats]["read"].append((time.monotonic() - started) * 1000)
            created = []
            for _ in range(count // 2):
                chat = Chat(str(uuid.uuid4()), "Azurite probe", "probe")
                started = time.monotonic()
                await site.state.create_chat(chat)
                result[site.chats]["insert"].append((time.monotonic() - started) * 1000)
                created.append(chat.id)
            await gather_bounded([site.state.delete_chat(c) for c in created], SEED_CONCURRENCY)
    return result


# ---- the report ----------------------------------------------------------------------------------------


def _counts(tallies: list[dict[str, Any]], event: str) -> dict[str, Any]:
    mine = [t for t in tallies if t["event"] == event]
    if not mine:
        return {"invocations": 0}
    alone = [t for t in mine if t.get("sequential")]  # sent one at a time: durations without queueing
    table = [len(t["table"]) for t in mine]
    rest = [len(t["rest"]) for t in mine]
    kinds: dict[str, dict[str, int]] = {"table": defaultdict(int), "rest": defaultdict(int)}
    for t in mine:
        for what in ("table", "rest"):
            for kind in t[what]:
                kinds[what][kind] += 1
    return {
        "invocations": len(mine),
        "table_mean": sum(table) / len(mine),
        "table_max": max(table),
        "rest_mean": sum(rest) / len(mine),
        "rest_max": max(rest),
        "table_kinds": {k: v / len(mine) for k, v in kinds["table"].items()},
        "rest_kinds": {k: v / len(mine) for k, v in kinds["rest"].items()},
        "handler_ms_p50": percentile([(t["ended"] - t["started"]) * 1000 for t in alone], 0.5),
        "table_time_ms_p50": percentile([sum(t["table_ms"]) for t in alone], 0.5),
        "table_ms_p50": per_kind(alone, "table"),
        "rest_ms_p50": per_kind(alone, "rest"),
        "errors": [t["error"] for t in mine if t["error"] or t["status"] >= 300][:5],
        "error_count": sum(1 for t in mine if t["error"] or t["status"] >= 300),
    }


def per_kind(tallies: list[dict[str, Any]], what: str) -> dict[str, float]:
    """p50 duration (ms) of each kind of request these invocations made."""
    durations: dict[str, list[float]] = defaultdict(list)
    for tally in tallies:
        for kind, ms in zip(tally[what], tally[f"{what}_ms"], strict=True):
            durations[kind].append(ms)
    return {kind: percentile(values, 0.5) for kind, values in durations.items()}


def _kinds(kinds: dict[str, float], unit: str = "") -> str:
    if unit:
        return ", ".join(f"{k} {v:.1f} {unit}" for k, v in sorted(kinds.items()))
    return ", ".join(f"{v:g} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))


def rows_for(sizes: Sizes, measured: dict[int, Measured]) -> tuple[list[Row], dict[str, Any]]:
    small, large = sizes.chats[0], sizes.chats[-1]
    middle = sizes.chats[1:-1]
    lo, hi = measured[small], measured[large]
    rows: list[Row] = []
    counts = {n: {e: _counts(m.tallies, e) for e in COUNTED} for n, m in measured.items()}
    prices: dict[str, Any] = {}
    vs = f"{large:,} vs {small:,} chat{'s' if small != 1 else ''}"
    for event in EVENTS:
        p50_lo, p50_hi = median(lo.round_p50[event]) * 1000, median(hi.round_p50[event]) * 1000
        p99_lo, p99_hi = percentile(lo.latencies[event], 0.99) * 1000, percentile(hi.latencies[event], 0.99) * 1000
        rate_lo, rate_hi = median(lo.rates[event]), median(hi.rates[event])
        between = "; ".join(f"{n:,} chats: {median(measured[n].round_p50[event]) * 1000:.1f} ms" for n in middle)
        ratio = p50_hi / p50_lo
        table_lo, table_hi = counts[small][event]["table_time_ms_p50"], counts[large][event]["table_time_ms_p50"]
        rows += [
            Row(f"{event}: p50, {vs}", p50_hi, "ms", p50_lo, ratio, f"<= {P50_TARGET}x", at_most(ratio, P50_TARGET)),
            Row(f"{event}: p99, {vs}", p99_hi, "ms", p99_lo, p99_hi / p99_lo, note=between),
            Row(f"{event}: events/s, {vs}", rate_hi, "/s", rate_lo, rate_hi / rate_lo),
            Row(
                f"{event}: of which waiting for Table Storage (Azurite), {vs}",
                table_hi,
                "ms",
                table_lo,
                table_hi / table_lo,
                note=_kinds(counts[large][event]["table_ms_p50"], "ms"),
            ),
        ]
    for event in COUNTED:
        per_size = [counts[n][event] for n in sizes.chats if counts[n][event]["invocations"]]
        if not per_size:
            continue
        worst_table = max(c["table_max"] for c in per_size)
        worst_rest = max(c["rest_max"] for c in per_size)
        at_large = counts[large][event]
        rows += [
            Row(
                f"{event}: table operations per event",
                at_large["table_mean"],
                "",
                target=f"<= {TABLE_OPS_TARGETS.get(event, TABLE_OPS_TARGET)}",
                met=worst_table <= TABLE_OPS_TARGETS.get(event, TABLE_OPS_TARGET),
                note=f"{_kinds(at_large['table_kinds'])}; most at any size {worst_table}",
            ),
            Row(
                f"{event}: REST calls per event",
                at_large["rest_mean"],
                "",
                note=f"{_kinds(at_large['rest_kinds']) or 'none'}; most at any size {worst_rest}",
            ),
        ]
        cost = costs.per_thousand(
            at_large["table_mean"], at_large["rest_kinds"], at_large["handler_ms_p50"] / 1000, SCENARIO
        )
        prices[event] = cost.__dict__ | {"total": cost.total}
        rows.append(
            Row(
                f"{event}: cost per 1,000 events",
                cost.total,
                "USD",
                note=f"tables {cost.tables:.5f}, functions {cost.functions:.5f}, Web PubSub {cost.pubsub:.5f} "
                f"({cost.messages:,.0f} Web PubSub message{'' if cost.messages == 1 else 's'} each)",
            )
        )
    failures = sum(len(m.failures) for m in measured.values())
    failures += sum(c["error_count"] for per in counts.values() for c in per.values() if c["invocations"])
    rows.append(Row("events refused or failed", failures, "", target="0", met=failures == 0))
    return rows, {"counts": counts, "cost_per_1000": prices, "cost_scenario": SCENARIO.__dict__}


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    section = Section(
        "event_cost",
        f"Event cost (emulator -> adapter -> functions -> Azurite, {sizes.online:,} users online)",
        notes=[
            f"{sizes.rounds} rounds rotating over one stack per size (run side by side); per round and stack "
            f"{sizes.users} new users, {sizes.sequential} sending each event one at a time (latency), the rest "
            f"{sizes.concurrency} at a time (events/s); p50 = median of the rounds' p50s, p99 over all samples",
            f"cost rows: list prices in bench/costs.py, the handler time and counts at {sizes.chats[-1]:,} chats, "
            f"broadcasts priced as reaching {SCENARIO.online:,} clients and chat notices {SCENARIO.members}",
        ],
    )
    raise_fd_limit(len(sizes.chats) * (sizes.online + sizes.users) * 2 + 1000)
    online = [f"online-{i:05d}" for i in range(sizes.online)]
    actor_names = {
        n: [[(f"bench-{n}-{r}-{i:04d}", f"Bench {n}.{r}.{i}") for i in range(sizes.users)] for r in range(sizes.rounds)]
        for n in sizes.chats
    }
    async with AsyncExitStack() as exits:
        progress(f"event cost: starting {len(sizes.chats)} stacks")
        sites = await asyncio.gather(*(start_site(n, exits) for n in sizes.chats))
        started = time.monotonic()
        await asyncio.gather(
            *(seed(s, online, [uid for names in actor_names[s.chats] for uid, _ in names]) for s in sites)
        )
        progress(f"event cost: seeded {', '.join(s.label for s in sites)} in {time.monotonic() - started:.0f} s")
        measured = {n: Measured() for n in sizes.chats}
        for number in range(sizes.rounds):
            order = sites[number % len(sites) :] + sites[: number % len(sites)]
            for site in order:
                await measure_round(site, actor_names[site.chats][number], sizes, measured[site.chats])
                p50s = ", ".join(f"{e} {measured[site.chats].round_p50[e][-1] * 1000:.1f}" for e in EVENTS)
                progress(f"event cost round {number + 1}/{sizes.rounds}, {site.label}: p50 ms {p50s}")
        for site in sites:
            await wsclient.close_all(site.drainers)
        azurite = await azurite_alone(sites[0], sites[-1], sizes)
    rows, derived = rows_for(sizes, measured)
    section.add(*rows)
    small, large = sites[0], sites[-1]
    vs = f"{large.chats:,} vs {small.chats:,} chat{'s' if small.chats != 1 else ''}"
    for what, label in (("read", "read a chat by its key"), ("insert", "insert a chat")):
        lo, hi = median(azurite[small.chats][what]), median(azurite[large.chats][what])
        section.add(Row(f"Azurite alone (no app code): {label}, {vs}", hi, "ms", lo, hi / lo))
    section.raw = {
        "sizes": sizes.__dict__,
        **derived,
        "latencies_ms": {n: {e: [x * 1000 for x in m.latencies[e]] for e in EVENTS} for n, m in measured.items()},
        "round_p50_ms": {n: {e: [x * 1000 for x in m.round_p50[e]] for e in EVENTS} for n, m in measured.items()},
        "rates": {n: dict(m.rates) for n, m in measured.items()},
        "failures": {n: m.failures[:20] for n, m in measured.items()},
        "azurite_alone_ms": azurite,
    }
    return section


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "event_cost", *sys.argv[1:]]))
