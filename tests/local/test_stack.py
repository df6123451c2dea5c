"""`make run`'s runner brings up every part, serves the API through the SWA CLI, and stops them all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request

import psutil

from local.stack import ROOT, port_is_free
from tests.support import free_port, wait_until


def _start_stack(env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", "--in-memory"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return process, lines


def _stack_env(**ports: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBSUB_", "STORAGE_"))}
    env.update({name: str(port) for name, port in ports.items()})
    return env


def test_stack_serves_the_api_through_the_swa_cli_and_stops_every_process() -> None:
    ports = {name: free_port() for name in ("SWA_PORT", "FUNCTIONS_PORT", "PUBSUB_PORT", "AZURITE_PORT")}
    process, lines = _start_stack(_stack_env(**ports))
    try:
        wait_until(lambda: any("Chatr is running at" in line for line in lines) or process.poll() is not None, 120)
        assert process.poll() is None, "".join(lines)
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= 3
        base = f"http://127.0.0.1:{ports['SWA_PORT']}/api"
        with urllib.request.urlopen(f"{base}/getToken?guestName=Stack", timeout=10) as response:
            guest = json.loads(response.read())["guest"]
        users = urllib.request.Request(f"{base}/users", headers={"X-Chatr-Guest": guest})
        with urllib.request.urlopen(users, timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read()) == {"users": {}}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert process.returncode == 0, "".join(lines)
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert all(port_is_free(p) for p in ports.values())


def test_busy_port_is_reported_with_the_setting_that_moves_it() -> None:
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        ports = {name: free_port() for name in ("FUNCTIONS_PORT", "PUBSUB_PORT", "AZURITE_PORT")}
        process, lines = _start_stack(_stack_env(SWA_PORT=busy, **ports))
        process.wait(timeout=60)
    assert process.returncode == 1
    output = wait_until(lambda: "".join(lines) if "SWA_PORT" in "".join(lines) else "", 10)
    assert f"port {busy} (swa) is busy" in output and "SWA_PORT" in output
