"""`python -m local.site`: the edge that makes the local site behave as Static Web Apps does in Azure.

The SWA CLI emulates the site's routes, sign-in and `/api` proxy, but not two things the deployed
site does that Chatr's security rests on:

- a request's own `x-ms-client-principal` never becomes an identity: only the site's sign-in makes
  one (the SWA CLI passes a caller's header through when there is no sign-in cookie);
- the `Authorization` header of every request the site forwards to `/api` is the site's own token
  for its linked Function App, whatever the caller sent (the SWA CLI forwards the caller's);
- `X-Forwarded-For` names the address the request really came from, never one the caller wrote
  (the SWA CLI forwards the caller's, so a rotated header made a new guest per forged address).
  The deployed platform appends the client's address, which `api/client_address.py` reads as the
  last public entry; here the client is on the loopback, so the edge replaces the header instead.

This edge listens on the site's port, does exactly those three things, and forwards everything else
unchanged to the SWA CLI at `--upstream`. Both are parts of the stack (`local/stack.py` starts,
probes and stops them like every other part). The token comes from CHATR_SITE_TOKEN, which the
Functions adapter also gets: like App Service authentication on a linked Function App, it keeps
principal headers only on requests that carry it (local/functions_host/app_service_auth.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
from collections.abc import Mapping

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from .functions_host.app_service_auth import PRINCIPAL_HEADERS, SITE_TOKEN_SETTING

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection, never forwarded; lengths are recomputed.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"}
)
FORWARDED_FOR = "X-Forwarded-For"
_SESSION = web.AppKey("session", aiohttp.ClientSession)

log = logging.getLogger("site")


def forwarded_headers(headers: Mapping[str, str], path: str, token: str, peer: str | None) -> CIMultiDict[str]:
    """What the SWA CLI gets: the caller's headers without its principal, `peer` as the address it came
    from (whatever the caller wrote), and the site's token on /api calls."""
    kept: CIMultiDict[str] = CIMultiDict(
        (name, value)
        for name, value in headers.items()
        if not name.lower().startswith(PRINCIPAL_HEADERS) and name.lower() not in _HOP_BY_HOP | {FORWARDED_FOR.lower()}
    )
    if peer:
        kept[FORWARDED_FOR] = peer
    if path.lower().startswith("/api/"):
        kept["Authorization"] = f"Bearer {token}"
    return kept


def _returned_headers(headers: Mapping[str, str]) -> CIMultiDict[str]:
    return CIMultiDict((name, value) for name, value in headers.items() if name.lower() not in _HOP_BY_HOP)


def build_app(upstream: str, token: str) -> web.Application:
    """The edge: every request to the SWA CLI at `upstream`, changed only as `forwarded_headers` says."""

    async def forward(request: web.Request) -> web.StreamResponse:
        session = request.app[_SESSION]
        headers = forwarded_headers(request.headers, request.path, token, request.remote)
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


def main() -> None:
    """Command-line entry point: serve the edge on 127.0.0.1 until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m local.site", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="the site's port, e.g. 4280")
    parser.add_argument("--upstream", required=True, help="the SWA CLI behind the edge, e.g. http://127.0.0.1:4281")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    token = os.environ.get(SITE_TOKEN_SETTING) or secrets.token_urlsafe(32)
    log.info("site on http://127.0.0.1:%d, in front of the SWA CLI at %s", args.port, args.upstream)
    web.run_app(build_app(args.upstream, token), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
