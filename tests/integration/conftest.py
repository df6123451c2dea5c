"""The backend for real: Azurite + the Web PubSub emulator + the Functions adapter, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import RunningStack, stack_running


@pytest.fixture(scope="session")
def backend() -> Iterator[RunningStack]:
    with stack_running("--no-swa") as stack:
        yield stack


@pytest.fixture
def chat_backend(backend: RunningStack) -> RunningStack:
    """What the shared `users`, `service` and `barrier` fixtures talk to."""
    return backend
