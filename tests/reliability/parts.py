"""The stack's parts as separate processes that a test can stop, kill and restart one at a time.

`local.stack.plan()` decides the commands and settings, exactly as `make run` uses them; this module
only runs each part on its own (own process group, own log file) so a fault test can take one down
while the others keep running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

from local.stack import ROOT, Part, Ports, azurite_connection_string, plan, pubsub_connection_string
from tests.support import free_port, wait_until

START_TIMEOUT = 120.0  # generous: the machine is shared with other test runs
STOP_TIMEOUT = 15.0


def _answers(part: Part) -> bool:
    if part.ready_url is None:
        with socket.socket() as sock:
            sock.settimeout(2)
            return sock.connect_ex(("127.0.0.1", part.port)) == 0
    try:
        with urllib.request.urlopen(part.ready_url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as err:
        return err.code < 500
    except (OSError, urllib.error.URLError):
        return False


@dataclass
class Process:
    """One part: started, stopped, killed and restarted by the test, its output kept in a log file."""

    part: Part
    log_path: Path
    base_env: dict[str, str]
    popen: subprocess.Popen | None = None
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

    def start(self, timeout: float = START_TIMEOUT) -> Process:
        """Start the part and wait until it answers; fail with its log if it exits first."""
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"---- start #{self.starts}: {' '.join(self.part.argv)}\n")
        log = self.log_path.open("a")
        try:
            self.popen = subprocess.Popen(
                self.part.argv,
                cwd=ROOT,
                env={**self.base_env, "PYTHONUNBUFFERED": "1", **self.part.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        wait_until(lambda: not self.running or _answers(self.part), timeout=timeout, interval=0.1)
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
        if self.running:
            self._signal(signal.SIGKILL)
            self.popen.wait(STOP_TIMEOUT)

    def restart(self, *, crash: bool = False) -> Process:
        """Stop (or kill) and start again on the same port."""
        self.kill() if crash else self.stop()
        wait_until(lambda: not _answers(self.part), timeout=STOP_TIMEOUT)
        return self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Parts:
    """Azurite, the emulator and the Functions adapter on free ports, each its own process."""

    ports: Ports
    processes: dict[str, Process] = field(default_factory=dict)

    @classmethod
    def plan(
        cls,
        workdir: Path,
        *,
        persistent: bool = False,
        event_handler: str | None = None,
        emulator_args: tuple[str, ...] = (),
        swa: bool = False,
    ) -> Parts:
        """The parts `make run` would start, on free ports, not started yet (the SWA CLI only with `swa`).

        `persistent` keeps Azurite's data in `workdir` so it survives a restart; `event_handler`
        points the emulator somewhere other than the adapter (a proxy a test controls).
        """
        ports = Ports(swa=free_port(), functions=free_port(), pubsub=free_port(), azurite=free_port())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBSUB_", "STORAGE_", "WEBHOOK_"))}
        planned, _ = plan(ports, in_memory=not persistent, data_dir=workdir, env=env, swa=swa)
        parts = cls(ports)
        for part in planned:
            if part.name == "webpubsub":
                argv = list(part.argv)
                if event_handler is not None:
                    argv[argv.index("--event-handler") + 1] = event_handler
                part = replace(part, argv=[*argv, *emulator_args])
            parts.processes[part.name] = Process(part, workdir / f"{part.name}.log", env)
        return parts

    def start(self) -> Parts:
        """Start every part in `make run`'s order: Azurite, emulator, adapter (and the SWA CLI)."""
        try:
            for process in self.processes.values():
                process.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything, the adapter first: the emulator's last `disconnected` events then fail at once,
        instead of reaching a backend whose broadcasts back to the stopping emulator hang until its timeout."""
        for name in ("swa", "functions", "webpubsub", "azurite"):
            if name in self.processes:
                self.processes[name].stop()

    @property
    def azurite(self) -> Process:
        return self.processes["azurite"]

    @property
    def emulator(self) -> Process:
        return self.processes["webpubsub"]

    @property
    def functions(self) -> Process:
        return self.processes["functions"]

    @property
    def swa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.swa}"

    @property
    def functions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.functions}"

    @property
    def pubsub_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.pubsub}"

    @property
    def pubsub_connection_string(self) -> str:
        return pubsub_connection_string(self.ports.pubsub)

    @property
    def storage_connection_string(self) -> str:
        return azurite_connection_string(self.ports.azurite)

    def __repr__(self) -> str:
        return f"Parts({self.ports})"

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # how hypothesis prints a failing example
        printer.text(repr(self))  # type: ignore[attr-defined]

    def logs(self) -> str:
        return "\n".join(f"==== {p.name}\n{p.log()[-4000:]}" for p in self.processes.values())
