"""`python -m local.stack`: start Azurite, the Web PubSub emulator, the Functions adapter and the SWA CLI.

Each part gets a prefixed log, the runner waits until every part answers, prints the URL, and stops
everything on Ctrl-C (or as soon as one part dies). Ports move with SWA_PORT, FUNCTIONS_PORT,
PUBSUB_PORT and AZURITE_PORT. When PUBSUB_CONNECTION_STRING / PUBSUB_ENDPOINT or
STORAGE_CONNECTION_STRING / STORAGE_ACCOUNT_NAME are set, the emulator or Azurite is not started
and the backend uses the real service instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from . import site

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
PUBSUB_KEY = "ChatrLocalEmulatorKey0123456789abcdefghijklm"  # 44 characters, like a real access key
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
LOCAL_GUEST_SIGNING_KEY = "chatr-local-guest-signing-key-not-for-production"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
_COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m"]


class StackError(RuntimeError):
    """A part could not start; the message says which and what to do."""


@dataclass(frozen=True)
class Ports:
    """Where each part listens; every one overridable by its setting."""

    swa: int = 4280
    functions: int = 7071
    pubsub: int = 8080
    azurite: int = 10002

    SETTINGS = {"swa": "SWA_PORT", "functions": "FUNCTIONS_PORT", "pubsub": "PUBSUB_PORT", "azurite": "AZURITE_PORT"}

    @classmethod
    def from_env(cls) -> Ports:
        """Defaults, moved by SWA_PORT, FUNCTIONS_PORT, PUBSUB_PORT, AZURITE_PORT."""
        defaults = cls()
        values = {k: int(os.environ.get(v, getattr(defaults, k))) for k, v in cls.SETTINGS.items()}
        return cls(**values)


def pubsub_connection_string(port: int) -> str:
    """The emulator's connection string, as it prints it."""
    return f"Endpoint=http://127.0.0.1:{port};AccessKey={PUBSUB_KEY};Version=1.0;"


def azurite_connection_string(port: int) -> str:
    """Azurite's well-known development account, table endpoint only."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"TableEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
    )


@dataclass
class Part:
    """One process of the stack and how to tell it is ready."""

    name: str
    argv: list[str]
    port: int
    setting: str
    ready_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None
    stop_signal: signal.Signals = signal.SIGTERM  # what asks it to stop cleanly


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def plan(
    ports: Ports, in_memory: bool, data_dir: Path, env: dict[str, str], swa: bool = True
) -> tuple[list[Part], dict[str, str]]:
    """The parts to start, in order, and the settings the backend gets."""
    parts: list[Part] = []
    backend_env = {"PUBSUB_HUB": env.get("PUBSUB_HUB", "chat")}
    if not (env.get("STORAGE_CONNECTION_STRING") or env.get("STORAGE_ACCOUNT_NAME")):
        location = ["--inMemoryPersistence"] if in_memory else ["--location", str(data_dir / "azurite")]
        parts.append(
            Part(
                "azurite",
                [
                    str(NODE_BIN / "azurite-table"),
                    "--tableHost",
                    "127.0.0.1",
                    "--tablePort",
                    str(ports.azurite),
                    "--skipApiVersionCheck",
                    "--disableTelemetry",
                    *location,
                ],
                ports.azurite,
                "AZURITE_PORT",
                stop_signal=signal.SIGINT,  # Azurite saves its data on SIGINT only; SIGTERM loses the last 5 s
            )
        )
        backend_env["STORAGE_CONNECTION_STRING"] = azurite_connection_string(ports.azurite)
    if not (env.get("PUBSUB_CONNECTION_STRING") or env.get("PUBSUB_ENDPOINT")):
        if (ROOT / "local" / "webpubsub").is_dir():
            parts.append(
                Part(
                    "webpubsub",
                    [
                        sys.executable,
                        "-m",
                        "local.webpubsub",
                        "--port",
                        str(ports.pubsub),
                        "--key",
                        PUBSUB_KEY,
                        "--hub",
                        backend_env["PUBSUB_HUB"],
                        "--event-handler",
                        f"http://127.0.0.1:{ports.functions}/api/eventHandler",
                        "--user-events",
                        "*",
                        "--system-events",
                        "connected,disconnected",
                    ],
                    ports.pubsub,
                    "PUBSUB_PORT",
                    ready_url=f"http://127.0.0.1:{ports.pubsub}/api/health",
                )
            )
        backend_env["PUBSUB_CONNECTION_STRING"] = pubsub_connection_string(ports.pubsub)
    backend_env["GUEST_SIGNING_KEY"] = env.get("GUEST_SIGNING_KEY", LOCAL_GUEST_SIGNING_KEY)
    site_token = secrets.token_urlsafe(32)  # links the adapter to the site, as App Service authentication does
    if swa:
        backend_env[site.SITE_TOKEN_SETTING] = site_token
    parts.append(
        Part(
            "functions",
            [sys.executable, "-m", "local.functions_host", "--port", str(ports.functions)],
            ports.functions,
            "FUNCTIONS_PORT",
            ready_url=f"http://127.0.0.1:{ports.functions}/admin/host/status",
            env=backend_env,
        )
    )
    if not swa:
        return parts, backend_env
    parts.append(
        Part(
            "swa",
            site.command(ports.swa, f"http://127.0.0.1:{ports.functions}"),
            ports.swa,
            "SWA_PORT",
            ready_url=f"http://127.0.0.1:{ports.swa}/",
            env={
                "SWA_CLI_CAPTURE_TELEMETRY": "false",
                "SWA_CLI_OPEN_BROWSER": "false",
                site.SITE_TOKEN_SETTING: site_token,
            },
        )
    )
    return parts, backend_env


class Stack:
    """Starts the parts in order, relays their output with a prefix, and stops them all together."""

    def __init__(self, parts: list[Part], out=sys.stdout) -> None:
        self.parts = parts
        self.out = out
        self._pumps: list[asyncio.Task[None]] = []
        self._width = max(len(p.name) for p in parts)

    def _say(self, name: str, line: str, colour: str = "") -> None:
        reset = "\033[0m" if colour else ""
        self.out.write(f"{colour}{name.ljust(self._width)} |{reset} {line}\n")
        self.out.flush()

    async def start(self) -> None:
        """Start every part and wait until each answers; raises StackError naming the culprit."""
        busy = [p for p in self.parts if not port_is_free(p.port)]
        if busy:
            raise StackError(
                "; ".join(f"port {p.port} ({p.name}) is busy: stop what uses it or set {p.setting}" for p in busy)
            )
        colour = sys.stdout.isatty()
        for index, part in enumerate(self.parts):
            part.process = await asyncio.create_subprocess_exec(
                *part.argv,
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **part.env},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
            tint = _COLOURS[index % len(_COLOURS)] if colour else ""
            self._pumps.append(asyncio.create_task(self._pump(part, tint)))
            await self._wait_ready(part)
            self._say(part.name, f"ready on port {part.port} (pid {part.process.pid})", tint)

    async def _pump(self, part: Part, tint: str) -> None:
        assert part.process and part.process.stdout
        async for raw in part.process.stdout:
            self._say(part.name, raw.decode(errors="replace").rstrip(), tint)

    async def _wait_ready(self, part: Part) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while time.monotonic() < deadline:
                if part.process and part.process.returncode is not None:
                    raise StackError(f"{part.name} exited with code {part.process.returncode} while starting")
                if await _answers(session, part):
                    return
                await asyncio.sleep(0.2)
        raise StackError(f"{part.name} did not answer on port {part.port} within {READY_TIMEOUT:.0f} s")

    async def wait_for_exit(self) -> Part:
        """The first part whose process ends."""
        waits = {asyncio.ensure_future(p.process.wait()): p for p in self.parts if p.process}
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return waits[next(iter(done))]

    async def stop(self) -> None:
        """Stop every part (whole process groups) one by one; kill what does not stop in time.

        The SWA CLI goes first, then the emulator (its `disconnected` webhooks still reach the
        Functions adapter), then the adapter, then Azurite.
        """
        for part in sorted(self.parts, key=lambda p: _STOP_ORDER.index(p.name)):
            if part.process is None:
                continue
            if part.process.returncode is None:
                _signal_group(part.process.pid, part.stop_signal)
            try:
                await asyncio.wait_for(part.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self._say(part.name, "did not stop in time; killing it")
                _signal_group(part.process.pid, signal.SIGKILL)
                await part.process.wait()
            _signal_group(part.process.pid, signal.SIGKILL)  # stray grandchildren of the group
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)


_STOP_ORDER = ["swa", "webpubsub", "functions", "azurite"]


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def _answers(session: aiohttp.ClientSession, part: Part) -> bool:
    if part.ready_url is None:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", part.port)
        except OSError:
            return False
        writer.close()
        return True
    try:
        async with session.get(part.ready_url, allow_redirects=False) as response:
            return response.status < 500
    except (TimeoutError, aiohttp.ClientError):
        return False


async def run(in_memory: bool, data_dir: Path, swa: bool) -> int:
    """Start the stack, serve until Ctrl-C or a part dies, then stop everything."""
    ports = Ports.from_env()
    parts, _ = plan(ports, in_memory, data_dir, dict(os.environ), swa)
    stack = Stack(parts)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    code = 0
    try:
        await stack.start()
        where = f"http://localhost:{ports.swa}" if swa else f"http://127.0.0.1:{ports.functions}/api (no SWA CLI)"
        print(f"\nChatr is running at {where}  (Ctrl-C stops everything)\n", flush=True)
        exited = asyncio.ensure_future(stack.wait_for_exit())
        stopped = asyncio.ensure_future(stopping.wait())
        await asyncio.wait([exited, stopped], return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            part = exited.result()
            print(f"\n{part.name} exited (code {part.process.returncode}); stopping everything", flush=True)
            code = 1
        for task in (exited, stopped):
            task.cancel()
    except StackError as err:
        print(f"\nCannot start Chatr: {err}", file=sys.stderr, flush=True)
        code = 1
    finally:
        await stack.stop()
        print("Stopped.", flush=True)
    return code


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m local.stack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--in-memory", action="store_true", help="keep Azurite's data in memory only")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data", help="where Azurite keeps its data")
    parser.add_argument("--no-swa", action="store_true", help="start the backend only (no SWA CLI)")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.in_memory, args.data_dir, not args.no_swa)))


if __name__ == "__main__":
    main()
