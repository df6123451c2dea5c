"""Webhook signatures and access keys (pure logic; the client wrapper is exercised by the integration tests)."""

from __future__ import annotations

import hashlib
import hmac

from api.config import PubSubSettings
from api.pubsub import access_keys, signature_matches, signing_keys

KEY = "K" * 44


def sign(connection_id: str, key: str = KEY) -> str:
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


def test_access_key_comes_from_the_connection_string() -> None:
    settings = PubSubSettings(f"Endpoint=http://127.0.0.1:8080;AccessKey={KEY};Version=1.0;", None, "chat")
    assert access_keys(settings) == [KEY]


def test_managed_identity_has_no_access_keys() -> None:
    assert access_keys(PubSubSettings(None, "https://x.webpubsub.azure.com", "chat")) == []


def test_signature_of_the_connection_id_matches() -> None:
    assert signature_matches("conn-1", sign("conn-1"), [KEY])


def test_any_entry_of_a_multi_key_signature_matches() -> None:
    header = f"{sign('conn-1', 'other' * 9)},{sign('conn-1')}"
    assert signature_matches("conn-1", header, [KEY])


def test_signature_for_another_connection_does_not_match() -> None:
    assert not signature_matches("conn-2", sign("conn-1"), [KEY])


def test_signature_with_another_key_does_not_match() -> None:
    assert not signature_matches("conn-1", sign("conn-1", "x" * 44), [KEY])


def test_missing_signature_does_not_match() -> None:
    assert not signature_matches("conn-1", "", [KEY])


def test_signing_keys_are_the_configured_pair_then_the_connection_strings_key_once() -> None:
    settings = PubSubSettings(f"Endpoint=http://127.0.0.1:8080;AccessKey={KEY};Version=1.0;", None, "chat")
    assert signing_keys(settings, ("primary", KEY)) == ["primary", KEY]


def test_with_managed_identity_the_signing_keys_are_the_configured_pair() -> None:
    settings = PubSubSettings(None, "https://x.webpubsub.azure.com", "chat")
    assert signing_keys(settings, ("primary", "secondary")) == ["primary", "secondary"]
