"""`python -m local.site`: the site as Static Web Apps serves it in Azure, where security depends on it.

The SWA CLI emulates the site's routes, sign-in and `/api` proxy, but not two things the deployed
site does that Chatr's security rests on:

- a request's own `x-ms-client-principal` never becomes an identity: only the site's sign-in makes
  one (the SWA CLI passes a caller's header through when there is no sign-in cookie);
- the `Authorization` header of every request the site forwards to `/api` is the site's own token
  for its linked Function App, whatever the caller sent (the SWA CLI forwards the caller's).

This edge listens on the site's port, does exactly those two things, and forwards everything else
unchanged to the SWA CLI, which it starts on a private port and stops with itself. The token comes
from CHATR_SITE_TOKEN, which the Functions adapter also gets: like App Service authentication on a
linked Function App, it keeps principal headers only on requests that carry it
(local/functions_host/app_service_auth.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from .functions_host.app_service_auth import PRINCIPAL_HEADERS, SITE_TOKEN_SETTING

ROOT = Path(__file__).resolve().parent.parent
SWA_CLI = ROOT / "node_modules" / ".bin" / "swa"
READY_TIMEOUT = 90.0
# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection, never forwarded; lengths are recomputed.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"}
)
_SESSION = web.AppKey("session", aiohttp.ClientSession)

log = logging.getLogger("site")


def swa_cli(port: int, api_url: str, config_location: str = ".") -> list[str]:
    """The SWA CLI serving client/ on `port` with `config_location`/staticwebapp.config.json, /api to `api_url`."""
    return [
        str(SWA_CLI),
        "start",
        "client",
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--api-devserver-url",
        api_url,
        "--swa-config-location",
        config_location,
    ]


def command(port: int, api_url: str) -> list[str]:
    """How `make run` starts the site: this edge on `port`, the SWA CLI behind it."""
    return [sys.executable, "-m", "local.site", "--port", str(port), "--api", api_url]


def forwarded_headers(headers: Mapping[str, str], path: str, token: str) -> CIMultiDict[str]:
    """What the SWA CLI gets: the caller's headers without its principal, and the site's token on /api calls."""
    kept: CIMultiDict[str] = CIMultiDict(
        (name, value)
        for name, value in headers.items()
        if not name.lower().startswith(PRINCIPAL_HEADERS) and name.lower() not in _HOP_BY_HOP
    )
    if path.lower().startswith("/api/"):
        kept["Authorization"] = f"Bearer {token}"
    return kept


def _returned_headers(headers: Mapping[str, str]) -> CIMultiDict[str]:
    return CIMultiDict((name, value) for name, value in headers.items() if name.lower() not in _HOP_BY_HOP)


def build_app(upstream: str, token: str) -> web.Application:
    """The edge: every request to the SWA CLI at `upstream`, changed only as `forwarded_headers` says."""

    async def forward(request: web.Request) -> web.StreamResponse:
        session = request.app[_SESSION]
        headers = forwarded_headers(request.headers, request.path, token)
        try:
            async with session.request(
                request.method,
                upstream + request.rel_url.raw_path_qs,
                headers=headers,
                data=await request.read(),
                allow_redirects=False,
            ) as answer:
                body = await answer.read()
                return web.Response(status=answer.status, body=body, headers=_returned_headers(answer.headers))
        except aiohttp.ClientError as err:
            log.warning("%s %s: the SWA CLI did not answer (%s)", request.method, request.path, type(err).__name__)
            return web.Response(status=502, text="The SWA CLI behind the local site did not answer\n")

    async def open_session(app: web.Application) -> None:
        app[_SESSION] = aiohttp.ClientSession(
            auto_decompress=False,  # bodies pass through as the SWA CLI encoded them
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies belong to the browser, not to the edge
            timeout=aiohttp.ClientTimeout(total=300),
        )

    async def close_session(app: web.Application) -> None:
        await app[_SESSION].close()

    app = web.Application(client_max_size=100 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", forward)
    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_until_answering(url: str, child: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if child.returncode is not None:
                raise RuntimeError(f"the SWA CLI exited with code {child.returncode} while starting")
            with contextlib.suppress(TimeoutError, aiohttp.ClientError):
                async with session.get(url, allow_redirects=False) as response:
                    if response.status < 500:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the SWA CLI did not answer on {url} within {READY_TIMEOUT:.0f} s")


async def serve(port: int, api_url: str, token: str) -> int:
    """Start the SWA CLI on a private port, then the edge on `port`; stop both on SIGINT/SIGTERM or when it exits."""
    if not SWA_CLI.exists():
        print(f"Cannot start the local site: {SWA_CLI} is missing; run `make setup`", file=sys.stderr, flush=True)
        return 1
    private = _free_port()
    child = await asyncio.create_subprocess_exec(*swa_cli(private, api_url), cwd=ROOT, stdin=asyncio.subprocess.DEVNULL)
    runner = web.AppRunner(build_app(f"http://127.0.0.1:{private}", token), access_log=None, handle_signals=False)
    try:
        await _wait_until_answering(f"http://127.0.0.1:{private}/", child)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        log.info("site on http://127.0.0.1:%d: the SWA CLI behind it on %d", port, private)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        exited = asyncio.ensure_future(child.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([exited, stopping], return_when=asyncio.FIRST_COMPLETED)
        for task in (exited, stopping):
            task.cancel()
        return 0 if stop.is_set() else 1
    except (RuntimeError, OSError) as err:
        print(f"Cannot start the local site: {err}", file=sys.stderr, flush=True)
        return 1
    finally:
        await runner.cleanup()
        if child.returncode is None:
            child.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(child.wait(), 10)
        if child.returncode is None:
            child.kill()
            await child.wait()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m local.site", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("SWA_PORT", "4280")), help="the site's port")
    parser.add_argument("--api", required=True, help="where the SWA CLI proxies /api, e.g. http://127.0.0.1:7071")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    token = os.environ.get(SITE_TOKEN_SETTING) or secrets.token_urlsafe(32)
    sys.exit(asyncio.run(serve(args.port, args.api, token)))


if __name__ == "__main__":
    main()
