"""Token checks: keys as raw UTF-8, lenient audiences, reconnection tokens, webhook signatures."""

from __future__ import annotations

import time

import jwt
import pytest
from webpubsub_emulator.tokens import (
    ReconnectionTokens,
    TokenError,
    claim_values,
    issue_client_token,
    signature,
    verify_client_token,
    verify_rest_token,
)

KEY = "k" * 44
OTHER = "o" * 44


def test_client_token_from_either_key_is_accepted() -> None:
    token = issue_client_token(OTHER, "https://x/client/hubs/chat", user_id="u")
    assert verify_client_token(token, (KEY, OTHER), "chat")["sub"] == "u"


def test_client_token_for_another_hub_or_key_is_refused() -> None:
    with pytest.raises(TokenError):
        verify_client_token(issue_client_token(KEY, "http://x/client/hubs/other"), (KEY,), "chat")
    with pytest.raises(TokenError):
        verify_client_token(issue_client_token(OTHER, "http://x/client/hubs/chat"), (KEY,), "chat")


def test_client_token_without_audience_or_expired_is_refused() -> None:
    with pytest.raises(TokenError):
        verify_client_token(jwt.encode({"sub": "u"}, KEY), (KEY,), "chat")
    expired = jwt.encode({"aud": "http://x/client/hubs/chat", "exp": int(time.time()) - 1}, KEY)
    with pytest.raises(TokenError):
        verify_client_token(expired, (KEY,), "chat")


def test_short_keys_work_without_warnings(recwarn: pytest.WarningsRecorder) -> None:
    token = issue_client_token("short", "http://x/client/hubs/chat")
    verify_client_token(token, ("short",), "chat")
    assert not recwarn.list


@pytest.mark.parametrize(
    "aud",
    [
        "http://127.0.0.1:8080/api/hubs/chat/:send?api-version=2024-12-01",
        "http://localhost:8080/api/hubs/chat/:send",
        "HTTP://LOCALHOST/API/HUBS/CHAT/:SEND",
    ],
)
def test_rest_audience_is_the_url_with_or_without_query(aud: str) -> None:
    token = jwt.encode({"aud": aud, "exp": int(time.time()) + 60}, KEY)
    verify_rest_token(token, (KEY,), "/api/hubs/chat/:send?api-version=2024-12-01")


def test_rest_audience_is_compared_percent_decoded() -> None:
    token = jwt.encode({"aud": "http://h/api/hubs/chat/groups/a%2Fb/:send"}, KEY)
    verify_rest_token(token, (KEY,), "/api/hubs/chat/groups/a%2fb/:send")


def test_rest_token_for_another_path_is_refused() -> None:
    token = jwt.encode({"aud": "http://h/api/hubs/chat/:send"}, KEY)
    with pytest.raises(TokenError):
        verify_rest_token(token, (KEY,), "/api/hubs/chat/:closeConnections")


def test_claims_may_be_strings_or_lists() -> None:
    assert claim_values({"role": "a"}, "role") == ["a"]
    assert claim_values({"role": ["a", "b"]}, "role") == ["a", "b"]
    assert claim_values({}, "role") == []


def test_signature_has_one_entry_per_key_in_lower_case_hex() -> None:
    value = signature((KEY, OTHER), "conn")
    first, second = value.split(",")
    assert first.startswith("sha256=") and second.startswith("sha256=")
    assert first[7:] == first[7:].lower() and len(first) == 7 + 64


def test_reconnection_tokens_are_bound_to_the_connection_and_the_process() -> None:
    tokens = ReconnectionTokens()
    token = tokens.issue("c1")
    assert tokens.valid("c1", token)
    assert not tokens.valid("c2", token)
    assert not ReconnectionTokens().valid("c1", token)
