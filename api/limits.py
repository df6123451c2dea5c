"""Every limit the backend enforces, and the token buckets that rate-limit what one user (or one address) does.

A bucket holds up to `burst` tokens and gains one every `every_seconds`; an action takes one. The
state (tokens left, and when) is stored in Table Storage with the user, so the limit holds however
many Function instances serve the user. An empty bucket says how long until the next token: the
`retryAfter` of the error the user sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

MAX_CONNECTIONS_PER_USER = 10  # open sockets (tabs, windows, devices) of one user
FREE_TIER_CONNECTIONS_PER_USER = 2  # on Web PubSub's Free tier (20 connections in all): 10 people fit
MAX_OWNED_CHATS = 20  # group chats one user owns at a time
MAX_BLOCKED = 200  # users one user can block
CHATS_PAGE = 100  # group chats per page of GET /api/chats
SMALL_GROUP = 20  # a group chat with at most this many members makes its members contacts
MAX_CONTACTS = 200  # people whose presence one user hears
RECENT_PEOPLE = 20  # recent visitors GET /api/users adds to the contacts (the small-team feel)
SEARCH_PAGE = 20  # people or chats per page of a search


@dataclass(frozen=True)
class Rate:
    """`burst` actions at once, then one more every `every_seconds`."""

    burst: int
    every_seconds: float


RATES = {
    "chats": Rate(10, 6),  # createChat, deleteChat
    "membership": Rate(30, 1),  # joinChat, leaveChat
    "private": Rate(5, 12),  # createPrivateChat: invitations pushed to another user
    "idle": Rate(10, 6),  # userEnterIdle, userExitIdle
    "blocks": Rate(10, 3),  # blockUser, unblockUser
    "connections": Rate(20, 3),  # sockets registered (opened) by one user
    "messages": Rate(30, 0.5),  # sendMessage, editMessage, deleteMessage: each kept and sent to the chat
    "reactions": Rate(20, 0.5),  # react
    "typing": Rate(10, 1),  # typing: forwarded, never kept (browsers send one every 3 s while typing)
    "reads": Rate(10, 1),  # markRead: kept per member (browsers send one every few seconds while reading)
    "tokens": Rate(20, 3),  # GET /api/getToken of a known user: one per page load or reconnect
    "search": Rate(20, 1),  # GET /api/users?search=, GET /api/chats?search=
    "messageSearch": Rate(10, 3),  # GET /api/search: up to 50 chats x 5 words range queries each
    "recovery": Rate(5, 60),  # recovery codes asked for, and tried, against one guest account
}
EVENT_RATES = {
    "createChat": "chats",
    "deleteChat": "chats",
    "joinChat": "membership",
    "leaveChat": "membership",
    "createPrivateChat": "private",
    "userEnterIdle": "idle",
    "userExitIdle": "idle",
    "blockUser": "blocks",
    "unblockUser": "blocks",
    "sendMessage": "messages",
    "editMessage": "messages",
    "deleteMessage": "messages",
    "react": "reactions",
    "typing": "typing",
    "markRead": "reads",
}
GUEST_SIGNUPS = Rate(10, 30)  # new guests per client address
RECOVERIES_PER_ADDRESS = Rate(10, 60)  # recovery codes tried from one client address
MAX_LIVE_GUESTS_PER_ADDRESS = 50  # guests made from one address whose first credential still lasts (24 h)
# half of them at once, the other half spread over a credential's life (24 h): no day ever sees more made
LIVE_GUESTS = Rate(MAX_LIVE_GUESTS_PER_ADDRESS // 2, 24 * 3600 / (MAX_LIVE_GUESTS_PER_ADDRESS // 2))


class RateLimited(Exception):
    """Too many of one kind of action; `retry_after` is in whole seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LimitReached(Exception):
    """A cap (connections, owned chats, blocks) is reached; waiting does not help, undoing something does."""


@dataclass(frozen=True)
class Bucket:
    """Tokens left at a moment (seconds since the epoch)."""

    tokens: float
    at: float


@dataclass(frozen=True)
class Limits:
    """What one stored `limits` row holds: a bucket per kind of action, and the number of chats owned."""

    buckets: dict[str, Bucket] = field(default_factory=dict)
    owned_chats: int = 0

    def available(self, kind: str, rate: Rate, now: float) -> float:
        """Tokens in the bucket now (a bucket never used is full)."""
        bucket = self.buckets.get(kind)
        if bucket is None:
            return float(rate.burst)
        return min(float(rate.burst), bucket.tokens + max(0.0, now - bucket.at) / rate.every_seconds)

    def retry_after(self, kind: str, rate: Rate, now: float) -> int | None:
        """Seconds until one action of this kind is allowed; None when it is allowed now."""
        tokens = self.available(kind, rate, now)
        if tokens >= 1:
            return None
        return max(1, math.ceil((1 - tokens) * rate.every_seconds))

    def take(self, kind: str, rate: Rate, now: float) -> Limits:
        """The limits after one action of this kind (the caller checked `retry_after` first)."""
        left = max(0.0, self.available(kind, rate, now) - 1)
        return replace(self, buckets={**self.buckets, kind: Bucket(left, now)})

    def with_owned(self, owned: int) -> Limits:
        """The same buckets with another count of owned chats."""
        return replace(self, owned_chats=max(0, owned))


def too_often(what: str, retry_after: int) -> RateLimited:
    """The refusal a user sees when a bucket is empty."""
    return RateLimited(f"You are doing that too often ({what}): try again in {retry_after} s", retry_after)
