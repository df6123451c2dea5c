"""Route templates as the Functions host reads them: `chats/{id}`, `{id?}`, `{id:int}`, `{*rest}`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\?)?\}")
_CONSTRAINTS = {"int": r"-?\d+", "long": r"-?\d+", "bool": r"(?:true|false)", "alpha": r"[A-Za-z]+"}


@dataclass(frozen=True)
class RouteTemplate:
    """One compiled route template; matching is case-insensitive, like ASP.NET routing."""

    template: str
    pattern: re.Pattern[str] = field(repr=False)

    @classmethod
    def compile(cls, prefix: str, route: str) -> RouteTemplate:
        """Build the matcher for `route` under the host's route prefix."""
        parts = [p for p in (prefix.strip("/"), route.strip("/")) if p]
        template = "/".join(parts)
        regex, pos = "", 0
        for m in _PARAM.finditer(template):
            regex += re.escape(template[pos : m.start()])
            catch_all, name, constraint, optional = m.groups()
            body = ".*" if catch_all else _CONSTRAINTS.get((constraint or "").lower(), "[^/]+")
            group = f"(?P<{name}>{body})"
            if optional or catch_all:
                if regex.endswith("/"):
                    regex = regex[:-1] + f"(?:/{group})?"
                else:
                    regex += group + "?"
            else:
                regex += group
            pos = m.end()
        regex += re.escape(template[pos:])
        return cls(template, re.compile(f"^/{regex}/?$", re.IGNORECASE))

    def match(self, path: str) -> dict[str, str] | None:
        """The route parameters when `path` matches, else None."""
        m = self.pattern.match(path)
        if m is None:
            return None
        return {k: v for k, v in m.groupdict().items() if v is not None}
