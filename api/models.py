"""The records Chatr keeps, and their wire shapes (docs/wire-contract.md lists every one)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .limits import Limits

# Every user event a client may send. Web PubSub forwards only these (the hub's `userEventPattern`,
# locally the emulator's `--user-events`), so an unknown event never runs a function.
USER_EVENTS = (
    "userConnected",
    "createChat",
    "joinChat",
    "leaveChat",
    "deleteChat",
    "createPrivateChat",
    "userEnterIdle",
    "userExitIdle",
    "blockUser",
    "unblockUser",
    "sendMessage",
    "editMessage",
    "deleteMessage",
    "react",
    "typing",
    "markRead",
)


@dataclass
class User:
    """A person as others see them: name and provider the server vouches for, and whether they are online and idle."""

    id: str
    name: str
    provider: str
    idle: bool = False
    online: bool = False

    def to_wire(self) -> dict[str, object]:
        """The `/api/users` entry and the `userOnline` payload."""
        return {"userId": self.id, "userName": self.name, "userProvider": self.provider, "idle": self.idle}

    def profile(self) -> dict[str, object]:
        """`GET /api/users?id=`: the public profile of anyone the server knows, online or not."""
        return {**self.to_wire(), "online": self.online}


@dataclass
class Connection:
    """One open socket of a user, registered once Web PubSub confirmed it is theirs."""

    id: str
    user_id: str
    name: str
    provider: str
    announced: bool = False  # its browser said it is ready (`userConnected`): the user is shown online
    idle: bool = False


@dataclass(frozen=True)
class Presence:
    """How a user looks to everyone else: online once a connection announced itself, idle when all such are."""

    online: bool
    idle: bool

    @classmethod
    def of(cls, connections: Iterable[Connection]) -> Presence:
        """The presence that a user's registered connections add up to."""
        shown = [c for c in connections if c.announced]
        return cls(bool(shown), bool(shown) and all(c.idle for c in shown))


@dataclass
class Account:
    """What every event of a user reads at once (one query of their partition): profile, limits, connections."""

    user: User
    blocked: list[str] = field(default_factory=list)
    revoked_before: int = 0  # guest credentials issued at or before this second are no longer accepted
    recovery_digest: str = ""  # the HMAC of a guest's one working recovery code (api/recovery.py); "": none
    profile_etag: str = ""
    profile_written: datetime | None = None  # when the profile was last written: when the user was last seen
    limits: Limits = field(default_factory=Limits)
    limits_etag: str | None = None  # None: the user's limits were never stored
    connections: list[Connection] = field(default_factory=list)
    # the membership rows read with the account (the chat an event is about), by chat id; None: the user is not in it
    memberships: dict[str, Membership | None] = field(default_factory=dict)
    told: Presence = field(default_factory=lambda: Presence(False, False))  # what everyone was last told
    told_etag: str | None = None  # None: never told anything

    @property
    def id(self) -> str:
        return self.user.id

    def connection(self, connection_id: str) -> Connection | None:
        """The registered connection with this id, if it is one of this user's."""
        return next((c for c in self.connections if c.id == connection_id), None)

    @property
    def presence(self) -> Presence:
        """How the user looks by their connections now (`told` catches up with it)."""
        return Presence.of(self.connections)


@dataclass
class Membership:
    """One user's place in one chat; private chats exist only as the two members' memberships."""

    chat_id: str
    user_id: str
    user_name: str
    private: bool = False
    peer_name: str | None = None
    user_provider: str = ""
    peer_provider: str = ""
    left: bool = False  # a private chat its member left: not reopened for them until they are invited back
    # a private chat whose other member blocks this one: what this one says there stays theirs (never on the wire)
    blocked_by_peer: bool = False

    def to_wire(self) -> dict[str, str]:
        """A `members` entry of `/api/chats`."""
        return {"userId": self.user_id, "userName": self.user_name, "userProvider": self.user_provider}


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
            "members": {m.user_id: m.to_wire() for m in members},
            "timestamp": self.timestamp,
        }
        if self.private:
            wire["private"] = True
        return wire

    def invitation(self, grab_focus: bool) -> dict[str, object]:
        """The `joinPrivateChat` payload; `grab_focus` brings the tab to the front (for whoever asked)."""
        return {"id": self.id, "name": self.name, "grabFocus": grab_focus}
