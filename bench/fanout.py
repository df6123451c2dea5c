"""Fan-out: the Web PubSub emulator against a minimal `websockets` broadcast server, one publisher.

For each group size (10, 100, 1,000 receivers) both servers get that many receivers (the
emulator's in one group) and one publisher, all in this process. For each message size (100 B and
2 KB of data) it measures:

* throughput: messages/s fully delivered to every receiver, publishing whenever fewer than a
  window of messages is in flight;
* latency: p50/p99 from publish to receipt while publishing at a fixed, moderate rate (a quarter of
  the slower server's throughput at most, so the numbers are not queueing in the receivers).

Noise: both servers run side by side in their own processes. Each round measures their throughput
one right after the other, then their latency at the same moments (one message to each per tick),
so a busy neighbour on the machine hits both alike; the table shows the median of the rounds.
The receivers are the instrument: bare protocol objects (`bench.wsclient`) that find the sequence
number and send time with a byte search, with garbage collection paused while they measure, so
what differs between the two is the server.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from webpubsub_emulator.testing import JSON_PROTOCOL

from bench import wsclient
from bench.report import Row, Section, at_least, at_most, median, percentile, progress
from bench.servers import baseline_part, client_url, raise_fd_limit, serving
from local.stack import emulator_part, free_port

GROUP = "bench"
MARK = b"@@"
LATENCY_LOAD = 0.25
THROUGHPUT_TARGET = 0.5  # emulator messages/s >= this share of the baseline's
P99_TARGET = 2.0  # emulator p99 <= this multiple of the baseline's


@dataclass(frozen=True)
class Sizes:
    groups: tuple[int, ...]
    payloads: tuple[int, ...]
    deliveries: int  # per throughput measurement: messages = deliveries / receivers, clamped
    min_messages: int
    max_messages: int
    latency_deliveries: int
    min_latency_messages: int
    max_latency_messages: int
    max_rate: float
    window: int
    rounds: int


FULL = Sizes((10, 100, 1000), (100, 2048), 60_000, 200, 3000, 20_000, 50, 600, 200.0, 50, 3)
QUICK = Sizes((10,), (100, 2048), 2_000, 50, 200, 500, 20, 50, 200.0, 10, 1)


def _clamp(value: float, low: int, high: int) -> int:
    return int(max(low, min(high, value)))


class Fanout:
    """One server's receivers and publisher: records latencies, knows when a message reached everyone."""

    def __init__(self, name: str, receivers: int) -> None:
        self.name = name
        self.receivers = receivers
        self.sockets: list[wsclient.Socket] = []
        self.publisher: wsclient.Socket | None = None
        self.wrap: Callable[[str], str] = str
        self.latencies: list[int] = []
        self.sent = 0
        self.completed = 0
        self._remaining: dict[int, int] = {}
        self._progress = asyncio.Event()
        self.padding = ""

    def on_frame(self, payload: bytes) -> None:
        now = time.monotonic_ns()
        start = payload.find(MARK)
        if start < 0:
            return  # Web PubSub's `connected` message
        seq, sent, _ = payload[start + 2 : start + 64].split(b":", 2)
        self.latencies.append(now - int(sent))
        key = int(seq)
        left = self._remaining[key] - 1
        if left:
            self._remaining[key] = left
        else:
            del self._remaining[key]
            self.completed += 1
            self._progress.set()

    def publish(self) -> None:
        seq = self.sent
        self.sent += 1
        self._remaining[seq] = self.receivers
        assert self.publisher is not None
        self.publisher.send_text(self.wrap(f"@@{seq}:{time.monotonic_ns()}:{self.padding}"))

    def set_payload_size(self, size: int) -> None:
        """Pad the data to `size` bytes (the sequence number and clock take about 30 of them)."""
        self.padding = "x" * max(0, size - len(f"@@{self.sent + 10**6}:{time.monotonic_ns()}:"))

    async def until_completed(self, count: int) -> None:
        """Until `count` messages in all have reached every receiver."""
        await self.until(lambda: self.completed == count)

    async def until(self, condition: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            self._progress.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: {self.sent - self.completed} messages never reached everyone")
            try:
                await asyncio.wait_for(self._progress.wait(), remaining)
            except TimeoutError:
                continue

    async def throughput(self, messages: int, window: int) -> float:
        started, first = time.perf_counter(), self.sent
        for _ in range(messages):
            if self.sent - self.completed >= window:
                await self.until(lambda: self.sent - self.completed < window)
            self.publish()
            if self.sent % 16 == 0:
                await asyncio.sleep(0)  # let the receivers read
        await self.until_completed(first + messages)
        return messages / (time.perf_counter() - started)

    async def close(self) -> None:
        await wsclient.close_all([*self.sockets, *([self.publisher] if self.publisher else [])])


async def _emulator(port: int, receivers: int) -> Fanout:
    bench = Fanout("emulator", receivers)
    url = client_url(port, groups=[GROUP])
    bench.sockets = await wsclient.connect_many(
        [url] * receivers, (JSON_PROTOCOL,), bench.on_frame, first_frame=True, batch=100
    )
    publisher_url = client_url(port, roles=[f"webpubsub.sendToGroup.{GROUP}"])
    bench.publisher = await wsclient.connect(publisher_url, (JSON_PROTOCOL,), first_frame=True)
    head = f'{{"type":"sendToGroup","group":"{GROUP}","dataType":"text","data":"'
    bench.wrap = lambda data: head + data + '"}'
    return bench


async def _baseline(port: int, receivers: int) -> Fanout:
    bench = Fanout("baseline", receivers)
    bench.sockets = await wsclient.connect_many([f"ws://127.0.0.1:{port}/"] * receivers, (), bench.on_frame, batch=100)
    bench.publisher = await wsclient.connect(f"ws://127.0.0.1:{port}/publish")
    await asyncio.sleep(0.2)  # the baseline adds a receiver to its set only once its handler runs
    return bench


async def paced_latency(benches: list[Fanout], messages: int, rate: float) -> list[tuple[float, float]]:
    """p50/p99 (ms) per server, publishing to all of them at the same moments at a fixed rate."""
    for bench in benches:
        bench.latencies.clear()
    targets = [bench.sent + messages for bench in benches]
    next_at = time.perf_counter()
    for _ in range(messages):
        next_at += 1 / rate
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        for bench in benches:
            bench.publish()
    for bench, target in zip(benches, targets, strict=True):
        await bench.until_completed(target)
    return [(percentile(b.latencies, 0.5) / 1e6, percentile(b.latencies, 0.99) / 1e6) for b in benches]


async def _group(base_port: int, emu_port: int, receivers: int, sizes: Sizes, raw: dict) -> list[Row]:
    rows: list[Row] = []
    base = await _baseline(base_port, receivers)
    emu = await _emulator(emu_port, receivers)
    benches = [base, emu]
    try:
        for size in sizes.payloads:
            for bench in benches:
                bench.set_payload_size(size)
            messages = _clamp(sizes.deliveries / receivers, sizes.min_messages, sizes.max_messages)
            latency_messages = _clamp(
                sizes.latency_deliveries / receivers, sizes.min_latency_messages, sizes.max_latency_messages
            )
            rounds: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "emulator": []}
            for number in range(1, sizes.rounds + 1):
                gc.collect()
                gc.disable()
                try:
                    ordered = benches if number % 2 else benches[::-1]  # who goes first alternates
                    speeds = {b.name: await b.throughput(messages, sizes.window) for b in ordered}
                    rate = min(sizes.max_rate, LATENCY_LOAD * min(speeds.values()) / len(benches))
                    latencies = await paced_latency(benches, latency_messages, rate)
                finally:
                    gc.enable()
                for bench, (p50, p99) in zip(benches, latencies, strict=True):
                    rounds[bench.name].append((speeds[bench.name], p50, p99))
                progress(
                    f"fanout {receivers} receivers, {size} B, round {number}/{sizes.rounds}: "
                    f"baseline {speeds['baseline']:,.0f} msg/s, emulator {speeds['emulator']:,.0f} msg/s; "
                    f"p99 {latencies[0][1]:.1f} / {latencies[1][1]:.1f} ms at {rate:.0f} msg/s"
                )
            b = [median(col) for col in zip(*rounds["baseline"], strict=True)]
            e = [median(col) for col in zip(*rounds["emulator"], strict=True)]
            # ratios are paired: each round's emulator figure over the baseline's from the same moments
            paired = [
                [emu_value / base_value for emu_value, base_value in zip(er, br, strict=True)]
                for er, br in zip(rounds["emulator"], rounds["baseline"], strict=True)
            ]
            speed_ratio, p50_ratio, p99_ratio = (median(col) for col in zip(*paired, strict=True))
            raw[f"{receivers}x{size}"] = {
                "receivers": receivers,
                "bytes": size,
                "messages": messages,
                "latency_messages": latency_messages,
                "rounds": rounds,
            }
            label = f"{receivers:,} receivers, {'2 KB' if size == 2048 else f'{size} B'}"
            rows += [
                Row(
                    f"{label}: throughput",
                    e[0],
                    "msg/s",
                    b[0],
                    speed_ratio,
                    f">= {THROUGHPUT_TARGET}x baseline",
                    at_least(speed_ratio, THROUGHPUT_TARGET),
                ),
                Row(f"{label}: p50 latency", e[1], "ms", b[1], p50_ratio),
                Row(
                    f"{label}: p99 latency",
                    e[2],
                    "ms",
                    b[2],
                    p99_ratio,
                    f"<= {P99_TARGET:g}x baseline",
                    at_most(p99_ratio, P99_TARGET),
                ),
            ]
    finally:
        await emu.close()
        await base.close()
    return rows


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    section = Section(
        "fanout",
        "Fan-out (emulator vs websockets broadcast)",
        notes=[
            f"values are medians of {sizes.rounds} rounds; ratios are the median of each round's paired ratio "
            "(both servers measured side by side in every round, who goes first alternating); receivers are bare "
            "protocol objects in one process (the instrument), GC paused while measuring"
        ],
    )
    raise_fd_limit(2 * (2 * max(sizes.groups) + 100))
    base_port, emu_port = free_port(), free_port()
    async with serving(baseline_part(base_port), emulator_part(emu_port)):
        for receivers in sizes.groups:
            section.add(*await _group(base_port, emu_port, receivers, sizes, section.raw))
    return section


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "fanout", *sys.argv[1:]]))
