"""Emulator settings: the access key, limits, and per-hub event handlers shaped like the service's hub settings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import names

DEFAULT_KEY = "WebPubSubEmulatorLocalAccessKey0123456789abc"  # 44 characters, like a real access key
SYSTEM_EVENTS = frozenset({"connect", "connected", "disconnected"})
ANY_HUB = "*"


class ConfigError(ValueError):
    """The settings are unusable; the message says which part and why."""


@dataclass(frozen=True)
class EventHandler:
    """One upstream: where events go and which ones (first matching handler of a hub wins)."""

    url_template: str
    user_event_pattern: str | None = None
    system_events: frozenset[str] = frozenset()

    def handles(self, event: str, *, system: bool) -> bool:
        """System events by name; user events by `*`, `a,b` or a single name (case-insensitive, as the service)."""
        if system:
            return event in self.system_events
        if not self.user_event_pattern:
            return False
        wanted = {p.strip().lower() for p in self.user_event_pattern.split(",")}
        return "*" in wanted or event.lower() in wanted

    def url(self, hub: str, event: str) -> str:
        """The template with `{hub}` and `{event}` filled in (percent-encoded)."""
        return self.url_template.replace("{hub}", quote(hub, safe="")).replace("{event}", quote(event, safe=""))


@dataclass(frozen=True)
class HubSettings:
    """What the service's hub settings hold: ordered event handlers and the anonymous-connect policy."""

    event_handlers: tuple[EventHandler, ...] = ()
    allow_anonymous: bool = False

    def handler_for(self, event: str, *, system: bool) -> EventHandler | None:
        """The first handler that takes this event, or None."""
        return next((h for h in self.event_handlers if h.handles(event, system=system)), None)


@dataclass(frozen=True)
class Settings:
    """Everything the running emulator needs; tests shrink the timeouts and limits."""

    host: str = "127.0.0.1"
    port: int = 8080
    access_keys: tuple[str, ...] = (DEFAULT_KEY,)
    hubs: Mapping[str, HubSettings] = field(default_factory=dict)
    event_handler_timeout: float = 30.0
    reconnect_window: float = 30.0
    max_queue_bytes: int = 4 * 1024 * 1024
    reliable_buffer_messages: int = 1000
    reliable_buffer_bytes: int = 16 * 1024 * 1024
    max_frame_bytes: int = 1024 * 1024
    shutdown_timeout: float = 5.0

    @property
    def endpoint(self) -> str:
        """The HTTP endpoint clients and SDKs use (a wildcard bind address is reached through loopback)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def connection_string(self) -> str:
        """The form every SDK parses: port inside Endpoint, no `Port=` key."""
        return f"Endpoint={self.endpoint};AccessKey={self.access_keys[0]};Version=1.0;"

    def hub(self, name: str) -> HubSettings:
        """Settings of a hub (names are case-insensitive); unlisted hubs get `*`'s settings or none."""
        return self.hubs.get(name.lower()) or self.hubs.get(ANY_HUB) or HubSettings()


def event_handler(url_template: str, user_events: str | None, system_events: Iterable[str]) -> EventHandler:
    """A validated handler: absolute http(s) URL template and known system event names."""
    if not url_template.startswith(("http://", "https://")):
        raise ConfigError(f"event handler URL must start with http:// or https://: {url_template!r}")
    system = frozenset(e.strip().lower() for e in system_events if e.strip())
    unknown = system - SYSTEM_EVENTS
    if unknown:
        raise ConfigError(f"unknown system events {sorted(unknown)}; use {sorted(SYSTEM_EVENTS)}")
    return EventHandler(url_template, user_events or None, system)


def hub_settings(raw: Mapping[str, Any]) -> HubSettings:
    """Hub settings from the service's JSON shape (a `properties` wrapper, as in ARM/Bicep, is accepted)."""
    props = raw.get("properties", raw)
    handlers = []
    for item in props.get("eventHandlers", []):
        system = item.get("systemEvents") or []
        if isinstance(system, str):
            system = system.split(",")
        handlers.append(event_handler(item.get("urlTemplate", ""), item.get("userEventPattern"), system))
    policy = str(props.get("anonymousConnectPolicy", "deny")).lower()
    if policy not in ("allow", "deny"):
        raise ConfigError(f"anonymousConnectPolicy must be allow or deny, not {policy!r}")
    return HubSettings(tuple(handlers), policy == "allow")


def load_hubs(path: Path) -> dict[str, HubSettings]:
    """Read `{"hubs": {name: settings}}` from a JSON file; `*` configures every other hub."""
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from err
    hubs = document.get("hubs") if isinstance(document, dict) else None
    if not isinstance(hubs, dict):
        raise ConfigError(f'{path} must hold {{"hubs": {{"<hub>": {{"eventHandlers": [...]}}}}}}')
    result = {}
    for name, raw in hubs.items():
        if name != ANY_HUB and not names.valid_hub(name):
            raise ConfigError(f"invalid hub name {name!r}")
        try:
            result[name.lower()] = hub_settings(raw)
        except (AttributeError, TypeError) as err:
            raise ConfigError(f"hub {name!r}: malformed settings ({err})") from err
    return result
