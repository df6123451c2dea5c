"""Rules for the ids clients send (users, group and private chats); names have their own module, api/names.py."""

from __future__ import annotations

import re
from typing import TypeGuard

USER_ID = re.compile(r"^[A-Za-z0-9.@-]{1,128}$")
CHAT_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
PRIVATE_PREFIX = "private_"


class Invalid(ValueError):
    """Input broke a rule; the message is shown to the user as it is."""


def is_user_id(value: object) -> TypeGuard[str]:
    """User ids are restricted so they are safe as table keys and inside private chat ids."""
    return isinstance(value, str) and USER_ID.fullmatch(value) is not None


def group_chat_id(value: object) -> str:
    """A valid group chat id (the browser makes a UUID), else Invalid."""
    if not isinstance(value, str) or CHAT_ID.fullmatch(value) is None:
        raise Invalid("That is not a valid chat id")
    return value


def private_chat_id(a: str, b: str) -> str:
    """The one id two users share for their private chat, whoever starts it."""
    low, high = sorted((a, b))
    return f"{PRIVATE_PREFIX}{low}_{high}"


def private_peer(chat_id: str, user_id: str) -> str:
    """The other member of a private chat: their id is in the chat id."""
    low, high = chat_id.removeprefix(PRIVATE_PREFIX).split("_")
    return high if low == user_id else low


def is_private(chat_id: str) -> bool:
    """Private chat ids start with `private_`; group chat ids cannot contain `_`."""
    return chat_id.startswith(PRIVATE_PREFIX)


def chat_id(value: object) -> str:
    """Any valid chat id, group or private, else Invalid."""
    if isinstance(value, str) and is_private(value):
        parts = value[len(PRIVATE_PREFIX) :].split("_")
        if len(parts) == 2 and all(is_user_id(p) for p in parts) and parts[0] < parts[1]:
            return value
        raise Invalid("That is not a valid chat id")
    return group_chat_id(value)
