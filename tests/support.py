"""Helpers every suite uses: free ports and waiting on a condition (never a bare sleep)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from local.stack import ROOT, azurite_connection_string, pubsub_connection_string

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Await `check` until it returns something truthy; fail with its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        await asyncio.sleep(interval)


def wait_until(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
    """The synchronous twin of `eventually`, for code outside an event loop."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        time.sleep(interval)


@dataclass
class RunningStack:
    """A `python -m local.stack` started by a test, with where each part listens."""

    process: subprocess.Popen
    lines: list[str]
    ports: dict[str, int]

    @property
    def functions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FUNCTIONS_PORT']}"

    @property
    def swa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['SWA_PORT']}"

    @property
    def pubsub_connection_string(self) -> str:
        return pubsub_connection_string(self.ports["PUBSUB_PORT"])

    @property
    def storage_connection_string(self) -> str:
        return azurite_connection_string(self.ports["AZURITE_PORT"])

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        """Ctrl-C the runner and wait for it; returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def start_stack(*args: str, env: dict[str, str] | None = None, **ports: int) -> RunningStack:
    """Start the local stack in memory on free ports (or the given ones) and wait until it is ready."""
    names = ("SWA_PORT", "FUNCTIONS_PORT", "PUBSUB_PORT", "AZURITE_PORT")
    chosen = {name: ports.get(name) or free_port() for name in names}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PUBSUB_", "STORAGE_"))}
    full_env = {**base, **{k: str(v) for k, v in chosen.items()}, **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", "--in-memory", *args],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return RunningStack(process, lines, chosen)


def wait_ready(stack: RunningStack, timeout: float = 120) -> RunningStack:
    """Block until the runner says it is running; fail with its output if it exits first."""
    wait_until(lambda: "is running at" in stack.output() or stack.process.poll() is not None, timeout)
    if stack.process.poll() is not None:
        raise AssertionError(f"the stack exited:\n{stack.output()}")
    return stack
