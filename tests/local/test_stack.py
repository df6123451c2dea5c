"""`make run`'s runner brings up every part, serves the API through the SWA CLI, and stops them all."""

from __future__ import annotations

import json
import socket
import urllib.request

import psutil

from local.stack import port_is_free
from tests.support import start_stack, wait_ready, wait_until


def test_stack_serves_the_api_through_the_swa_cli_and_stops_every_process() -> None:
    stack = wait_ready(start_stack())
    try:
        children = psutil.Process(stack.process.pid).children(recursive=True)
        assert len(children) >= 3
        base = f"{stack.swa_url}/api"
        with urllib.request.urlopen(f"{base}/getToken?guestName=Stack", timeout=10) as response:
            guest = json.loads(response.read())["guest"]
        users = urllib.request.Request(f"{base}/users", headers={"X-Chatr-Guest": guest})
        with urllib.request.urlopen(users, timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read()) == {"users": {}}
    finally:
        code = stack.stop()
    assert code == 0, stack.output()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert all(port_is_free(p) for p in stack.ports.values())


def test_busy_port_is_reported_with_the_setting_that_moves_it() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        stack = start_stack(SWA_PORT=busy)
        code = stack.process.wait(timeout=60)
    assert code == 1
    output = wait_until(lambda: stack.output() if "SWA_PORT" in stack.output() else "", 10)
    assert f"port {busy} (swa) is busy" in output


def test_when_one_part_dies_the_runner_stops_every_other_part() -> None:
    stack = wait_ready(start_stack("--no-swa"))
    try:
        children = psutil.Process(stack.process.pid).children(recursive=True)
        functions = next(c for c in children if "local.functions_host" in " ".join(c.cmdline()))
        functions.kill()
        code = stack.process.wait(timeout=60)
    finally:
        stack.stop()
    assert code == 1
    assert "functions exited" in wait_until(lambda: stack.output() if "Stopped." in stack.output() else "", 10)
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
