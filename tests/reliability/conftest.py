"""Fixtures for the reliability suites: a stack of separate processes, scripted users, the service client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.parts import Parts


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    """Azurite (in memory), the emulator and the Functions adapter, shared by the suites that kill nothing."""
    parts = Parts.plan(tmp_path_factory.mktemp("stack")).start()
    yield parts
    parts.stop()


@pytest.fixture
def alive(stack: Parts) -> Iterator[Parts]:
    """The shared stack, checked after the test: no part may have died on the way."""
    yield stack
    dead = [p.name for p in stack.processes.values() if not p.running]
    assert not dead, f"{dead} died during the test:\n{stack.logs()}"


@pytest.fixture
def chat_backend(stack: Parts) -> Parts:
    """What the shared `users`, `service` and `barrier` fixtures talk to."""
    return stack
