"""Fixtures shared by every suite: a real Azurite (in memory), and scripted users of a suite's `chat_backend`.

Every test closes the aiohttp sessions it opens: a run that leaves one open fails at its end.
"""

from __future__ import annotations

import gc
import os
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

from local.stack import ROOT, Addresses, azurite_connection_string, azurite_part, free_port, offline
from tests.chat_client import ChatClient
from tests.support import PartProcess

OPEN_SESSIONS = "open_aiohttp_sessions"
_workers_open_sessions = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh in-memory Azurite table service; yields its connection string."""
    part = azurite_part(free_port(), data_dir=None)
    process = PartProcess(part, tmp_path_factory.mktemp("azurite") / "azurite.log", offline(os.environ)).start()
    try:
        yield azurite_connection_string(part.port)
    finally:
        process.stop()


@pytest.fixture
async def users(chat_backend: Addresses) -> AsyncIterator[Callable[..., ChatClient]]:
    """Makes users of the suite's `chat_backend`; closes every one of them when the test ends."""
    made: list[ChatClient] = []

    def make(name: str | None = None, **kwargs: str) -> ChatClient:
        client = ChatClient(chat_backend.functions_url, name or f"user-{uuid.uuid4().hex[:6]}", **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
async def service(chat_backend: Addresses) -> AsyncIterator[WebPubSubServiceClient]:
    """The official service client, pointed at the emulator (the backend's own view of Web PubSub)."""
    client = WebPubSubServiceClient.from_connection_string(chat_backend.pubsub_connection_string, hub="chat")
    async with client:
        yield client


@pytest.fixture
def barrier(service: WebPubSubServiceClient) -> Callable[..., object]:
    """Returns a coroutine that makes sure everything sent before it has reached the given clients."""

    async def wait(*clients: ChatClient) -> None:
        marker = {"barrier": uuid.uuid4().hex}
        for client in clients:
            await service.send_to_connection(client.connection_id, marker, content_type="application/json")
        for client in clients:
            await client.wait_for(lambda m: m.get("data") == marker, timeout=30)

    return wait


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when tests left aiohttp sessions open: their connections would leak until the process ends."""
    gc.collect()
    left = [_where_made(o) for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession) and not o.closed]
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # a pytest-xdist worker: the controlling process reports for every worker
        worker_output[OPEN_SESSIONS] = left
        return
    left = left + session.config.stash.get(_workers_open_sessions, [])
    if not left:
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    report = session.config.pluginmanager.get_plugin("terminalreporter")
    if report is None:
        return
    report.write_line("")
    report.write_sep("=", f"{len(left)} aiohttp session(s) left open: close each where it is opened", red=True)
    for where in left:
        report.write_line(where)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Collect what a pytest-xdist worker found left open, for the report at the end of the run."""
    found = node.workeroutput.get(OPEN_SESSIONS, []) if hasattr(node, "workeroutput") else []
    stash = node.config.stash
    stash[_workers_open_sessions] = stash.get(_workers_open_sessions, []) + list(found)


def _where_made(leaked: aiohttp.ClientSession) -> str:
    made = [f for f in leaked._source_traceback or [] if _ours(f.filename)]  # kept with --asyncio-debug
    return "".join(traceback.format_list(made)) if made else "(--asyncio-debug shows where it was made)"


def _ours(filename: str) -> bool:
    return filename.startswith(str(ROOT)) and f"{os.sep}.venv{os.sep}" not in filename
