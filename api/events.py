"""What the event handlers share: the event as Web PubSub sent it, and its sender once confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Account, Connection

Reply = dict[str, object] | None  # a server message for the sending connection alone, or nothing


@dataclass(frozen=True)
class Event:
    """One CloudEvent from Web PubSub, already authenticated."""

    name: str
    system: bool
    user_id: str | None
    connection_id: str
    data: Any = None


@dataclass
class Caller:
    """The sender of a user event: a user whose connection Web PubSub confirmed is theirs."""

    account: Account
    connection: Connection

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def connection_ids(self) -> list[str]:
        """Every registered connection of the user, this one included."""
        return [c.id for c in self.account.connections]


class Refused(Exception):
    """A `connect` the backend turns down; `status` is what the client's WebSocket handshake gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
