"""Fan-out benchmark: the Web PubSub emulator against a minimal `websockets` broadcast server.

`python -m bench.fanout` starts each server in its own process, connects N receivers (one group
for the emulator) and one publisher from this process, and measures:

* throughput: messages/s fully delivered to every receiver, publishing as fast as a window of
  in-flight messages allows;
* latency: p50/p99 from publish to receipt while publishing at a fixed, moderate rate (at most a
  quarter of the measured throughput, so the numbers are not queueing in the receivers);
* capacity: the emulator's memory per idle connection, from its RSS before and after opening
  many connections (the process fd limit is raised to fit).

Both servers run side by side. Each round measures their throughput one after the other, then
their latency at the same moments (one message to each per tick), so a noisy neighbour on the
machine hits both alike; the table shows the median of the rounds. The receivers are only the
instrument: they take the payload out of the emulator's JSON frame with a string search rather
than a full JSON parse, and garbage collection is paused while they measure, so that what differs
between the rows is the server. `--quick` uses tiny sizes (smoke test).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil

from local.webpubsub.tokens import issue_client_token

ROOT = Path(__file__).resolve().parent.parent
KEY = "BenchmarkAccessKey-0123456789abcdefghijklmnop"
GROUP = "bench"
JSON_PROTOCOL = "json.webpubsub.azure.v1"
PADDING = "x" * 64
DATA_FIELD = '"data":"'  # the payload (no quotes or escapes in it) runs from here to the frame's end
CONNECT_BATCH = 100
LATENCY_LOAD = 0.25  # the latency phase publishes at most at this share of the measured throughput


@dataclass
class Sizes:
    """How big a run is."""

    clients: int
    messages: int
    window: int
    rate: float
    latency_messages: int
    idle: int

    rounds: int


FULL = Sizes(clients=200, messages=3000, window=50, rate=100.0, latency_messages=300, idle=5000, rounds=3)
QUICK = Sizes(clients=10, messages=200, window=10, rate=200.0, latency_messages=50, idle=50, rounds=1)


@dataclass
class Result:
    """One server's numbers."""

    name: str
    clients: int
    throughput: float
    p50_ms: float
    p99_ms: float


# ---- the servers ----------------------------------------------------------------------------------


async def baseline_server(port: int) -> None:
    """The baseline: every text frame on /publish is broadcast to every other client with websockets.broadcast."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    receivers: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/publish":
            async for message in ws:
                broadcast(receivers, message)
            return
        receivers.add(ws)
        try:
            await ws.wait_closed()
        finally:
            receivers.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None, ping_interval=None):
        await asyncio.Future()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def server_process(argv: list[str], port: int):
    """Run a server in its own process until the block ends; yields its psutil handle."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, *argv, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                if time.monotonic() > deadline or process.returncode is not None:
                    raise RuntimeError(f"{argv} did not start") from None
                await asyncio.sleep(0.05)
        yield psutil.Process(process.pid)
    finally:
        process.terminate()
        await process.wait()


# ---- the clients ----------------------------------------------------------------------------------


@dataclass
class Target:
    """How to reach one server: receiver URL, publisher URL, and how frames look."""

    receiver_url: str
    publisher_url: str
    protocols: tuple[str, ...]
    wrap: Callable[[str], str]
    unwrap: Callable[[str], str]


def emulator_target(port: int) -> Target:
    """Receivers join the group through their token; the publisher may send to it."""
    base = f"http://127.0.0.1:{port}/client/hubs/chat"
    receiver = issue_client_token(KEY, base, groups=[GROUP])
    publisher = issue_client_token(KEY, base, roles=[f"webpubsub.sendToGroup.{GROUP}"])
    ws = base.replace("http://", "ws://")
    return Target(
        f"{ws}?access_token={receiver}",
        f"{ws}?access_token={publisher}",
        (JSON_PROTOCOL,),
        lambda data: json.dumps({"type": "sendToGroup", "group": GROUP, "dataType": "text", "data": data}),
        lambda frame: frame[frame.index(DATA_FIELD) + len(DATA_FIELD) :],
    )


def baseline_target(port: int) -> Target:
    """Raw text frames both ways."""
    return Target(f"ws://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/publish", (), str, str)


async def open_sockets(
    session: aiohttp.ClientSession, url: str, protocols: tuple[str, ...], count: int
) -> list[aiohttp.ClientWebSocketResponse]:
    """Open `count` WebSockets in batches (the listen backlog is finite); JSON ones read `connected`."""
    sockets: list[aiohttp.ClientWebSocketResponse] = []
    while len(sockets) < count:
        batch = min(CONNECT_BATCH, count - len(sockets))
        opened = await asyncio.gather(
            *(session.ws_connect(url, protocols=protocols, compress=0, max_msg_size=0) for _ in range(batch))
        )
        if protocols:
            await asyncio.gather(*(ws.receive() for ws in opened))
        sockets += opened
    return sockets


class Fanout:
    """One server's receivers and publisher: records latencies, knows when a message reached everyone."""

    def __init__(
        self,
        name: str,
        target: Target,
        sockets: list[aiohttp.ClientWebSocketResponse],
        publisher: aiohttp.ClientWebSocketResponse,
    ) -> None:
        self.name = name
        self.target = target
        self.sockets = sockets
        self.publisher = publisher
        self.latencies: list[int] = []
        self.sent = 0
        self.completed = 0  # messages that reached every receiver
        self._remaining: dict[int, int] = {}
        self._progress = asyncio.Event()
        self._tasks = [asyncio.ensure_future(self._read(ws)) for ws in sockets]
        self._tasks.append(asyncio.ensure_future(self._drain(publisher)))

    @staticmethod
    async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
        """Read the publisher's socket too, so control frames (pings) are answered."""
        async for _ in ws:
            pass

    async def publish(self) -> None:
        """Send the next message, stamped with its sequence number and send time."""
        seq = self.sent
        self.sent += 1
        self._remaining[seq] = len(self.sockets)
        await self.publisher.send_str(self.target.wrap(f"{seq}:{time.monotonic_ns()}:{PADDING}"))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            seq, sent, _ = self.target.unwrap(message.data).split(":", 2)
            self.latencies.append(time.monotonic_ns() - int(sent))
            key = int(seq)
            self._remaining[key] -= 1
            if self._remaining[key] == 0:
                del self._remaining[key]
                self.completed += 1
                self._progress.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait (without polling) until a delivery makes `condition` true."""
        while not condition():
            self._progress.clear()
            await self._progress.wait()

    async def throughput(self, messages: int, window: int) -> float:
        """Messages/s delivered to every receiver, publishing whenever fewer than `window` are in flight."""
        started, first = time.perf_counter(), self.sent
        for _ in range(messages):
            await self.until(lambda: self.sent - self.completed < window)
            await self.publish()
        await self.until(lambda: self.completed == first + messages)
        return messages / (time.perf_counter() - started)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in [*self.sockets, self.publisher]))


@asynccontextmanager
async def fanout(session: aiohttp.ClientSession, name: str, target: Target, clients: int) -> AsyncIterator[Fanout]:
    """Connect the receivers and the publisher of one server."""
    sockets = await open_sockets(session, target.receiver_url, target.protocols, clients)
    (publisher,) = await open_sockets(session, target.publisher_url, target.protocols, 1)
    bench = Fanout(name, target, sockets, publisher)
    try:
        yield bench
    finally:
        await bench.close()


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
            await bench.publish()
    for bench, target in zip(benches, targets, strict=True):
        await bench.until(lambda b=bench, t=target: b.completed == t)
    result = []
    for bench in benches:
        cuts = statistics.quantiles(bench.latencies, n=100)
        result.append((cuts[49] / 1e6, cuts[98] / 1e6))
    return result


async def measure(targets: list[tuple[str, Target]], sizes: Sizes) -> list[Result]:
    """Per server: median throughput of alternating rounds; latency sampled side by side each round."""
    rounds: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in targets}
    gc.collect()
    gc.disable()  # the receivers are the instrument: no collector pauses in the measurements
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session, AsyncExitStack() as stack:
            benches = [
                await stack.enter_async_context(fanout(session, name, target, sizes.clients))
                for name, target in targets
            ]
            for number in range(1, sizes.rounds + 1):
                speeds = [await bench.throughput(sizes.messages, sizes.window) for bench in benches]
                # well below what the receivers can take, so that latency is not queueing in the instrument
                rate = min(sizes.rate, LATENCY_LOAD * min(speeds) / len(benches))
                latencies = await paced_latency(benches, sizes.latency_messages, rate)
                summary = ", ".join(f"{s:,.0f} msg/s" for s in speeds)
                progress(f"round {number}/{sizes.rounds}: {summary}; latency at {rate:.0f} msg/s each")
                for bench, speed, (p50, p99) in zip(benches, speeds, latencies, strict=True):
                    rounds[bench.name].append((speed, p50, p99))
    finally:
        gc.enable()
    return [
        Result(name, sizes.clients, *(statistics.median(column) for column in zip(*rounds[name], strict=True)))
        for name, _ in targets
    ]


async def capacity(port: int, process: psutil.Process, count: int) -> tuple[float, float]:
    """RSS growth of the emulator for `count` idle connections: (total MiB, KiB per connection)."""
    target = emulator_target(port)
    before = process.memory_info().rss
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        sockets = await open_sockets(session, target.receiver_url, target.protocols, count)
        after = process.memory_info().rss
        await asyncio.gather(*(ws.close() for ws in sockets))
    return (after - before) / 2**20, (after - before) / count / 1024


def progress(line: str) -> None:
    """A progress note on stderr (the table goes to stdout)."""
    print(line, file=sys.stderr, flush=True)


def raise_fd_limit(needed: int) -> None:
    """Both ends of every connection live on this machine: make room for them (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


# ---- the report ----------------------------------------------------------------------------------------


def table(base: Result, emu: Result, rounds: int, idle: tuple[int, float, float] | None) -> str:
    """The markdown report."""
    lines = [
        f"| server (median of {rounds} rounds) | receivers | messages/s | deliveries/s "
        "| p50 latency (ms) | p99 latency (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in (base, emu):
        lines.append(
            f"| {r.name} | {r.clients} | {r.throughput:,.0f} | {r.throughput * r.clients:,.0f} "
            f"| {r.p50_ms:.2f} | {r.p99_ms:.2f} |"
        )
    lines.append(
        f"| emulator / baseline | | {emu.throughput / base.throughput:.2f}x (goal >= 0.5x) | "
        f"| {emu.p50_ms / base.p50_ms:.2f}x | {emu.p99_ms / base.p99_ms:.2f}x (goal <= 2x) |"
    )
    if idle is not None:
        count, total, per = idle
        lines += [
            "",
            "| idle connections | emulator RSS growth (MiB) | memory per connection (KiB) |",
            "|---:|---:|---:|",
            f"| {count:,} | {total:.1f} | {per:.1f} |",
        ]
    return "\n".join(lines)


async def run(sizes: Sizes, with_capacity: bool) -> str:
    """Both servers side by side, measured in alternating rounds, then the emulator's capacity."""
    raise_fd_limit(2 * (max(sizes.clients, sizes.idle if with_capacity else 0) + 200))
    base_port, emu_port = _free_port(), _free_port()
    async with (
        server_process(["-m", "bench.fanout", "--baseline-server", str(base_port)], base_port),
        server_process(["-m", "local.webpubsub", "--port", str(emu_port), "--key", KEY], emu_port) as emulator,
    ):
        base, emu = await measure(
            [
                ("websockets broadcast (baseline)", baseline_target(base_port)),
                ("Web PubSub emulator", emulator_target(emu_port)),
            ],
            sizes,
        )
        idle = None
        if with_capacity:
            total, per = await capacity(emu_port, emulator, sizes.idle)
            idle = (sizes.idle, total, per)
    return table(base, emu, sizes.rounds, idle)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    parser.add_argument("--clients", type=int, help="receivers in the group")
    parser.add_argument("--messages", type=int, help="messages in the throughput phase")
    parser.add_argument("--idle", type=int, help="idle connections for the capacity part")
    parser.add_argument("--rounds", type=int, help="alternating measurement rounds per server")
    parser.add_argument("--no-capacity", action="store_true", help="skip the idle-connections part")
    parser.add_argument("--baseline-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_server:
        asyncio.run(baseline_server(args.baseline_server))
        return
    base = QUICK if args.quick else FULL
    sizes = Sizes(
        clients=args.clients or base.clients,
        messages=args.messages or base.messages,
        window=base.window,
        rate=base.rate,
        latency_messages=base.latency_messages,
        idle=args.idle or base.idle,
        rounds=args.rounds or base.rounds,
    )
    print(asyncio.run(run(sizes, not args.no_capacity)), flush=True)


if __name__ == "__main__":
    main()
