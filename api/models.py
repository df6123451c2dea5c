"""The records Chatr keeps, and their wire shapes (docs/wire-contract.md lists every one)."""

from __future__ import annotations

from collections.abc import Iterable
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
    peer_name: str | None = None


@dataclass
class Chat:
    """A chat as its members see it: a stored group chat, or a private chat named for the other member."""

    id: str
    name: str
    owner: str | None
    timestamp: str | None = None
    private: bool = False

    @classmethod
    def private_with(cls, chat_id: str, peer_name: str) -> Chat:
        """A private chat as one of its two members sees it: named for the other, owned by neither."""
        return cls(chat_id, f"Chat with {peer_name}", None, private=True)

    def announcement(self) -> dict[str, object]:
        """The `chatCreated` payload: a new chat, with no members yet."""
        return {"id": self.id, "name": self.name, "members": {}, "owner": self.owner}

    def to_wire(self, members: Iterable[Membership] = ()) -> dict[str, object]:
        """The `/api/chats` entry: the announcement with its members and creation time; private chats say so."""
        wire = {
            **self.announcement(),
            "members": {m.user_id: {"userId": m.user_id, "userName": m.user_name} for m in members},
            "timestamp": self.timestamp,
        }
        if self.private:
            wire["private"] = True
        return wire

    def invitation(self, grab_focus: bool) -> dict[str, object]:
        """The `joinPrivateChat` payload; `grab_focus` brings the tab to the front (for whoever asked)."""
        return {"id": self.id, "name": self.name, "grabFocus": grab_focus}
