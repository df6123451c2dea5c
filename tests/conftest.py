"""Fixtures shared by every suite: a real Azurite (in memory) started and stopped by the tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from local.stack import NODE_BIN, azurite_connection_string
from tests.support import free_port, wait_until


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def azurite() -> Iterator[str]:
    """A fresh in-memory Azurite table service; yields its connection string."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(NODE_BIN / "azurite-table"),
            "--tableHost",
            "127.0.0.1",
            "--tablePort",
            str(port),
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--disableTelemetry",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _listening(port) or process.poll() is not None, timeout=30)
        assert process.poll() is None, "Azurite exited at start"
        yield azurite_connection_string(port)
    finally:
        process.terminate()
        process.wait(timeout=10)
