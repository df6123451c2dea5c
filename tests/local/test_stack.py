"""`make run`'s runner brings up every part, serves the API through the site, and stops them all."""

from __future__ import annotations

import http.server
import json
import socket
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from local.stack import Part, Ports, StackError, free_port, offline, plan, port_is_free, running
from tests.support import start_stack, wait_ready


def test_stack_serves_the_api_through_the_site_and_stops_every_process() -> None:
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
            assert json.loads(response.read()) == {"users": {}, "next": None}
    finally:
        code = stack.stop()
    assert code == 0, stack.output()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert all(port_is_free(p) for p in stack.ports.all())


def test_busy_port_is_reported_with_the_setting_that_moves_it() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        stack = start_stack(ports=replace(Ports.free(), swa=busy))
        code = stack.ended()
    assert code == 1
    assert f"port {busy} (site) is busy: stop what uses it or set SWA_PORT" in stack.output()


def test_when_one_part_dies_the_runner_stops_every_other_part() -> None:
    stack = wait_ready(start_stack("--no-swa"))
    try:
        children = psutil.Process(stack.process.pid).children(recursive=True)
        functions = next(c for c in children if "local.functions_host" in " ".join(c.cmdline()))
        functions.kill()
        code = stack.ended()
    finally:
        stack.stop()
    assert code == 1
    assert "functions exited" in stack.output() and "Stopped." in stack.output()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []


PORTS = Ports(swa=4280, functions=7071, pubsub=8080, azurite=10002)


def _names(env: dict[str, str]) -> list[str]:
    parts, _ = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env=env)
    return [p.name for p in parts]


def test_with_nothing_configured_every_part_runs_locally_and_the_backend_is_pointed_at_them() -> None:
    parts, backend = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={})
    assert [p.name for p in parts] == ["azurite", "webpubsub", "functions", "swa", "site"]
    assert "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1" in backend["STORAGE_CONNECTION_STRING"]
    assert backend["PUBSUB_CONNECTION_STRING"].startswith("Endpoint=http://127.0.0.1:8080;")
    assert parts[2].env == backend


def test_a_storage_account_of_your_own_leaves_azurite_out() -> None:
    parts, backend = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={"STORAGE_ACCOUNT_NAME": "mine"})
    assert [p.name for p in parts] == ["webpubsub", "functions", "swa", "site"]
    assert "STORAGE_CONNECTION_STRING" not in backend  # the adapter reads STORAGE_ACCOUNT_NAME from the environment


def test_a_storage_connection_string_of_your_own_leaves_azurite_out() -> None:
    assert "azurite" not in _names({"STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true"})


def test_a_web_pubsub_endpoint_of_your_own_leaves_the_emulator_out() -> None:
    parts, backend = plan(
        PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={"PUBSUB_ENDPOINT": "https://x.webpubsub.azure.com"}
    )
    assert [p.name for p in parts] == ["azurite", "functions", "swa", "site"]
    assert "PUBSUB_CONNECTION_STRING" not in backend


def test_a_web_pubsub_connection_string_of_your_own_leaves_the_emulator_out() -> None:
    assert "webpubsub" not in _names({"PUBSUB_CONNECTION_STRING": "Endpoint=https://x;AccessKey=k;Version=1.0;"})


def test_azurite_keeps_its_data_in_the_data_folder_unless_told_to_stay_in_memory() -> None:
    on_disk, _ = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={})
    in_memory, _ = plan(PORTS, in_memory=True, data_dir=Path("/tmp/chatr"), env={})
    assert on_disk[0].argv[-2:] == ("--location", "/tmp/chatr/azurite")
    assert in_memory[0].argv[-1] == "--inMemoryPersistence"


def test_the_hub_setting_reaches_both_the_emulator_and_the_backend() -> None:
    parts, backend = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={"PUBSUB_HUB": "other"})
    emulator = next(p for p in parts if p.name == "webpubsub")
    assert emulator.argv[emulator.argv.index("--hub") + 1] == "other"
    assert backend["PUBSUB_HUB"] == "other"


def test_the_site_is_the_edge_on_the_sites_port_in_front_of_the_swa_cli_which_proxies_api_to_the_adapter() -> None:
    parts, _ = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={})
    swa_cli, site = (next(p for p in parts if p.name == name) for name in ("swa", "site"))
    assert site.argv[1:3] == ("-m", "local.site") and site.port == PORTS.swa and site.setting == "SWA_PORT"
    assert site.argv[site.argv.index("--upstream") + 1] == f"http://127.0.0.1:{swa_cli.port}"
    assert swa_cli.port not in PORTS.all() and swa_cli.setting is None  # private: nobody but the edge calls it
    assert swa_cli.argv[swa_cli.argv.index("--api-devserver-url") + 1] == "http://127.0.0.1:7071"


def test_the_site_and_the_adapter_are_linked_by_one_fresh_token_only_when_the_site_runs() -> None:
    parts, backend = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={})
    site = next(p for p in parts if p.name == "site")
    assert site.env["CHATR_SITE_TOKEN"] == backend["CHATR_SITE_TOKEN"]
    again, _ = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={})
    assert next(p for p in again if p.name == "site").env["CHATR_SITE_TOKEN"] != site.env["CHATR_SITE_TOKEN"]
    _, alone = plan(PORTS, in_memory=False, data_dir=Path("/tmp/chatr"), env={}, swa=False)
    assert "CHATR_SITE_TOKEN" not in alone


def test_ports_and_their_settings_say_the_same_thing() -> None:
    ports = Ports.free()
    assert Ports.from_env(ports.settings()) == ports
    assert len(set(ports.all())) == 4 and all(port_is_free(p) for p in ports.all())


def test_offline_leaves_out_every_setting_that_points_the_backend_at_real_services() -> None:
    env = {"PATH": "/bin", "PUBSUB_ENDPOINT": "x", "STORAGE_ACCOUNT_NAME": "y", "WEBHOOK_AUTH": "z", "SWA_PORT": "1"}
    assert offline(env) == {"PATH": "/bin", "SWA_PORT": "1"}


@pytest.fixture
def answering() -> Iterator[int]:
    """The port of an HTTP server that answers every GET with the status in its path: `/302`, `/503`."""

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(int(self.path.strip("/")))
            self.send_header("Location", "/login.html")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("status", "ready"), [(200, True), (302, True), (401, True), (500, False), (503, False)])
def test_a_part_is_ready_once_its_url_gives_any_answer_but_a_server_error(
    answering: int, status: int, ready: bool
) -> None:
    part = Part("probe", ("true",), answering, ready_url=f"http://127.0.0.1:{answering}/{status}")
    assert part.answers() is ready


def test_a_part_without_a_url_is_ready_once_it_accepts_connections() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        part = Part("probe", ("true",), port)
        assert not part.answers()
        listener.listen()
        assert part.answers()


def test_every_part_of_the_plan_but_the_private_swa_cli_is_moved_by_its_setting() -> None:
    parts, _ = plan(PORTS, in_memory=True, data_dir=Path("/tmp/chatr"), env={})
    settings = Ports.SETTINGS
    assert {p.name: p.setting for p in parts} == {
        "azurite": settings["azurite"],
        "webpubsub": settings["pubsub"],
        "functions": settings["functions"],
        "swa": None,
        "site": settings["swa"],
    }


def test_every_part_of_the_plan_is_ready_at_a_url_on_its_own_port() -> None:
    parts, _ = plan(PORTS, in_memory=True, data_dir=Path("/tmp/chatr"), env={})
    for part in parts:
        assert part.ready_url is None or f":{part.port}/" in part.ready_url


_RECORDER = """
import signal, socket, sys
listener = socket.create_server(("127.0.0.1", int(sys.argv[2])))
def stopped(sig, frame):
    with open(sys.argv[1], "a") as log:
        log.write(signal.Signals(sig).name + " " + sys.argv[3] + "\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stopped)
signal.signal(signal.SIGINT, stopped)
signal.pause()
"""


async def test_stop_asks_the_edge_first_then_the_swa_cli_the_emulator_the_adapter_and_azurite_last(
    tmp_path: Path,
) -> None:
    stopped = tmp_path / "stopped"
    parts, _ = plan(Ports.free(), in_memory=True, data_dir=tmp_path, env={})
    recorders = [
        replace(p, argv=(sys.executable, "-c", _RECORDER, str(stopped), str(p.port), p.name), ready_url=None)
        for p in parts
    ]
    async with running(recorders, out=None):
        pass
    assert stopped.read_text().splitlines() == [
        "SIGTERM site",
        "SIGTERM swa",
        "SIGTERM webpubsub",
        "SIGTERM functions",
        "SIGINT azurite",  # Azurite saves its data on SIGINT only
    ]


async def test_a_part_whose_program_is_missing_says_to_run_make_setup(tmp_path: Path) -> None:
    missing = Part("swa", (str(tmp_path / "node_modules" / ".bin" / "swa"), "start"), free_port())
    with pytest.raises(StackError, match=r"swa: .*/\.bin/swa is missing; run `make setup`"):
        async with running([missing], out=None):
            pass
