"""`python -m api.cleanup` as an operator runs it (what it removes is tested against the real stack)."""

from __future__ import annotations

import pytest
from azure.data.tables import TableServiceClient

from api import cleanup
from api.state import CHATS_TABLE, USERS_TABLE
from local.stack import free_port, pubsub_connection_string


def test_a_store_whose_tables_were_never_created_is_cleaned_without_error(
    azurite: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with TableServiceClient.from_connection_string(azurite) as service:
        for table in (CHATS_TABLE, USERS_TABLE):
            service.delete_table(table)
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite)
    monkeypatch.setenv("PUBSUB_CONNECTION_STRING", pubsub_connection_string(free_port()))
    cleanup.main(["--hours", "1"])
    assert "Removed 0 users and 0 chats" in capsys.readouterr().out
