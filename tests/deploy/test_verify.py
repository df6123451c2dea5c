"""`make verify-deploy` against `make run`'s stack: every check passes, and each fails with its message on its defect.

The stack's parts run as separate processes (tests/reliability/parts.py), so a test can replace some
of them with parts that have a defect a real deployment could have, run deploy/verify.py, and put the
planned ones back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from api.config import PubSubSettings, StorageSettings
from api.state import State
from local.functions_host.app_service_auth import SITE_TOKEN_SETTING
from local.stack import ROOT, Part, emulator_part, event_handler_url, free_port, swa_cli_part
from tests.reliability.parts import Parts
from tests.support import eventually

CHECKS = 5


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    parts = Parts.plan(tmp_path_factory.mktemp("verify"), swa=True).start()
    yield parts
    parts.stop()


def verify(parts: Parts, timeout: float = 8.0) -> tuple[int, dict[int, str], str]:
    """Run the checks; the exit code, each check's line by number, and the whole output."""
    pubsub = PubSubSettings(parts.pubsub_connection_string, None, "chat").service_endpoint
    urls = ["--site", parts.swa_url, "--function-app", parts.functions_url, "--pubsub-endpoint", pubsub]
    result = subprocess.run(
        [sys.executable, "deploy/verify.py", *urls, "--timeout", str(timeout)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = {int(m[2]): m[0] for m in re.finditer(r"^ +(ok|FAIL) +(\d)\. .*$", result.stdout, re.MULTILINE)}
    return result.returncode, lines, result.stdout + result.stderr


@contextlib.contextmanager
def defect(parts: Parts, **replaced: Part | None) -> Iterator[None]:
    """Run the stack with the named parts replaced (None: not running at all); the planned ones again afterwards."""
    planned = {name: process.part for name, process in parts.processes.items()}
    try:
        _restart(parts, {name: replaced.get(name, part) for name, part in planned.items()}, replaced)
        yield
    finally:
        _restart(parts, planned, replaced)


def _restart(parts: Parts, wanted: Mapping[str, Part | None], names: Iterable[str]) -> None:
    """Stop the named parts, those in front first, then start those `wanted` in the plan's order."""
    order = list(parts.processes)
    for name in sorted(names, key=order.index, reverse=True):
        parts.processes[name].stop()
    for name in sorted(names, key=order.index):
        part = wanted[name]
        if part is not None:
            parts.processes[name].part = part
            parts.processes[name].start()


def _swa_cli_port(parts: Parts) -> int:
    """The SWA CLI's private port, where the site's edge sends every request."""
    return parts.processes["swa"].part.port


def _unlinked(parts: Parts) -> Part:
    """The Functions adapter without the site's token: a Function App not locked to its site."""
    env = {k: v for k, v in parts.functions.part.env.items() if k != SITE_TOKEN_SETTING}
    return replace(parts.functions.part, env=env)


def _failed(lines: dict[int, str]) -> set[int]:
    return {number for number, line in lines.items() if "FAIL" in line}


def test_make_verify_deploy_passes_every_check_against_make_runs_stack_and_leaves_no_chat(stack: Parts) -> None:
    ports = {"SWA_PORT": stack.ports.swa, "FUNCTIONS_PORT": stack.ports.functions, "PUBSUB_PORT": stack.ports.pubsub}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "VERIFY_TARGET": "local"}
    env.pop("MAKEFLAGS", None)
    make = ["make", "--no-print-directory", "verify-deploy"]
    result = subprocess.run(make, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(re.findall(r"^  ok +\d\. ", result.stdout, re.MULTILINE)) == CHECKS, result.stdout
    assert f"All {CHECKS} checks passed" in result.stdout
    asyncio.run(_no_chat_and_soon_nobody_online(stack))


async def _no_chat_and_soon_nobody_online(parts: Parts) -> None:
    """The check's chat is gone; its guest goes offline once Web PubSub's `disconnected` event is handled."""
    state = State.from_settings(StorageSettings(parts.storage_connection_string, None))
    try:
        assert [chat async for chat in state.all_chats()] == []
        await eventually(lambda: _nobody_online(state), timeout=20)
    finally:
        await state.close()


async def _nobody_online(state: State) -> bool:
    return not (await state.list_online(None, 1))[0]


def test_a_site_without_its_route_rules_fails_the_pages_check(stack: Parts, tmp_path: Path) -> None:
    config = json.loads((ROOT / "staticwebapp.config.json").read_text())
    del config["routes"], config["responseOverrides"]
    (tmp_path / "staticwebapp.config.json").write_text(json.dumps(config))
    with defect(stack, swa=swa_cli_part(_swa_cli_port(stack), stack.functions_url, str(tmp_path))):
        code, lines, output = verify(stack)
    assert code == 1, output
    assert _failed(lines) == {1}, output
    assert "/login.html" in lines[1] and "make deploy-client" in lines[1]


def test_a_site_that_does_not_reach_the_function_app_fails_the_sign_in_check(stack: Parts) -> None:
    pubsub = PubSubSettings(stack.pubsub_connection_string, None, "chat").service_endpoint
    with defect(stack, swa=swa_cli_part(_swa_cli_port(stack), pubsub)):  # /api to another server
        code, lines, output = verify(stack)
    assert code == 1
    assert {2, 4, 5} <= _failed(lines), output
    assert "does not reach the Function App" in lines[2]


def test_a_site_that_passes_a_callers_principal_to_an_unlocked_app_fails_sign_in_and_lock(stack: Parts) -> None:
    without_edge = swa_cli_part(stack.ports.swa, stack.functions_url)  # the SWA CLI itself at the site's address
    with defect(stack, site=None, swa=without_edge, functions=_unlinked(stack)):
        code, lines, output = verify(stack)
    assert code == 1
    assert _failed(lines) == {2, 3}, output
    assert "forged x-ms-client-principal" in lines[2] and "anyone can be anyone" in lines[2]
    assert "anyone can be anyone" in lines[3]


def test_a_function_app_not_locked_to_the_site_fails_the_lock_check(stack: Parts) -> None:
    with defect(stack, functions=_unlinked(stack)):
        code, lines, output = verify(stack)
    assert code == 1
    assert _failed(lines) == {3}, output
    assert "gave a token in the name of a caller with a forged x-ms-client-principal" in lines[3]
    assert "make deploy-infra" in lines[3]


def test_a_function_app_serving_another_web_pubsub_fails_the_handshake_check(stack: Parts) -> None:
    other = stack.pubsub_connection_string.replace("127.0.0.1", "localhost")
    env = {**stack.functions.part.env, "PUBSUB_CONNECTION_STRING": other}
    with defect(stack, functions=replace(stack.functions.part, env=env)):
        code, lines, output = verify(stack)
    assert code == 1
    assert 4 in _failed(lines), output
    assert "serves another Web PubSub" in lines[4]


def test_events_that_never_reach_the_app_fail_the_end_to_end_check(stack: Parts) -> None:
    nowhere = emulator_part(stack.ports.pubsub, event_handler=event_handler_url(free_port()))
    with defect(stack, webpubsub=nowhere):
        code, lines, output = verify(stack, timeout=5)
    assert code == 1
    assert _failed(lines) == {5}, output
    # the hub asks the app at `connect` too: the socket itself is refused
    assert "did not open (handshake status 500)" in lines[5] and "Refused an event" in lines[5]
    assert f"{CHECKS - 1} of {CHECKS} checks passed; fix 5" in output
