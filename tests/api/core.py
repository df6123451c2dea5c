"""Chatr's core (ChatEvents) over the in-memory fakes, with the steps a test takes: sign in, connect, send events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from api.chat_events import ChatEvents
from api.events import Event, Reply
from api.models import User
from tests.api.fakes import FakePubSub, FakeState


@dataclass
class Core:
    """One backend: its state, its service and its event handlers."""

    state: FakeState = field(default_factory=FakeState)
    pubsub: FakePubSub = field(default_factory=FakePubSub)
    _connections: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def events(self) -> ChatEvents:
        return ChatEvents(self.state, self.pubsub)

    async def sign_in(self, user_id: str, name: str | None = None, provider: str = "github") -> None:
        """What getToken leaves behind: the profile the server vouches for, findable by name."""
        await self.state.save_profile(user_id, name or user_id.title(), provider)
        await self.state.index_user_name(User(user_id, name or user_id.title(), provider), None)

    def open(self, user_id: str) -> str:
        """A client of `user_id` opens a socket with a token from getToken; the service has not told us yet."""
        connection_id = f"{user_id}-conn-{next(self._connections)}"
        self.pubsub.connect(connection_id, user_id)
        return connection_id

    async def connect(self, user_id: str, name: str | None = None) -> str:
        """Sign in if need be, open a connection and let the service announce it (`connected`); its id."""
        if await self.state.get_account(user_id) is None:
            await self.sign_in(user_id, name)
        connection_id = self.open(user_id)
        await self.system("connected", user_id, connection_id)
        return connection_id

    async def online(self, user_id: str, name: str | None = None) -> str:
        """A browser that connected and said it is ready (`userConnected`); its connection id."""
        connection_id = await self.connect(user_id, name)
        await self.send("userConnected", user_id, connection_id, {"userName": "ignored", "userProvider": "ignored"})
        return connection_id

    async def close(self, user_id: str, connection_id: str) -> None:
        """The client goes away and the service says so (`disconnected`)."""
        self.pubsub.disconnect(connection_id)
        await self.system("disconnected", user_id, connection_id)

    async def system(self, name: str, user_id: str | None, connection_id: str, data: Any = None) -> None:
        await self.events.handle(Event(name, True, user_id, connection_id, data))

    async def send(self, name: str, user_id: str | None, connection_id: str, data: Any = None) -> Reply:
        """A user event from one connection, as the webhook hands it over; the reply to that connection."""
        return await self.events.handle(Event(name, False, user_id, connection_id, data))
