"""Capacity: how many concurrent connections the emulator holds, and what each one costs in memory.

Opens 5,000 then 5,000 more idle JSON-subprotocol connections (all in one group) from this process,
each with its `connected` message read, and reads the emulator's RSS before, at 5,000 and at
10,000. "Held" is proven, not assumed: after a pause, one message to the group must reach every
connection. The same is done against the minimal `websockets` server (the baseline column) for
scale. Memory is process RSS, so it includes what the Python allocator keeps; it is measured from a
warmed-up process (a few connections opened and closed first) so start-up allocations do not count.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

import psutil
from webpubsub_emulator.testing import JSON_PROTOCOL

from bench import wsclient
from bench.report import Row, Section, progress
from bench.servers import baseline_part, client_url, raise_fd_limit, serving
from local.stack import emulator_part, free_port

GROUP = "idle"
FULL_STEPS = (5000, 10000)
QUICK_STEPS = (100, 200)
HOLD_SECONDS = 3.0
QUICK_HOLD_SECONDS = 0.2


class Counter:
    def __init__(self) -> None:
        self.hits = 0
        self.event = asyncio.Event()
        self.wanted = 0

    def on_frame(self, payload: bytes) -> None:
        if b"@@held" in payload:
            self.hits += 1
            if self.hits >= self.wanted:
                self.event.set()


async def _rss_settled(process: psutil.Process) -> int:
    """RSS once the server has finished handling the last handshakes."""
    await asyncio.sleep(0.5)
    return process.memory_info().rss


async def _measure(name: str, process: psutil.Process, url: str, protocols, publisher_url: str, publish, steps, hold):
    counter = Counter()
    first = protocols != ()
    warm = await wsclient.connect_many([url] * 20, protocols, counter.on_frame, first_frame=first)
    await wsclient.close_all(warm)
    before = await _rss_settled(process)
    sockets: list[wsclient.Socket] = []
    points: list[dict] = []
    for target in steps:
        started = time.perf_counter()
        sockets += await wsclient.connect_many(
            [url] * (target - len(sockets)), protocols, counter.on_frame, first_frame=first, batch=100
        )
        opened_in = time.perf_counter() - started
        rss = await _rss_settled(process)
        points.append({"connections": target, "rss": rss, "open_seconds": opened_in})
        progress(f"capacity {name}: {target:,} connections, RSS {rss / 2**20:.0f} MiB, opened in {opened_in:.1f} s")
    await asyncio.sleep(hold)
    alive = sum(1 for s in sockets if not s.closed.done())
    counter.wanted = len(sockets)
    publisher = await wsclient.connect(publisher_url, protocols, first_frame=first)
    publisher.send_text(publish("@@held"))
    with contextlib.suppress(TimeoutError):  # who was not reached shows in the count
        await asyncio.wait_for(counter.event.wait(), 60)
    await wsclient.close_all([publisher, *sockets])
    return before, points, alive, counter.hits


async def run(quick: bool) -> Section:
    steps = QUICK_STEPS if quick else FULL_STEPS
    hold = QUICK_HOLD_SECONDS if quick else HOLD_SECONDS
    section = Section(
        "capacity",
        "Capacity (emulator, idle connections)",
        notes=[
            "memory is the server process's RSS growth from a warmed-up start; connections are proven alive by "
            f"one group message reaching all of them after {hold:g} s"
        ],
    )
    top = steps[-1]
    raise_fd_limit(top + 1000)
    base_port, emu_port = free_port(), free_port()
    async with serving(baseline_part(base_port)) as (base_proc,):
        base_before, base_points, _, base_hits = await _measure(
            "baseline",
            base_proc,
            f"ws://127.0.0.1:{base_port}/",
            (),
            f"ws://127.0.0.1:{base_port}/publish",
            lambda text: text,
            steps,
            hold,
        )
    await asyncio.sleep(0.1 if quick else 1)  # let the client side's closed sockets go
    async with serving(emulator_part(emu_port)) as (emu_proc,):
        head = f'{{"type":"sendToGroup","group":"{GROUP}","dataType":"text","data":"'
        emu_before, emu_points, alive, hits = await _measure(
            "emulator",
            emu_proc,
            client_url(emu_port, groups=[GROUP]),
            (JSON_PROTOCOL,),
            client_url(emu_port, roles=[f"webpubsub.sendToGroup.{GROUP}"]),
            lambda text: head + text + '"}',
            steps,
            hold,
        )
    section.raw = {
        "emulator": {"rss_before": emu_before, "points": emu_points, "alive": alive, "reached": hits},
        "baseline": {"rss_before": base_before, "points": base_points, "reached": base_hits},
    }
    section.add(
        Row(
            f"connections held (all reached by one message after {hold:g} s)",
            hits,
            "",
            target=f"{top:,} on this machine",
            met=hits >= top and alive >= top,
        )
    )
    for emu, base in zip(emu_points, base_points, strict=True):
        count = emu["connections"]
        per = (emu["rss"] - emu_before) / count / 1024
        base_per = (base["rss"] - base_before) / count / 1024
        section.add(
            Row(f"memory per connection at {count:,}", per, "KiB", base_per, per / base_per if base_per > 0 else None),
        )
    last = emu_points[-1]
    section.add(
        Row(f"emulator RSS with {top:,} connections", last["rss"] / 2**20, "MiB", base_points[-1]["rss"] / 2**20),
        Row(f"time to open {top:,} connections", sum(p["open_seconds"] for p in emu_points), "s"),
    )
    return section


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "capacity", *sys.argv[1:]]))
