"""Settings read from the environment (app settings in Azure, local.settings.json or the stack locally)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .limits import FREE_TIER_CONNECTIONS_PER_USER, MAX_CONNECTIONS_PER_USER


class MissingSetting(RuntimeError):
    """A required setting is not set; the message names it so the fix is obvious."""

    def __init__(self, *names: str) -> None:
        super().__init__(f"Missing configuration: set {' or '.join(names)} in the app settings / environment")


def _get(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class StorageSettings:
    """Where the `chats` and `users` tables live: a connection string wins over account name + identity."""

    connection_string: str | None
    account_name: str | None

    @classmethod
    def from_env(cls) -> StorageSettings:
        """Read STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_NAME."""
        settings = cls(_get("STORAGE_CONNECTION_STRING"), _get("STORAGE_ACCOUNT_NAME"))
        if not (settings.connection_string or settings.account_name):
            raise MissingSetting("STORAGE_CONNECTION_STRING", "STORAGE_ACCOUNT_NAME")
        return settings


def _connection_string_fields(connection_string: str) -> dict[str, str]:
    """The `Key=value;` pairs of a connection string, keyed in lower case (their case does not matter)."""
    pairs = (part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    return {key.lower(): value for key, value in pairs}


@dataclass(frozen=True)
class PubSubSettings:
    """How to reach Web PubSub: a connection string wins over endpoint + managed identity."""

    connection_string: str | None
    endpoint: str | None
    hub: str

    @classmethod
    def from_env(cls) -> PubSubSettings:
        """Read PUBSUB_CONNECTION_STRING or PUBSUB_ENDPOINT, and PUBSUB_HUB (default `chat`)."""
        settings = cls(_get("PUBSUB_CONNECTION_STRING"), _get("PUBSUB_ENDPOINT"), _get("PUBSUB_HUB") or "chat")
        if not (settings.connection_string or settings.endpoint):
            raise MissingSetting("PUBSUB_CONNECTION_STRING", "PUBSUB_ENDPOINT")
        return settings

    @property
    def service_endpoint(self) -> str:
        """The service's URL: the connection string's Endpoint, else PUBSUB_ENDPOINT."""
        if self.connection_string:
            return _connection_string_fields(self.connection_string).get("endpoint", "")
        return self.endpoint or ""

    @property
    def access_key(self) -> str | None:
        """The connection string's AccessKey (what `ce-signature` is made with); None with managed identity."""
        if not self.connection_string:
            return None
        return _connection_string_fields(self.connection_string).get("accesskey") or None


def guest_signing_key() -> str:
    """GUEST_SIGNING_KEY: the secret that signs and verifies guest identities."""
    key = _get("GUEST_SIGNING_KEY")
    if key is None:
        raise MissingSetting("GUEST_SIGNING_KEY")
    return key


MESSAGE_RETENTION_DEFAULT_DAYS = 365.0


def message_retention_days() -> float:
    """MESSAGE_RETENTION_DAYS: how long `make cleanup` keeps messages (0: for ever); a bad value is named."""
    raw = _get("MESSAGE_RETENTION_DAYS")
    if raw is None:
        return MESSAGE_RETENTION_DEFAULT_DAYS
    try:
        days = float(raw)
    except ValueError:
        raise MissingSetting("MESSAGE_RETENTION_DAYS (a number of days)") from None
    if days < 0:
        raise MissingSetting("MESSAGE_RETENTION_DAYS (a number of days, 0 or more)")
    return days


FREE_SKU = "Free_F1"


def connections_per_user() -> int:
    """PUBSUB_SKU=Free_F1 holds 20 connections in all, so each user keeps at most 2 (10 people fit); else 10."""
    return FREE_TIER_CONNECTIONS_PER_USER if (_get("PUBSUB_SKU") or "") == FREE_SKU else MAX_CONNECTIONS_PER_USER


def sign_in_required() -> bool:
    """CHATR_REQUIRE_SIGN_IN=true: the operator lets no new guest in (a guest flood, or a private Chatr)."""
    return (_get("CHATR_REQUIRE_SIGN_IN") or "").strip().lower() == "true"


def principal_header_trusted() -> bool:
    """Off App Service the local site strips a caller's principal; on it, only App Service authentication does."""
    if _get("WEBSITE_SITE_NAME") is None:
        return True
    return (_get("WEBSITE_AUTH_ENABLED") or "").lower() == "true"


@dataclass(frozen=True)
class WebhookAuthSettings:
    """How events prove they come from Web PubSub: ce-signature with its keys, or its identity's token if direct."""

    audience: str | None
    tenant_id: str | None
    caller_id: str | None = None
    keys: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> WebhookAuthSettings:
        """Read WEBHOOK_PRIMARY_KEY / WEBHOOK_SECONDARY_KEY, WEBHOOK_AUDIENCE + WEBHOOK_TENANT_ID, WEBHOOK_CALLER_ID."""
        keys = tuple(key for key in (_get("WEBHOOK_PRIMARY_KEY"), _get("WEBHOOK_SECONDARY_KEY")) if key)
        settings = cls(_get("WEBHOOK_AUDIENCE"), _get("WEBHOOK_TENANT_ID"), _get("WEBHOOK_CALLER_ID"), keys)
        if settings.audience and not settings.tenant_id:
            raise MissingSetting("WEBHOOK_TENANT_ID")
        return settings
