"""Missing settings and outages give a clear JSON error, never a stack trace."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import azure.functions as func
import pytest

from api import lists, presence, runtime, tokens
from local.harness import swa_principal
from local.stack import azurite_connection_string, free_port, pubsub_connection_string


def signed_in_request(path: str) -> func.HttpRequest:
    headers = {"x-ms-client-principal": swa_principal("abc123", "Ada")}
    return func.HttpRequest("GET", f"http://localhost/api/{path}", headers=headers, body=b"")


@pytest.fixture
async def clean_env(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[pytest.MonkeyPatch]:
    """No service settings; the clients the test's invocations open are closed after it, as the host closes them."""
    for name in ("PUBSUB_CONNECTION_STRING", "PUBSUB_ENDPOINT", "STORAGE_CONNECTION_STRING", "STORAGE_ACCOUNT_NAME"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    await runtime.close()


async def test_missing_storage_setting_is_named_in_a_500(clean_env: pytest.MonkeyPatch) -> None:
    response = await lists.get_users(signed_in_request("users"))
    assert response.status_code == 500
    assert "STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_NAME" in json.loads(response.get_body())["error"]


async def test_missing_pubsub_setting_is_named_in_a_500(clean_env: pytest.MonkeyPatch, azurite: str) -> None:
    clean_env.setenv("STORAGE_CONNECTION_STRING", azurite)
    response = await tokens.get_token(signed_in_request("getToken"))
    assert response.status_code == 500
    assert "PUBSUB_CONNECTION_STRING or PUBSUB_ENDPOINT" in json.loads(response.get_body())["error"]


async def test_unreachable_storage_gives_a_503_with_a_message(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STORAGE_CONNECTION_STRING", azurite_connection_string(free_port()))
    clean_env.setenv("PUBSUB_CONNECTION_STRING", pubsub_connection_string(free_port()))
    response = await lists.get_chats(signed_in_request("chats"))
    assert response.status_code == 503
    body = json.loads(response.get_body())
    assert "unavailable" in body["error"] and "Traceback" not in body["error"]


async def test_unreachable_web_pubsub_gives_a_503_with_a_message(clean_env: pytest.MonkeyPatch, azurite: str) -> None:
    clean_env.setenv("STORAGE_CONNECTION_STRING", azurite)
    clean_env.setenv("PUBSUB_CONNECTION_STRING", pubsub_connection_string(free_port()))
    await tokens.get_token(signed_in_request("getToken"))  # a first token is signed here; the next counts connections
    response = await tokens.get_token(signed_in_request("getToken"))
    assert response.status_code == 503
    body = json.loads(response.get_body())
    assert "Web PubSub is unavailable" in body["error"] and "Traceback" not in body["error"]


async def test_the_user_list_is_served_while_web_pubsub_is_unreachable(
    clean_env: pytest.MonkeyPatch, azurite: str
) -> None:
    clean_env.setenv("STORAGE_CONNECTION_STRING", azurite)
    clean_env.setenv("PUBSUB_CONNECTION_STRING", pubsub_connection_string(free_port()))
    clean_env.setattr(presence, "_last_sweep", 0.0)  # the presence repair, which lists live connections, is due
    response = await lists.get_users(signed_in_request("users"))
    assert response.status_code == 200 and presence._last_sweep == 0.0  # the repair waits for the next list
