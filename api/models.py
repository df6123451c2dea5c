"""The records Chatr keeps, and their wire shapes (docs/wire-contract.md lists every one)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class User:
    """A person known to the server; online while at least one connection is open."""

    id: str
    name: str
    provider: str
    idle: bool = False
    connections: list[str] = field(default_factory=list)

    @property
    def online(self) -> bool:
        """True while any connection of this user is open."""
        return bool(self.connections)

    def to_wire(self) -> dict[str, object]:
        """The `/api/users` entry and the `userOnline` payload."""
        return {"userId": self.id, "userName": self.name, "userProvider": self.provider, "idle": self.idle}


@dataclass
class Membership:
    """One user's place in one chat; private chats exist only as the two members' memberships."""

    chat_id: str
    user_id: str
    user_name: str
    private: bool = False
    peer_id: str | None = None
    peer_name: str | None = None


@dataclass
class Chat:
    """A group chat."""

    id: str
    name: str
    owner: str
    timestamp: str | None = None

    def to_wire(self, members: list[Membership] = ()) -> dict[str, object]:
        """The `/api/chats` entry and the `chatCreated` payload."""
        return {
            "id": self.id,
            "name": self.name,
            "members": {m.user_id: {"userId": m.user_id, "userName": m.user_name} for m in members},
            "owner": self.owner,
            "timestamp": self.timestamp,
        }
