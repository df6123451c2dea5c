"""What the benchmarks run: the baseline broadcast server, the emulator, whole local stacks; fd limits and logs.

Every process is a `local.stack` part started by `local.stack.running()`, as `make run` starts it;
its output goes to a log under bench/results/logs/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import resource
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import psutil
from webpubsub_emulator.tokens import issue_client_token

from api.pubsub import token_groups
from bench.report import RESULTS
from local.stack import PUBSUB_KEY, Addresses, Part, Ports, Stack, functions_part, plan, running

HUB = "chat"


def log_file(name: str) -> TextIO:
    """A log for the output of the processes a benchmark starts: bench/results/logs/<name>.log (git-ignored)."""
    folder = RESULTS / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / f"{name}.log", "w")


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


def baseline_part(port: int) -> Part:
    """The baseline server as a process of its own, like the emulator it is compared with."""
    return Part("baseline", (sys.executable, "-m", "bench.servers", "--baseline-server", str(port)), port)


@asynccontextmanager
async def serving(*parts: Part) -> AsyncIterator[list[psutil.Process]]:
    """Run server processes until the block ends; yields their psutil handles once each answers.

    Their output is discarded: relaying a line per connection would load this process, the instrument.
    """
    async with running(parts, out=None) as stack:
        yield [psutil.Process(stack.pid(part.name)) for part in parts]


@dataclass
class LocalStack(Addresses):
    """A whole local stack a benchmark started, stopped with the benchmark's exit stack."""

    ports: Ports
    stack: Stack


async def start_stack(
    exits: AsyncExitStack, log: str, *, swa: bool = False, data_dir: Path | None = None, functions: str | None = None
) -> LocalStack:
    """`make run`'s parts on free ports (Azurite in memory unless `data_dir`; the SWA CLI only with `swa`).

    `functions` names a module to serve `function_app.py` instead of the Functions adapter.
    """
    ports = Ports.free()
    parts, backend_env = plan(ports, in_memory=data_dir is None, data_dir=data_dir or RESULTS, env={}, swa=swa)
    if functions is not None:
        parts = [functions_part(ports.functions, backend_env, functions) if p.name == "functions" else p for p in parts]
    stack = await exits.enter_async_context(running(parts, exits.enter_context(log_file(log))))
    return LocalStack(ports, stack)


def client_url(port: int, *, user_id: str | None = None, roles: Sequence[str] = (), groups: Sequence[str] = ()) -> str:
    """A client URL with a token the emulator on `port` accepts (every emulator here has the stack's key)."""
    base = f"http://127.0.0.1:{port}/client/hubs/{HUB}"
    token = issue_client_token(PUBSUB_KEY, base, user_id=user_id, roles=roles, groups=groups)
    return f"ws://127.0.0.1:{port}/client/hubs/{HUB}?access_token={token}"


def user_url(port: int, user_id: str) -> str:
    """The URL Chatr's getToken would give the user: a token joining the groups that prove the connection is theirs."""
    return client_url(port, user_id=user_id, groups=token_groups(user_id))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--baseline-server":
        asyncio.run(baseline_server(int(sys.argv[2])))
    else:
        sys.exit("usage: python -m bench.servers --baseline-server PORT")
