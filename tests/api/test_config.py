"""Settings from the environment: what each one yields, and a clear error naming what is missing."""

from __future__ import annotations

import pytest

from api.config import MissingSetting, PubSubSettings, message_retention_days

KEY = "K" * 44


def test_a_connection_string_gives_the_service_endpoint_and_access_key() -> None:
    settings = PubSubSettings(f"Endpoint=https://chatr.webpubsub.azure.com;AccessKey={KEY};Version=1.0;", None, "chat")
    assert (settings.service_endpoint, settings.access_key) == ("https://chatr.webpubsub.azure.com", KEY)


def test_connection_string_keys_are_read_whatever_their_case() -> None:
    settings = PubSubSettings(f"endpoint=http://127.0.0.1:8080;ACCESSKEY={KEY};", None, "chat")
    assert (settings.service_endpoint, settings.access_key) == ("http://127.0.0.1:8080", KEY)


def test_with_managed_identity_the_endpoint_setting_is_the_service_and_there_is_no_key() -> None:
    settings = PubSubSettings(None, "https://chatr.webpubsub.azure.com", "chat")
    assert (settings.service_endpoint, settings.access_key) == ("https://chatr.webpubsub.azure.com", None)


def test_a_connection_string_wins_over_the_endpoint_setting() -> None:
    settings = PubSubSettings("Endpoint=http://127.0.0.1:8080;AccessKey=k;", "https://elsewhere", "chat")
    assert settings.service_endpoint == "http://127.0.0.1:8080"


def test_the_hub_defaults_to_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSUB_ENDPOINT", "https://chatr.webpubsub.azure.com")
    monkeypatch.delenv("PUBSUB_HUB", raising=False)
    assert PubSubSettings.from_env().hub == "chat"


def test_missing_web_pubsub_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBSUB_CONNECTION_STRING", raising=False)
    monkeypatch.delenv("PUBSUB_ENDPOINT", raising=False)
    with pytest.raises(MissingSetting, match="PUBSUB_CONNECTION_STRING or PUBSUB_ENDPOINT"):
        PubSubSettings.from_env()


def test_the_message_retention_is_a_year_unless_set_and_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MESSAGE_RETENTION_DAYS", raising=False)
    assert message_retention_days() == 365
    monkeypatch.setenv("MESSAGE_RETENTION_DAYS", "30")
    assert message_retention_days() == 30
    monkeypatch.setenv("MESSAGE_RETENTION_DAYS", "a month")
    with pytest.raises(MissingSetting, match="MESSAGE_RETENTION_DAYS"):
        message_retention_days()
