"""Name rules of the service (hub, group, user, event), so bad names fail here the way they fail on Azure."""

from __future__ import annotations

import re
from typing import TypeGuard

_HUB = re.compile(r"[A-Za-z][A-Za-z0-9_`,.\[\]]{0,127}")
_EVENT = re.compile(r"[!-~]{1,128}")  # visible ASCII: it travels in the ce-eventName header and URLs
MAX_GROUP_LENGTH = 1024


def valid_hub(name: str) -> bool:
    """Hub names start with a letter; the REST spec's pattern, used by every SDK."""
    return _HUB.fullmatch(name) is not None


def valid_group(name: object) -> TypeGuard[str]:
    """1 to 1024 characters and not only whitespace, as the REST spec requires."""
    return isinstance(name, str) and 0 < len(name) <= MAX_GROUP_LENGTH and not name.isspace()


def valid_user(name: object) -> TypeGuard[str]:
    """A user id is any non-empty string."""
    return isinstance(name, str) and len(name) > 0


def valid_event(name: object) -> TypeGuard[str]:
    """User event names travel in a header and in URLs ({event}), so keep them to visible ASCII."""
    return isinstance(name, str) and _EVENT.fullmatch(name) is not None
