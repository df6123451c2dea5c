"""`python -m bench.event_host --port P`: the Functions host adapter, instrumented to count what each event costs.

Benchmark-only: it serves `function_app.py` exactly as `local.functions_host` does, plus two things:

* every outgoing HTTP request of the process (the Table Storage and Web PubSub SDKs both send
  theirs through `aiohttp.ClientSession._request`) is recorded against the webhook invocation that
  caused it, through a context variable the invocation sets (`asyncio.gather` children inherit it);
* `GET /bench/tallies?after=N` returns the invocations finished since the N-th: event name,
  connection, user, start/end (`time.monotonic()`, the same clock in every process on this
  machine), reply status, whether the reply was an error, and each request's kind and duration.

Nothing in `api/` knows about it. The adapter's per-request log lines are turned off (WARNING), so
the figures are the app's, not the local log's.
"""

from __future__ import annotations

import argparse
import contextvars
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Tally:
    """One webhook invocation and the requests it made."""

    event: str
    connection: str
    user: str
    started: float
    ended: float = 0.0
    status: int = 0
    error: str = ""
    table: list[str] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)
    table_ms: list[float] = field(default_factory=list)  # each table request, until its response headers
    rest_ms: list[float] = field(default_factory=list)


CURRENT: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("bench_tally", default=None)
TALLIES: list[dict[str, Any]] = []

_ENTITY = re.compile(r"\(PartitionKey='.*',RowKey='.*'\)$")


def table_kind(method: str, url: URL) -> str:
    """What one Table Storage request does (each is one billed transaction), and on which table."""
    path = url.path
    if path.endswith("/Tables") or "/Tables(" in path:
        return "create table"
    if path.endswith("/$batch"):
        return "transaction"  # one entity group transaction: one billed operation
    table = path.rsplit("/", 1)[-1].split("(", 1)[0]
    if method == "GET":
        action = "read" if _ENTITY.search(path) else "query"
    elif method == "POST":
        action = "insert"
    elif method in ("PUT", "PATCH", "MERGE"):
        action = "write"
    elif method == "DELETE":
        action = "delete"
    else:
        action = method.lower()
    return f"{action} {table}"


_REST = [
    (re.compile(r"/groups/[^/]+/connections$"), {"GET": "list group"}),
    (re.compile(r"/groups/[^/]+/connections/[^/]+$"), {"PUT": "add to group", "DELETE": "remove from group"}),
    (re.compile(r"/permissions/[^/]+/connections/[^/]+$"), {"PUT": "grant", "DELETE": "revoke", "HEAD": "check"}),
    (re.compile(r"/groups/[^/]+/:send$"), {"POST": "send to group"}),
    (re.compile(r"/users/[^/]+/:send$"), {"POST": "send to user"}),
    (re.compile(r"/connections/[^/]+/:send$"), {"POST": "send to connection"}),
    (re.compile(r"/connections/[^/]+$"), {"HEAD": "connection exists", "DELETE": "close connection"}),
    (re.compile(r"/users/[^/]+/:closeConnections$"), {"POST": "close user connections"}),
    (re.compile(r"/:send$"), {"POST": "send to all"}),
    (re.compile(r"/:generateToken$"), {"POST": "generate token"}),
]


def rest_kind(method: str, url: URL) -> str:
    for pattern, kinds in _REST:
        if pattern.search(url.path):
            return kinds.get(method, f"{method} {pattern.pattern}")
    return f"{method} {url.path}"


def install_counter() -> None:
    """Record every outgoing request made while an invocation's tally is current."""
    original = aiohttp.ClientSession._request

    async def counted(self: aiohttp.ClientSession, method: str, str_or_url: Any, **kwargs: Any) -> Any:
        tally = CURRENT.get()
        if tally is None:
            return await original(self, method, str_or_url, **kwargs)
        url = URL(str(str_or_url))
        rest = url.path.startswith("/api/hubs/")
        if rest:
            tally.rest.append(rest_kind(method.upper(), url))
        else:
            tally.table.append(table_kind(method.upper(), url))
        started = time.monotonic()
        try:
            return await original(self, method, str_or_url, **kwargs)
        finally:
            (tally.rest_ms if rest else tally.table_ms).append((time.monotonic() - started) * 1000)

    aiohttp.ClientSession._request = counted  # type: ignore[method-assign]


@web.middleware
async def instrument(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path == "/bench/tallies":
        after = int(request.query.get("after", "0"))
        return web.json_response({"next": len(TALLIES), "tallies": TALLIES[after:]})
    event = request.headers.get("ce-eventName")
    if request.method != "POST" or not event:
        return await handler(request)
    tally = Tally(event, request.headers.get("ce-connectionId", ""), request.headers.get("ce-userId", ""), 0.0)
    token = CURRENT.set(tally)
    tally.started = time.monotonic()
    try:
        response = await handler(request)
    finally:
        CURRENT.reset(token)
        tally.ended = time.monotonic()
    tally.status = response.status
    body = response.body if isinstance(response, web.Response) else None
    if isinstance(body, bytes | bytearray) and b'"chatEvent": "error"' in body:
        tally.error = bytes(body).decode(errors="replace")[:300]
    TALLIES.append(asdict(tally))
    return response


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.event_host", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from local.functions_host.loader import load_functions
    from local.functions_host.server import build_app

    install_counter()
    app = build_app(load_functions(ROOT / "function_app.py"))
    app.middlewares.append(instrument)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
