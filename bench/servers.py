"""Processes the benchmarks start: the baseline broadcast server, the emulator, Azurite; ports and fd limits."""

from __future__ import annotations

import asyncio
import resource
import socket
import sys
import time
from contextlib import asynccontextmanager
from typing import TextIO

import psutil

from bench.report import RESULTS, ROOT
from local.stack import NODE_BIN, azurite_connection_string
from local.webpubsub.tokens import issue_client_token

KEY = "BenchmarkAccessKey-0123456789abcdefghijklmnop"
HUB = "chat"
JSON_PROTOCOL = "json.webpubsub.azure.v1"


def log_file(name: str) -> TextIO:
    """A log for the output of the processes a benchmark starts: bench/results/logs/<name>.log (git-ignored)."""
    folder = RESULTS / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / f"{name}.log", "w")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_fd_limit(needed: int) -> int:
    """Both ends of every connection live on this machine: make room for them (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


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


async def _listening(port: int, process: asyncio.subprocess.Process, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline or process.returncode is not None:
                raise RuntimeError(f"{what} did not start on port {port}") from None
            await asyncio.sleep(0.05)


@asynccontextmanager
async def process(argv: list[str], port: int, what: str, env: dict[str, str] | None = None):
    """Run a server process until the block ends; yields its psutil handle once it listens on `port`."""
    import os

    child = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await _listening(port, child, what)
        yield psutil.Process(child.pid)
    finally:
        if child.returncode is None:
            child.terminate()
            try:
                await asyncio.wait_for(child.wait(), 15)
            except TimeoutError:
                child.kill()
                await child.wait()


def baseline_process(port: int):
    return process([sys.executable, "-m", "bench.servers", "--baseline-server", str(port)], port, "baseline server")


def emulator_process(port: int, event_handler: str | None = None):
    argv = [sys.executable, "-m", "local.webpubsub", "--port", str(port), "--key", KEY]
    if event_handler:
        argv += [
            "--hub",
            HUB,
            "--event-handler",
            event_handler,
            "--user-events",
            "*",
            "--system-events",
            "connected,disconnected",
        ]
    return process(argv, port, "Web PubSub emulator")


def azurite_process(port: int):
    argv = [
        str(NODE_BIN / "azurite-table"),
        "--tableHost",
        "127.0.0.1",
        "--tablePort",
        str(port),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--inMemoryPersistence",
    ]
    return process(argv, port, "Azurite")


def emulator_connection_string(port: int) -> str:
    return f"Endpoint=http://127.0.0.1:{port};AccessKey={KEY};Version=1.0;"


def storage_connection_string(port: int) -> str:
    return azurite_connection_string(port)


def client_url(port: int, *, user_id: str | None = None, roles=(), groups=(), key: str = KEY) -> str:
    """A client URL with a token the emulator accepts (`key`: the stack's own key for a `local.stack` emulator)."""
    base = f"http://127.0.0.1:{port}/client/hubs/{HUB}"
    token = issue_client_token(key, base, user_id=user_id, roles=roles, groups=groups)
    return f"ws://127.0.0.1:{port}/client/hubs/{HUB}?access_token={token}"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--baseline-server":
        asyncio.run(baseline_server(int(sys.argv[2])))
    else:
        sys.exit("usage: python -m bench.servers --baseline-server PORT")
