"""`python -m local.stack`: start Azurite, the Web PubSub emulator, the Functions adapter and the site.

Each part gets a prefixed log, the runner waits until every part answers, prints the URL, and stops
everything on Ctrl-C (or as soon as one part dies). Ports move with SWA_PORT, FUNCTIONS_PORT,
PUBSUB_PORT and AZURITE_PORT. When PUBSUB_CONNECTION_STRING / PUBSUB_ENDPOINT or
STORAGE_CONNECTION_STRING / STORAGE_ACCOUNT_NAME are set, the emulator or Azurite is not started
and the backend uses the real service instead.

This module is also the one way anything else starts the parts: the tests and the benchmarks take
their command lines (`plan()` and the `*_part()` builders), ports (`Ports`), readiness probe
(`Part.answers()`), addresses (`Addresses`) and runner (`Stack`, `running()`) from here.
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
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TextIO

from webpubsub_emulator.testing import free_port as free_port  # part of this module's API, used by tests

from api.models import USER_EVENTS

from .functions_host.app_service_auth import SITE_TOKEN_SETTING
from .functions_host.server import BODY_LIMIT_SETTING

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
HOST = "127.0.0.1"
PUBSUB_KEY = "ChatrLocalEmulatorKey0123456789abcdefghijklm"  # 44 characters, like a real access key
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
LOCAL_GUEST_SIGNING_KEY = "chatr-local-guest-signing-key-not-for-production"
APP_BODY_LIMIT = 1024 * 1024  # FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, as deploy/modules/function-app.bicep sets it
SERVICE_SETTINGS = ("PUBSUB_", "STORAGE_", "WEBHOOK_")  # settings that point the backend at real services
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
_COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m"]


class StackError(RuntimeError):
    """A part could not start; the message says which and what to do."""


# ---- ports and addresses -----------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class Ports:
    """Where each part listens; every one overridable by its setting."""

    swa: int = 4280
    functions: int = 7071
    pubsub: int = 8080
    azurite: int = 10002

    SETTINGS: ClassVar[dict[str, str]] = {
        "swa": "SWA_PORT",
        "functions": "FUNCTIONS_PORT",
        "pubsub": "PUBSUB_PORT",
        "azurite": "AZURITE_PORT",
    }

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Ports:
        """Defaults, moved by SWA_PORT, FUNCTIONS_PORT, PUBSUB_PORT, AZURITE_PORT."""
        defaults = cls()
        return cls(**{k: int(env.get(v, getattr(defaults, k))) for k, v in cls.SETTINGS.items()})

    @classmethod
    def free(cls) -> Ports:
        """Ports nothing listens on right now, for a stack that must not meet `make run`'s or another test's."""
        return cls(**{k: free_port() for k in cls.SETTINGS})

    def settings(self) -> dict[str, str]:
        """The environment that moves `python -m local.stack` to these ports."""
        return {setting: str(getattr(self, k)) for k, setting in self.SETTINGS.items()}

    def all(self) -> tuple[int, ...]:
        """Every port."""
        return astuple(self)


def pubsub_connection_string(port: int) -> str:
    """The emulator's connection string, as it prints it."""
    return f"Endpoint=http://{HOST}:{port};AccessKey={PUBSUB_KEY};Version=1.0;"


def azurite_connection_string(port: int) -> str:
    """Azurite's well-known development account, table endpoint only."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"TableEndpoint=http://{HOST}:{port}/{AZURITE_ACCOUNT};"
    )


class Addresses:
    """Where the parts of a stack on `ports` answer: the one spelling of its URLs and connection strings."""

    ports: Ports

    @property
    def swa_url(self) -> str:
        return f"http://{HOST}:{self.ports.swa}"

    @property
    def functions_url(self) -> str:
        return f"http://{HOST}:{self.ports.functions}"

    @property
    def pubsub_connection_string(self) -> str:
        return pubsub_connection_string(self.ports.pubsub)

    @property
    def storage_connection_string(self) -> str:
        return azurite_connection_string(self.ports.azurite)


# ---- the parts ---------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer (the SWA CLI redirects `/` to the sign-in page); no need to follow it


_PROBE = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Part:
    """One process of the stack, as data: its command, where it listens, and how to tell it is ready."""

    name: str
    argv: tuple[str, ...]
    port: int
    setting: str | None = None  # the setting that moves its port, named when the port is busy
    ready_url: str | None = None  # None: ready once it accepts TCP connections
    env: Mapping[str, str] = field(default_factory=dict)
    stop_signal: signal.Signals = signal.SIGTERM  # what asks it to stop cleanly

    def answers(self, timeout: float = 2.0) -> bool:
        """Is it ready: any answer but a 5xx from `ready_url`, or a TCP connection when there is none."""
        if self.ready_url is None:
            with socket.socket() as sock:
                sock.settimeout(timeout)
                return sock.connect_ex((HOST, self.port)) == 0
        try:
            with _PROBE.open(self.ready_url, timeout=timeout) as response:
                status: int = response.status
        except urllib.error.HTTPError as err:
            with err:  # the answer's connection, closed
                status = err.code
        except (OSError, urllib.error.URLError):
            return False
        return status < 500


def azurite_part(port: int, data_dir: Path | None) -> Part:
    """Azurite's table service; its data under `data_dir`/azurite, or in memory when there is none."""
    location = ("--inMemoryPersistence",) if data_dir is None else ("--location", str(data_dir / "azurite"))
    argv = (str(NODE_BIN / "azurite-table"), "--tableHost", HOST, "--tablePort", str(port))
    return Part(
        "azurite",
        (*argv, "--skipApiVersionCheck", "--disableTelemetry", *location),
        port,
        Ports.SETTINGS["azurite"],
        stop_signal=signal.SIGINT,  # Azurite saves its data on SIGINT only; SIGTERM loses the last 5 s
    )


def emulator_part(
    port: int, *, hub: str = "chat", event_handler: str | None = None, options: Sequence[str] = ()
) -> Part:
    """The Web PubSub emulator with the stack's key; with `event_handler`, hub `hub` sends it Chatr's events."""
    argv = [sys.executable, "-m", "webpubsub_emulator", "--port", str(port), "--key", PUBSUB_KEY]
    if event_handler is not None:
        argv += ["--hub", hub, "--event-handler", event_handler]
        argv += ["--user-events", ",".join(USER_EVENTS), "--system-events", "connect,connected,disconnected"]
    return Part(
        "webpubsub",
        (*argv, *options),
        port,
        Ports.SETTINGS["pubsub"],
        ready_url=f"http://{HOST}:{port}/api/health",
    )


def event_handler_url(functions_port: int) -> str:
    """Where the emulator sends every event: the adapter's `eventHandler` function."""
    return f"http://{HOST}:{functions_port}/api/eventHandler"


def functions_part(port: int, env: Mapping[str, str], module: str = "local.functions_host") -> Part:
    """The Functions host adapter (or a stand-in `module` with its command line) serving `function_app.py`."""
    return Part(
        "functions",
        (sys.executable, "-m", module, "--port", str(port)),
        port,
        Ports.SETTINGS["functions"],
        ready_url=f"http://{HOST}:{port}/admin/host/status",
        env=env,
    )


def swa_cli_part(port: int, api_url: str, config_location: str = ".") -> Part:
    """The SWA CLI serving `client/` with `config_location`/staticwebapp.config.json, `/api` proxied to `api_url`.

    In the stack it listens on a private port behind the edge (`site_part`), which is the site's address.
    """
    argv = (str(NODE_BIN / "swa"), "start", "client", "--port", str(port), "--host", HOST)
    return Part(
        "swa",
        (*argv, "--api-devserver-url", api_url, "--swa-config-location", config_location),
        port,
        ready_url=f"http://{HOST}:{port}/",
        env={"SWA_CLI_CAPTURE_TELEMETRY": "false", "SWA_CLI_OPEN_BROWSER": "false"},
    )


def site_part(port: int, upstream_port: int, token: str) -> Part:
    """The site's address: the edge (local/site.py) before the SWA CLI on `upstream_port`, `token` on /api calls."""
    return Part(
        "site",
        (sys.executable, "-m", "local.site", "--port", str(port), "--upstream", f"http://{HOST}:{upstream_port}"),
        port,
        Ports.SETTINGS["swa"],
        ready_url=f"http://{HOST}:{port}/",  # through the edge: ready once the SWA CLI behind it answers too
        env={SITE_TOKEN_SETTING: token},
    )


def offline(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the settings that would point the backend at real services: the whole stack runs here."""
    return {k: v for k, v in env.items() if not k.startswith(SERVICE_SETTINGS)}


def plan(
    ports: Ports, in_memory: bool, data_dir: Path, env: Mapping[str, str], swa: bool = True
) -> tuple[list[Part], dict[str, str]]:
    """The parts to start, in order, and the settings the backend gets (the site only with `swa`)."""
    parts: list[Part] = []
    backend_env = {"PUBSUB_HUB": env.get("PUBSUB_HUB", "chat")}
    if not (env.get("STORAGE_CONNECTION_STRING") or env.get("STORAGE_ACCOUNT_NAME")):
        parts.append(azurite_part(ports.azurite, None if in_memory else data_dir))
        backend_env["STORAGE_CONNECTION_STRING"] = azurite_connection_string(ports.azurite)
    if not (env.get("PUBSUB_CONNECTION_STRING") or env.get("PUBSUB_ENDPOINT")):
        handler = event_handler_url(ports.functions)
        parts.append(emulator_part(ports.pubsub, hub=backend_env["PUBSUB_HUB"], event_handler=handler))
        backend_env["PUBSUB_CONNECTION_STRING"] = pubsub_connection_string(ports.pubsub)
    backend_env["GUEST_SIGNING_KEY"] = env.get("GUEST_SIGNING_KEY", LOCAL_GUEST_SIGNING_KEY)
    backend_env[BODY_LIMIT_SETTING] = str(APP_BODY_LIMIT)
    site_token = secrets.token_urlsafe(32)  # links the adapter to the site, as App Service authentication does
    if swa:
        backend_env[SITE_TOKEN_SETTING] = site_token
    parts.append(functions_part(ports.functions, backend_env))
    if swa:
        swa_cli = swa_cli_part(free_port(), f"http://{HOST}:{ports.functions}")  # private: only the edge calls it
        parts += [swa_cli, site_part(ports.swa, swa_cli.port, site_token)]
    return parts, backend_env


# ---- running them ------------------------------------------------------------------------------


class Stack:
    """Starts the parts in order, relays their output with a prefix, and stops them all together."""

    def __init__(
        self, parts: Sequence[Part], out: TextIO | None = sys.stdout, env: Mapping[str, str] = os.environ
    ) -> None:
        """`out` gets every part's output, each line prefixed with its name; None discards it."""
        self.parts = list(parts)
        self.out = out
        self.env = env
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self._pumps: list[asyncio.Task[None]] = []
        self._width = max(len(p.name) for p in self.parts)

    def _say(self, name: str, line: str, colour: str = "") -> None:
        if self.out is None:
            return
        reset = "\033[0m" if colour else ""
        self.out.write(f"{colour}{name.ljust(self._width)} |{reset} {line}\n")
        self.out.flush()

    def pid(self, name: str) -> int:
        """The process id of a started part."""
        return self.processes[name].pid

    async def start(self) -> None:
        """Start every part and wait until each answers; raises StackError naming the culprit."""
        busy = [p for p in self.parts if not port_is_free(p.port)]
        if busy:
            raise StackError("; ".join(_busy(p) for p in busy))
        colour = self.out is not None and self.out.isatty()
        output = asyncio.subprocess.DEVNULL if self.out is None else asyncio.subprocess.PIPE
        for index, part in enumerate(self.parts):
            try:
                process = await asyncio.create_subprocess_exec(
                    *part.argv,
                    cwd=ROOT,
                    env={**self.env, "PYTHONUNBUFFERED": "1", **part.env},
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=output,
                    stderr=asyncio.subprocess.STDOUT,
                    start_new_session=True,
                )
            except FileNotFoundError as err:
                raise StackError(f"{part.name}: {err.filename} is missing; run `make setup`") from err
            self.processes[part.name] = process
            tint = _COLOURS[index % len(_COLOURS)] if colour else ""
            if self.out is not None:
                self._pumps.append(asyncio.create_task(self._pump(part.name, process, tint)))
            await self._wait_ready(part, process)
            self._say(part.name, f"ready on port {part.port} (pid {process.pid})", tint)

    async def _pump(self, name: str, process: asyncio.subprocess.Process, tint: str) -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            self._say(name, raw.decode(errors="replace").rstrip(), tint)

    async def _wait_ready(self, part: Part, process: asyncio.subprocess.Process) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise StackError(f"{part.name} exited with code {process.returncode} while starting")
            if await asyncio.to_thread(part.answers):
                return
            await asyncio.sleep(0.2)
        raise StackError(f"{part.name} did not answer on port {part.port} within {READY_TIMEOUT:.0f} s")

    async def wait_for_exit(self) -> tuple[str, int]:
        """The name and exit code of the first part whose process ends."""
        waits = {asyncio.ensure_future(p.wait()): name for name, p in self.processes.items()}
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        first = next(iter(done))
        return waits[first], first.result()

    async def stop(self) -> None:
        """Stop every part (whole process groups) one by one; kill what does not stop in time.

        Parts in front go first (anything not in `_STOP_ORDER`, then the site's edge, then the SWA CLI
        behind it), then the emulator (its `disconnected` webhooks still reach the Functions adapter),
        then the adapter, then Azurite.
        """
        for part in sorted(self.parts, key=_stop_rank):
            process = self.processes.get(part.name)
            if process is None:
                continue
            if process.returncode is None:
                _signal_group(process.pid, part.stop_signal)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self._say(part.name, "did not stop in time; killing it")
                _signal_group(process.pid, signal.SIGKILL)
                await process.wait()
            _signal_group(process.pid, signal.SIGKILL)  # stray grandchildren of the group
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)


_STOP_ORDER = ["site", "swa", "webpubsub", "functions", "azurite"]


def _stop_rank(part: Part) -> int:
    return _STOP_ORDER.index(part.name) if part.name in _STOP_ORDER else -1


def _busy(part: Part) -> str:
    move = f" or set {part.setting}" if part.setting else ""
    return f"port {part.port} ({part.name}) is busy: stop what uses it{move}"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


@contextlib.asynccontextmanager
async def running(
    parts: Sequence[Part], out: TextIO | None, env: Mapping[str, str] = os.environ
) -> AsyncIterator[Stack]:
    """The parts started and ready for the block, stopped after it, however it ends."""
    stack = Stack(parts, out, env)
    try:
        await stack.start()
        yield stack
    finally:
        await stack.stop()


async def run(in_memory: bool, data_dir: Path, swa: bool) -> int:
    """Start the stack, serve until Ctrl-C or a part dies, then stop everything."""
    ports = Ports.from_env()
    parts, _ = plan(ports, in_memory, data_dir, os.environ, swa)
    stack = Stack(parts)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    code = 0
    try:
        await stack.start()
        where = f"http://localhost:{ports.swa}" if swa else f"http://{HOST}:{ports.functions}/api (no SWA CLI)"
        print(f"\nChatr is running at {where}  (Ctrl-C stops everything)\n", flush=True)
        exited = asyncio.ensure_future(stack.wait_for_exit())
        stopped = asyncio.ensure_future(stopping.wait())
        await asyncio.wait([exited, stopped], return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            name, returncode = exited.result()
            print(f"\n{name} exited (code {returncode}); stopping everything", flush=True)
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
    usage = "\n\n".join((__doc__ or "").split("\n\n")[:2])  # what `make run` users need; not the note for tests
    parser = argparse.ArgumentParser(
        prog="python -m local.stack", description=usage, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--in-memory", action="store_true", help="keep Azurite's data in memory only")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data", help="where Azurite keeps its data")
    parser.add_argument("--no-swa", action="store_true", help="start the backend only (no SWA CLI)")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.in_memory, args.data_dir, not args.no_swa)))


if __name__ == "__main__":
    main()
