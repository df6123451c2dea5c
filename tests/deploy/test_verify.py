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

import deploy.verify as checks
from api.config import PubSubSettings, StorageSettings
from api.pubsub import WATCH_GROUP_PREFIX
from api.state import State
from local.functions_host.app_service_auth import SITE_TOKEN_SETTING
from local.stack import ROOT, Part, emulator_part, event_handler_url, free_port, swa_cli_part
from tests.reliability.parts import Parts
from tests.support import eventually

CHECKS = 7
LINKED_AUTH = {"platform": {"enabled": True}, "identityProviders": {"azureStaticWebApps": {"enabled": True}}}
STANDARD = {"sku": "Standard_S1", "capacity": 2, "disableLocalAuth": False}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    parts = Parts.plan(tmp_path_factory.mktemp("verify"), swa=True).start()
    yield parts
    parts.stop()


def _command(parts: Parts, timeout: float, facts: Path | None, retry_for: float) -> list[str]:
    pubsub = PubSubSettings(parts.pubsub_connection_string, None, "chat").service_endpoint
    urls = ["--site", parts.swa_url, "--function-app", parts.functions_url, "--pubsub-endpoint", pubsub]
    options = ["--timeout", str(timeout), "--retry-for", str(retry_for)]
    return [sys.executable, "deploy/verify.py", *urls, *options, *(["--azure-facts", str(facts)] if facts else [])]


def _lines(stdout: str) -> dict[int, str]:
    return {int(m[2]): m[0] for m in re.finditer(r"^ +(ok|FAIL|warn) +(\d)\. .*$", stdout, re.MULTILINE)}


def verify(parts: Parts, timeout: float = 8.0, facts: Path | None = None) -> tuple[int, dict[int, str], str]:
    """Run the checks (no retries); the exit code, each check's line by number, and the whole output."""
    command = _command(parts, timeout, facts, retry_for=0)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    return result.returncode, _lines(result.stdout), result.stdout + result.stderr


def azure_facts(folder: Path, plan: str = "flex", auth: object = LINKED_AUTH, pubsub: object = STANDARD) -> Path:
    """What deploy/verify.sh reads from Azure, as it writes it: a stand-in for a real deployment's settings."""
    path = folder / "azure-facts.json"
    path.write_text(json.dumps({"plan": plan, "authSettings": auth, "pubsub": pubsub}))
    return path


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


def test_the_end_to_end_check_hears_presence_where_the_server_sends_it() -> None:
    assert checks.WATCH_GROUP_PREFIX == WATCH_GROUP_PREFIX


def test_make_verify_deploy_passes_every_check_against_make_runs_stack_and_leaves_no_chat(stack: Parts) -> None:
    ports = {"SWA_PORT": stack.ports.swa, "FUNCTIONS_PORT": stack.ports.functions, "PUBSUB_PORT": stack.ports.pubsub}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "VERIFY_TARGET": "local"}
    env.pop("MAKEFLAGS", None)
    make = ["make", "--no-print-directory", "verify-deploy"]
    result = subprocess.run(make, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(re.findall(r"^  ok +\d\. ", result.stdout, re.MULTILINE)) == CHECKS, result.stdout
    assert "authentication settings not read: not Azure" in result.stdout
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


def _on_app_service(parts: Parts, auth_enabled: bool) -> Part:
    """The adapter as App Service runs the app: WEBSITE_SITE_NAME set, WEBSITE_AUTH_ENABLED as the platform would."""
    env = {**parts.functions.part.env, "WEBSITE_SITE_NAME": "chatr-func-abc123"}
    if auth_enabled:
        env["WEBSITE_AUTH_ENABLED"] = "true"
    return replace(parts.functions.part, env=env)


def test_linked_but_with_app_service_authentication_off_fails_the_principal_check(stack: Parts) -> None:
    with defect(stack, functions=_on_app_service(stack, auth_enabled=False)):
        code, lines, output = verify(stack)
    assert code == 1
    assert _failed(lines) == {6}, output  # guests still work: no other check sees it
    assert "ignores the site's x-ms-client-principal" in lines[6]
    assert "every GitHub and Microsoft user gets 401 while guests still work" in lines[6]


def test_on_app_service_with_its_authentication_on_every_check_passes(stack: Parts, tmp_path: Path) -> None:
    with defect(stack, functions=_on_app_service(stack, auth_enabled=True)):
        code, lines, output = verify(stack, facts=azure_facts(tmp_path))
    assert code == 0, output
    assert "its App Service authentication has the site as provider" in lines[6]
    assert "Standard_S1 with 2 unit(s)" in lines[7]


@pytest.mark.parametrize(
    ("auth", "said"),
    [
        ({**LINKED_AUTH, "platform": {"enabled": False}}, "platform.enabled is not true"),
        ({"platform": {"enabled": True}, "identityProviders": {}}, "no enabled Static Web Apps provider"),
        (
            {"platform": {"enabled": True}, "identityProviders": {"azureStaticWebApps": {"enabled": False}}},
            "no enabled Static Web Apps provider",
        ),
    ],
    ids=["platform off", "no site provider", "site provider disabled"],
)
def test_authentication_settings_that_do_not_let_the_sites_principal_through_fail_the_principal_check(
    stack: Parts, tmp_path: Path, auth: dict[str, object], said: str
) -> None:
    code, lines, output = verify(stack, facts=azure_facts(tmp_path, auth=auth))
    assert code == 1
    assert _failed(lines) == {6}, output
    assert said in lines[6] and "make deploy-infra" in lines[6]


def test_the_managed_plan_has_no_authentication_settings_to_read_and_no_address_of_its_own(
    stack: Parts, tmp_path: Path
) -> None:
    urls = [
        "--site",
        stack.swa_url,
        "--function-app",
        "",
        "--pubsub-endpoint",
        PubSubSettings(stack.pubsub_connection_string, None, "chat").service_endpoint,
    ]
    facts = azure_facts(tmp_path, plan="managed", auth=None)
    command = [sys.executable, "deploy/verify.py", *urls, "--retry-for", "0", "--azure-facts", str(facts)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = _lines(result.stdout)
    assert "no address of its own" in lines[3]
    assert "the API runs inside the site (plan managed)" in lines[6]


def test_web_pubsub_without_its_access_keys_fails_naming_the_policy_that_usually_does_it(
    stack: Parts, tmp_path: Path
) -> None:
    keys_off = {**STANDARD, "disableLocalAuth": True}
    code, lines, output = verify(stack, facts=azure_facts(tmp_path, pubsub=keys_off))
    assert code == 1
    assert _failed(lines) == {7}, output
    assert "Web PubSub should disable local authentication" in lines[7] and "exemption" in lines[7]


def test_the_free_tier_passes_with_a_warning_that_says_what_it_carries(stack: Parts, tmp_path: Path) -> None:
    free = {"sku": "Free_F1", "capacity": 1, "disableLocalAuth": False}
    code, lines, output = verify(stack, facts=azure_facts(tmp_path, pubsub=free))
    assert code == 0, output
    assert lines[7].startswith("  warn  7.")
    assert "20 connections and 20,000 messages a day" in lines[7] and "Standard_S1" in lines[7]
    assert f"All {CHECKS} checks passed" in output and "Read the warning of check 7" in output


def test_checks_through_the_site_try_again_with_progress_lines_until_the_function_app_answers(stack: Parts) -> None:
    """Right after a deploy the site answers 5xx or 404 for a while; the checks wait it out instead of failing."""
    functions = stack.functions
    functions.stop()
    command = _command(stack, timeout=8, facts=None, retry_for=120)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:  # the first progress line says the check is waiting: now start the app
            seen.append(line)
            if "trying again in" in line:
                break
        assert re.match(r"^  \.\.    2\. sign-in required: /api/users answered 5\d\d", seen[-1]), "".join(seen)
        assert "waited of at most 2m00s" in seen[-1]
        functions.start()
        rest, _ = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
        if not functions.running:
            functions.start()
    output = "".join(seen) + rest
    assert process.returncode == 0, output
    assert f"All {CHECKS} checks passed" in output
