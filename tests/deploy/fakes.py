"""Stand-ins for the Azure CLI, the SWA CLI, the tunnel tool and the checks, so the deploy targets run offline.

Each is a small script on PATH (or named by SWA / AWPS_TUNNEL / VERIFY) that records its arguments and
exits with FAKE_EXIT_<NAME> (0 by default), and the fake `az` answers from a JSON state file the test
writes. They stand in for programs the deploy scripts call: the makefile and the scripts under test
run for real (deploy/verify.py itself is tested against the local stack in test_verify.py).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAKE_AZ = """
import json, os, sys

args = sys.argv[1:]
state_path = os.environ["FAKE_AZ_STATE"]
state = json.load(open(state_path))
entry = {"argv": args}
for arg in args:
    if arg.startswith("@") and os.path.exists(arg[1:]):
        entry["params"] = json.load(open(arg[1:]))
        entry["params_mode"] = oct(os.stat(arg[1:]).st_mode & 0o777)
with open(os.environ["FAKE_AZ_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")


def save():
    with open(state_path, "w") as out:
        json.dump(state, out)


def answer(value):
    print(value)
    sys.exit(0)


if args[:2] == ["account", "show"]:
    if not state.get("logged_in"):
        sys.stderr.write("ERROR: Please run 'az login' to setup account.\\n")
        sys.exit(1)
    sys.exit(0)
if args[:1] == ["deployment"] and args[2:3] == ["show"]:
    if not state.get("deployed"):
        sys.stderr.write("ERROR: (DeploymentNotFound) Deployment could not be found.\\n")
        sys.exit(3)
    query = args[args.index("--query") + 1]
    answer(state["outputs"].get(query.split(".")[2], ""))
if args[:1] == ["deployment"] and args[2:3] == ["create"]:
    state["deployed"] = True
    save()
    sys.exit(0)
if args[:2] == ["group", "show"]:
    sys.exit(0 if state.get("group_exists") else 3)
if args[:4] == ["functionapp", "config", "appsettings", "list"]:
    answer(state.get("guest_key", ""))
if args[:4] == ["functionapp", "deployment", "source", "config-zip"]:
    if state.get("zip_failures", 0) > 0:
        state["zip_failures"] -= 1
        save()
        sys.stderr.write("ERROR: 403 Forbidden\\n")
        sys.exit(1)
    sys.exit(0)
if args[:3] == ["staticwebapp", "secrets", "list"]:
    answer(state.get("swa_token", ""))
if args[:3] == ["staticwebapp", "appsettings", "list"]:
    answer(state.get("guest_key", ""))


def option(name):
    return args[args.index(name) + 1] if name in args else None


def tsv(links, api):
    return "\\n".join(f"{link['name']}\\t{link['backend']}" for link in links if link["api"] == api)


def fail_if(counter):
    if state.get(counter, 0) > 0:
        state[counter] -= 1
        save()
        sys.stderr.write("ERROR: (InternalServerError) An error has occurred.\\n")
        sys.exit(1)


links = state.setdefault("links", [])
url = option("--url") or ""
if args[:1] == ["rest"] and url.endswith("/linkedBackends?api-version=2024-04-01") and option("--method") == "get":
    answer(tsv(links, "linkedBackends"))
if args[:1] == ["rest"] and "/linkedBackends/" in url and option("--method") == "delete":
    name = url.split("/linkedBackends/")[1].split("?")[0]
    state["links"] = [link for link in links if link["name"] != name]
    save()
    sys.exit(0)
if args[:1] == ["rest"] and "/linkedBackends/" in url and option("--method") == "put":
    fail_if("link_put_failures")
    body = json.loads(option("--body"))["properties"]
    state["links"] = [{"name": url.split("/linkedBackends/")[1].split("?")[0], "backend": body["backendResourceId"],
                       "region": body["region"], "api": "linkedBackends"}]
    save()
    sys.exit(0)
if args[:3] == ["staticwebapp", "functions", "show"]:
    answer(tsv(links, "functions"))
if args[:3] == ["staticwebapp", "functions", "unlink"]:
    state["links"] = [link for link in links if link["api"] != "functions"]
    save()
    sys.exit(0)
if args[:3] == ["staticwebapp", "functions", "link"]:
    fail_if("functions_link_failures")
    state["links"] = [{"name": "functions", "backend": option("--function-resource-id"), "api": "functions"}]
    save()
    sys.exit(0)
if args[:1] == ["rest"] and url.endswith("/config/authsettingsV2?api-version=2024-04-01"):
    answer(json.dumps(state.get("auth_settings")))
if args[:2] == ["resource", "show"] and option("--query") == "properties.disableLocalAuth":
    answer("true" if state.get("pubsub", {}).get("disableLocalAuth") else "false")
if args[:2] == ["resource", "show"]:
    answer(json.dumps(state.get("pubsub")))
sys.stderr.write("fake az: unexpected call: " + " ".join(args) + "\\n")
sys.exit(2)
"""

FAKE_RECORDER = """
import json, os, sys

args = sys.argv[1:]
entry = {
    "argv": args,
    "token": os.environ.get("SWA_CLI_DEPLOYMENT_TOKEN"),
    "connection_string": os.environ.get("WebPubSubConnectionString"),
}


def listing(top):
    found = (os.path.join(folder, name) for folder, _, names in os.walk(top) for name in names)
    return sorted(os.path.relpath(path, top) for path in found)


def option(name):
    return args[args.index(name) + 1]


if "--app-location" in args:
    entry["files"] = listing(option("--app-location"))
if "--api-location" in args:
    entry["api_files"] = listing(option("--api-location"))
if "--swa-config-location" in args:
    entry["config"] = json.load(open(os.path.join(option("--swa-config-location"), "staticwebapp.config.json")))
if "--azure-facts" in args:  # the file is removed once the checks ran
    entry["facts"] = json.load(open(option("--azure-facts")))
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")
sys.exit(int(os.environ.get("FAKE_EXIT_" + os.path.basename(sys.argv[0]).replace("-", "_").upper(), "0")))
"""

GROUP_ID = "/subscriptions/0000/resourceGroups/chatr-rg/providers"
OUTPUTS = {
    "appUrl": "https://happy-sea-0123.azurestaticapps.net",
    "hostingPlan": "dedicated",
    "resourceGroupName": "chatr-rg",
    "staticWebAppName": "chatr-swa",
    "staticWebAppId": f"{GROUP_ID}/Microsoft.Web/staticSites/chatr-swa",
    "functionAppName": "chatr-func-abc123",
    "functionAppId": f"{GROUP_ID}/Microsoft.Web/sites/chatr-func-abc123",
    "functionAppLocation": "West Europe",
    "functionAppUrl": "https://chatr-func-abc123.azurewebsites.net",
    "pubsubName": "chatr-wps-abc123",
    "pubsubId": f"{GROUP_ID}/Microsoft.SignalRService/WebPubSub/chatr-wps-abc123",
    "pubsubEndpoint": "https://chatr-wps-abc123.webpubsub.azure.com",
    "pubsubHub": "chat",
}
# What the fake answers for a deployment that works: the link's App Service authentication, Web PubSub's keys on.
LINKED_AUTH = {"platform": {"enabled": True}, "identityProviders": {"azureStaticWebApps": {"enabled": True}}}
PUBSUB = {"sku": "Standard_S1", "capacity": 1, "disableLocalAuth": False}


@dataclass
class Tools:
    """The fakes installed in one test's folder, and what they recorded."""

    bin: Path
    swa: Path
    tunnel: Path
    verify: Path
    state_file: Path
    az_log: Path
    tool_log: Path
    state: dict[str, Any] = field(default_factory=dict)

    def set_state(self, **values: Any) -> None:
        """Change what the fake az answers."""
        self.state.update(values)
        self.state_file.write_text(json.dumps(self.state))

    def az_calls(self) -> list[dict[str, Any]]:
        """Every az call so far, in order."""
        return _read_lines(self.az_log)

    def tool_calls(self) -> list[dict[str, Any]]:
        """Every SWA CLI / tunnel tool call so far, in order."""
        return _read_lines(self.tool_log)


def _read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


def install(folder: Path, *, with_az: bool = True) -> Tools:
    """Write the fakes into `folder`; the fake az goes into folder/bin unless `with_az` is False."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    if with_az:
        _script(bin_dir / "az", FAKE_AZ)
    tools = Tools(
        bin=bin_dir,
        swa=_script(folder / "fake-swa", FAKE_RECORDER),
        tunnel=_script(folder / "fake-awps-tunnel", FAKE_RECORDER),
        verify=_script(folder / "fake-verify", FAKE_RECORDER),
        state_file=folder / "az-state.json",
        az_log=folder / "az.log",
        tool_log=folder / "tools.log",
    )
    tools.set_state(
        logged_in=True,
        deployed=False,
        outputs=OUTPUTS,
        group_exists=True,
        swa_token="swa-secret",
        auth_settings=LINKED_AUTH,
        pubsub=PUBSUB,
    )
    return tools


REAL_TOOLS = frozenset({"az", "swa", "awps-tunnel"})


def sandbox_bin(folder: Path) -> Path:
    """A folder linking every program on this PATH except a real az, swa or awps-tunnel, so none can run."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or not Path(entry).is_dir():
            continue
        for program in Path(entry).iterdir():
            link = folder / program.name
            if program.name in REAL_TOOLS or link.exists() or link.is_symlink():
                continue
            if program.is_file() and os.access(program, os.X_OK):
                link.symlink_to(program)
    for needed in ("make", "bash", "python3", "git"):
        assert (folder / needed).exists(), f"{needed} is needed on PATH"
    return folder


def environment(tools: Tools, sandbox: Path, home: Path) -> dict[str, str]:
    """A minimal environment for make: the fakes first on PATH, no inherited AZURE_*, PUBSUB_* or make flags."""
    return {
        "PATH": f"{tools.bin}{os.pathsep}{sandbox}",
        "HOME": str(home),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "FAKE_AZ_STATE": str(tools.state_file),
        "FAKE_AZ_LOG": str(tools.az_log),
        "FAKE_LOG": str(tools.tool_log),
        "SWA": str(tools.swa),
        "AWPS_TUNNEL": f"{sys.executable} {tools.tunnel}",
        "VERIFY": str(tools.verify),
        "DEPLOY_RETRY_SECONDS": "0",
        "LINK_RETRY_SECONDS": "0",
    }


def copy_project(source: Path, target: Path) -> Path:
    """The files the Azure targets use, copied so they run without touching the work tree."""
    for name in ("makefile", "staticwebapp.config.json", "function_app.py", "host.json", "requirements.txt"):
        shutil.copy2(source / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "vendor")
    for folder in ("deploy", "api", "client"):
        shutil.copytree(source / folder, target / folder, ignore=ignore)
    (target / "client" / "vendor").mkdir()
    (target / "client" / "vendor" / "vue.esm-browser.js").write_text("// vendored\n")
    (target / "client" / "vendor" / ".installed").touch()
    (target / "client" / "vendor" / "templates").mkdir()
    (target / "client" / "vendor" / "templates" / "index.js").write_text("// compiled\n")
    return target
