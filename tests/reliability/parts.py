"""The stack's parts as separate processes that a test can stop, kill and restart one at a time.

`local.stack.plan()` decides the commands and settings, exactly as `make run` uses them; this module
only runs each part on its own (`tests.support.PartProcess`) so a fault test can take one down
while the others keep running.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from local.stack import Addresses, Ports, emulator_part, event_handler_url, offline, plan
from tests.support import PartProcess


@dataclass
class Parts(Addresses):
    """Azurite, the emulator and the Functions adapter on free ports, each its own process."""

    ports: Ports
    processes: dict[str, PartProcess] = field(default_factory=dict)

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
        ports = Ports.free()
        env = offline(os.environ)
        planned, _ = plan(ports, in_memory=not persistent, data_dir=workdir, env=env, swa=swa)
        parts = cls(ports)
        for part in planned:
            if part.name == "webpubsub" and (event_handler is not None or emulator_args):
                handler = event_handler or event_handler_url(ports.functions)
                part = emulator_part(ports.pubsub, event_handler=handler, options=emulator_args)
            parts.processes[part.name] = PartProcess(part, workdir / f"{part.name}.log", env)
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
        """Stop everything, parts in front and the adapter first: the emulator's last `disconnected` events
        then fail at once, instead of reaching a backend whose broadcasts back to the stopping emulator hang
        until its timeout."""
        order = ["swa", "functions", "webpubsub", "azurite"]
        for process in sorted(self.processes.values(), key=lambda p: order.index(p.name) if p.name in order else -1):
            process.stop()

    @property
    def azurite(self) -> PartProcess:
        return self.processes["azurite"]

    @property
    def emulator(self) -> PartProcess:
        return self.processes["webpubsub"]

    @property
    def functions(self) -> PartProcess:
        return self.processes["functions"]

    def __repr__(self) -> str:
        return f"Parts({self.ports})"

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # how hypothesis prints a failing example
        printer.text(repr(self))  # type: ignore[attr-defined]

    def logs(self) -> str:
        return "\n".join(f"==== {p.name}\n{p.log()[-4000:]}" for p in self.processes.values())
