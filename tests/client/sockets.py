"""Sockets beside the browser's UI: a hand on a page's own WebSocket, and scripted clients speaking for a user.

`RawSocket` sits between a page and the service: it records what the service sent the page and
writes frames of its own on the page's connection. `ScriptedClients` runs `tests/chat_client.py`'s
clients on an event loop of their own thread (the sync Playwright API holds the test's thread), for
the connections, chats and users a test needs without a browser for each.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar
from urllib.parse import quote

from playwright.sync_api import WebSocketRoute

from local.stack import Addresses
from tests.chat_client import ChatClient
from tests.client.users import ChatUser, wait_in_page

T = TypeVar("T")
TIMEOUT_S = 30.0


class RawSocket:
    """A page's own connection, with a hand on it: what the service sent the page, and frames written on it."""

    def __init__(self, user: ChatUser) -> None:
        self.user = user
        self.server: WebSocketRoute | None = None
        self.heard: list[dict] = []
        user.page.route_web_socket("**/client/hubs/**", self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self.server = server

        def from_service(frame: str | bytes) -> None:
            self.heard.append(json.loads(frame))
            ws.send(frame)

        server.on_message(from_service)
        ws.on_message(server.send)

    def message_seq(self, text: str) -> int:
        """The number of a message as this socket received it: anyone in the chat can learn it."""
        wait_in_page(self.user.page, lambda: self._find(text))
        return self._find(text)

    def _find(self, text: str) -> int:
        for frame in self.heard:
            data = frame.get("data")
            entry = data.get("entry") if frame.get("from") == "group" and isinstance(data, dict) else None
            if isinstance(entry, dict) and entry.get("text") == text:
                return int(entry["seq"])
        return 0

    def send_to_group(self, group: str, data: dict) -> None:
        self._send({"type": "sendToGroup", "group": group, "dataType": "json", "data": data})

    def send_event(self, event: str, data: Any) -> None:
        """A user event, as the page's own connection: the server acts as this user and answers the page."""
        data_type = "text" if isinstance(data, str) else "json"
        self._send({"type": "event", "event": event, "dataType": data_type, "data": data})

    def _send(self, frame: dict) -> None:
        assert self.server is not None, "the page has not connected"
        self.server.send(json.dumps(frame))


class ScriptedClients:
    """Scripted Chatr clients for a browser test, each closed when the test ends."""

    def __init__(self, stack: Addresses) -> None:
        self.stack = stack
        self.clients: list[ChatClient] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="scripted-clients", daemon=True)
        self.thread.start()

    def run(self, step: Coroutine[Any, Any, T], timeout: float = TIMEOUT_S) -> T:
        """Run one step on the clients' loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(step, self.loop).result(timeout)

    def run_all(self, steps: Iterable[Coroutine[Any, Any, T]], timeout: float = TIMEOUT_S) -> list[T]:
        """Run steps side by side on the clients' loop; their results, in order."""
        return self.run(_gathered(list(steps)), timeout)

    def client(self, name: str, guest: str | None = None, user_id: str | None = None) -> ChatClient:
        """A new guest called `name`; or, given a guest's credential and id, one more client of that guest."""
        client = self.run(self._make(name, guest, user_id))
        self.clients.append(client)
        return client

    async def _make(self, name: str, guest: str | None, user_id: str | None) -> ChatClient:
        client = ChatClient(self.stack.functions_url, name, user_id)  # made on the loop that will use it
        if guest is None:
            status, body = await client.api(f"getToken?guestName={quote(name)}", headers={})
            assert status == 200, body
            guest, client.user_id = body["guest"], body["user"]["userId"]
        client.headers = {"X-Chatr-Guest": guest}
        return client

    def close(self, client: ChatClient) -> None:
        self.run(client.close())
        self.clients.remove(client)

    def close_all(self) -> None:
        for client in list(self.clients):
            self.close(client)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT_S)
        self.loop.close()


async def _gathered(steps: list[Coroutine[Any, Any, T]]) -> list[T]:
    return list(await asyncio.gather(*steps))
