"""What a connection may do with groups: from its token roles, then changed by the REST permission operations."""

from __future__ import annotations

import re
from collections.abc import Iterable

JOIN_LEAVE = "joinLeaveGroup"
SEND = "sendToGroup"
PERMISSIONS = (JOIN_LEAVE, SEND)


def wildcard(pattern: str) -> re.Pattern[str]:
    """`*` within one dot segment, `**` across segments, `?` one non-dot character; the rest literal."""
    parts = re.split(r"(\*\*|\*|\?)", pattern)
    table = {"**": ".*", "*": "[^.]*", "?": "[^.]"}
    return re.compile("".join(table.get(p, re.escape(p)) for p in parts))


class Permissions:
    """Grants as (permission, group or None for every group) plus wildcard roles; case-sensitive like the service."""

    __slots__ = ("_grants", "_patterns")

    def __init__(self, roles: Iterable[str] = ()) -> None:
        self._grants: set[tuple[str, str | None]] = set()
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for role in roles:
            self._add_role(role)

    def _add_role(self, role: str) -> None:
        for permission in PERMISSIONS:
            exact = f"webpubsub.{permission}"
            if role == exact:
                self._grants.add((permission, None))
            elif role.startswith(exact + ".") and len(role) > len(exact) + 1:
                self._grants.add((permission, role[len(exact) + 1 :]))
            elif role.startswith(exact + "s.") and len(role) > len(exact) + 2:
                self._patterns.append((permission, wildcard(role[len(exact) + 2 :])))

    def allows(self, permission: str, group: str) -> bool:
        """May this connection do `permission` on `group`?"""
        if (permission, None) in self._grants or (permission, group) in self._grants:
            return True
        return any(p == permission and rx.fullmatch(group) for p, rx in self._patterns)

    def grant(self, permission: str, group: str | None) -> None:
        """REST grant: one group, or every group when `group` is None."""
        self._grants.add((permission, group))

    def revoke(self, permission: str, group: str | None) -> None:
        """REST revoke: one group's grant, or (no group) everything of that permission, roles included."""
        if group is None:
            self._grants = {g for g in self._grants if g[0] != permission}
            self._patterns = [p for p in self._patterns if p[0] != permission]
        else:
            self._grants.discard((permission, group))

    def has(self, permission: str, group: str | None) -> bool:
        """REST check: for a group, whether it is allowed; without one, whether every group is."""
        return (permission, None) in self._grants if group is None else self.allows(permission, group)
