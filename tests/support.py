"""Helpers every suite uses: waiting on a condition (never a bare sleep) and the local stack's processes.

Two ways to run the stack, both from `local.stack`'s parts: `start_stack()` runs `python -m
local.stack` itself, as `make run` does; `PartProcess` runs one part on its own (own process group,
own log file) so a test can stop, kill and restart it while the others keep running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from webpubsub_emulator.testing import eventually as eventually  # every suite waits with it

from local.stack import ROOT, Addresses, Part, Ports, offline

T = TypeVar("T")

START_TIMEOUT = 120.0  # generous: the machine is shared with other test runs
STOP_TIMEOUT = 15.0


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


# ---- `python -m local.stack`, as `make run` starts it ------------------------------------------------


@dataclass
class RunningStack(Addresses):
    """A `python -m local.stack` started by a test, with where each part listens."""

    process: subprocess.Popen[str]
    lines: list[str]
    ports: Ports
    reader: threading.Thread

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        """Ctrl-C the runner (unless it has ended) and wait for it; its exit code, its output then complete."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.ended()

    def ended(self, timeout: float = 60) -> int:
        """Wait for the runner to end by itself; its exit code, its output then complete (and its pipe closed)."""
        code = self.process.wait(timeout)
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code


def start_stack(*args: str, env: dict[str, str] | None = None, ports: Ports | None = None) -> RunningStack:
    """Start the local stack in memory on free ports (or the given ones); `wait_ready` waits for it."""
    chosen = ports or Ports.free()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", "--in-memory", *args],
        cwd=ROOT,
        env={**offline(os.environ), **chosen.settings(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert process.stdout is not None
    output = process.stdout
    reader = threading.Thread(target=lambda: lines.extend(output), daemon=True)
    reader.start()
    return RunningStack(process, lines, chosen, reader)


def wait_ready(stack: RunningStack, timeout: float = 120) -> RunningStack:
    """Block until the runner says it is running; fail with its output if it exits first."""
    wait_until(lambda: "is running at" in stack.output() or stack.process.poll() is not None, timeout)
    if stack.process.poll() is not None:
        stack.ended()
        raise AssertionError(f"the stack exited:\n{stack.output()}")
    return stack


@contextlib.contextmanager
def stack_running(*args: str) -> Iterator[RunningStack]:
    """A ready local stack (`start_stack`'s arguments) for the block, stopped after it."""
    stack = wait_ready(start_stack(*args))
    try:
        yield stack
    finally:
        stack.stop()


# ---- one part on its own -------------------------------------------------------------------------------


@dataclass
class PartProcess:
    """One part: started, stopped, killed and restarted by the test, its output kept in a log file."""

    part: Part
    log_path: Path
    base_env: Mapping[str, str]
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def name(self) -> str:
        return self.part.name

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> PartProcess:
        """Start the part and wait until it answers; fail with its log if it exits first."""
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"---- start #{self.starts}: {' '.join(self.part.argv)}\n")
        with self.log_path.open("a") as log:
            self.popen = subprocess.Popen(
                self.part.argv,
                cwd=ROOT,
                env={**self.base_env, "PYTHONUNBUFFERED": "1", **self.part.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(lambda: not self.running or self.part.answers(), timeout=timeout, interval=0.1)
        if not self.running:
            raise AssertionError(f"{self.name} exited while starting:\n{self.log()}")
        return self

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """A clean shutdown (the part's stop signal, as `make run` stops it), SIGKILL if it hangs; the exit code."""
        if self.popen is None:
            return None
        if self.running:
            self._signal(self.part.stop_signal)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(timeout)
        self._signal(signal.SIGKILL)  # stray children of the group (npm shims)
        return self.popen.returncode

    def kill(self) -> None:
        """A crash: SIGKILL, no chance to say goodbye to anyone."""
        if self.popen is not None and self.running:
            self._signal(signal.SIGKILL)
            self.popen.wait(STOP_TIMEOUT)

    def restart(self, *, crash: bool = False) -> PartProcess:
        """Stop (or kill) and start again on the same port."""
        self.kill() if crash else self.stop()
        wait_until(lambda: not self.part.answers(), timeout=STOP_TIMEOUT)
        return self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
