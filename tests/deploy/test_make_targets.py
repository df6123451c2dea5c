"""`make deploy` and its steps, run offline: real makefile and scripts, fake Azure CLI, SWA CLI and tunnel tool.

Every make runs in a copy of the project with a PATH on which no real `az`, `swa` or `awps-tunnel`
can be found, so nothing here can reach Azure.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy import fakes
from tests.deploy.templates import ROOT


@dataclass
class Run:
    """One make run: exit code and output."""

    code: int
    stdout: str
    stderr: str

    def failed_with(self, message: str) -> bool:
        """Failed with `message` on stderr, and without a Python or Azure CLI traceback."""
        return self.code != 0 and message in self.stderr and "Traceback" not in self.stderr + self.stdout


@dataclass
class Project:
    """A copy of the project with the fakes installed."""

    root: Path
    tools: fakes.Tools
    env: dict[str, str]

    def make(self, *args: str, **variables: str) -> Run:
        """`make <args> VAR=value...` in the copy; VENDOR_STAMP and TEMPLATES are emptied so no npm or node runs."""
        emptied = {"VENDOR_STAMP": "", "TEMPLATES": ""}
        assignments = [f"{name}={value}" for name, value in {**emptied, **variables}.items()]
        result = subprocess.run(
            ["make", "--no-print-directory", *args, *assignments],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Run(result.returncode, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fakes.sandbox_bin(tmp_path_factory.mktemp("sandbox") / "bin")


def _project(tmp_path: Path, sandbox: Path, *, with_az: bool = True) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    fakes.copy_project(ROOT, root)
    tools = fakes.install(tmp_path / "fakes", with_az=with_az)
    home = tmp_path / "home"
    home.mkdir()
    return Project(root, tools, fakes.environment(tools, sandbox, home))


@pytest.fixture
def project(tmp_path: Path, sandbox: Path) -> Project:
    return _project(tmp_path, sandbox)


@pytest.fixture
def deployed(project: Project) -> Project:
    project.tools.set_state(deployed=True)
    return project


# ---- make -n and make help ---------------------------------------------------------------------


def test_make_n_deploy_shows_infra_then_api_then_client_then_the_checks(project: Project) -> None:
    run = project.make("-n", "deploy")
    assert run.code == 0, run.stderr
    steps = ["deploy/infra.sh", "deploy/package.py", "deploy/api.sh", "deploy/client.sh", "deploy/verify.sh"]
    positions = [run.stdout.find(step) for step in steps]
    assert all(p >= 0 for p in positions), run.stdout
    assert positions == sorted(positions), run.stdout


def test_make_help_lists_every_azure_target(project: Project) -> None:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", project.make("help").stdout)
    listed = {line.split()[0] for line in plain.splitlines() if line.strip()}
    targets = {"package", "deploy", "deploy-infra", "deploy-link", "deploy-api", "deploy-client", "verify-deploy"}
    assert targets | {"tunnel"} <= listed


# ---- each step stops early, with a message, when a prerequisite is missing ----------------------


@pytest.mark.parametrize("target", ["deploy-infra", "deploy-api", "deploy-client"])
def test_without_the_azure_cli_a_deploy_step_says_how_to_install_it(tmp_path: Path, sandbox: Path, target: str) -> None:
    run = _project(tmp_path, sandbox, with_az=False).make(target)
    assert run.failed_with("the Azure CLI ('az') is not installed"), run.stderr


@pytest.mark.parametrize("target", ["deploy-infra", "deploy-api", "deploy-client"])
def test_when_not_logged_in_a_deploy_step_says_to_run_az_login(project: Project, target: str) -> None:
    project.tools.set_state(logged_in=False)
    assert project.make(target).failed_with("run 'az login'")


@pytest.mark.parametrize("variable", ["AZURE_PREFIX", "AZURE_RESGRP", "AZURE_REGION", "AZURE_DEPLOYMENT"])
def test_an_empty_setting_is_named(project: Project, variable: str) -> None:
    assert project.make("deploy-infra", **{variable: ""}).failed_with(f"{variable} is not set")


def test_a_prefix_azure_would_refuse_is_caught_before_deploying(project: Project) -> None:
    assert project.make("deploy-infra", AZURE_PREFIX="My_App").failed_with("must be 2-13 lower-case letters")
    assert not project.tools.az_calls()


def test_deploying_into_a_missing_group_says_so(project: Project) -> None:
    project.tools.set_state(group_exists=False)
    assert project.make("deploy-infra", AZURE_SCOPE="group").failed_with("resource group 'chatr-rg' does not exist")


@pytest.mark.parametrize("target", ["deploy-api", "deploy-client", "verify-deploy", "deploy-link"])
def test_a_step_before_deploy_infra_says_to_run_it_first(project: Project, target: str) -> None:
    assert project.make(target).failed_with("run 'make deploy-infra' first")


def test_deploy_client_without_the_swa_cli_says_to_run_setup(project: Project) -> None:
    assert project.make("deploy-client", SWA="node_modules/.bin/swa").failed_with("run 'make setup'")


def test_deploy_client_without_the_compiled_templates_says_to_run_setup(deployed: Project) -> None:
    shutil.rmtree(deployed.root / "client" / "vendor" / "templates")
    assert deployed.make("deploy-client").failed_with("the compiled templates are missing")


def test_deploy_client_without_the_vendored_files_says_to_run_setup(deployed: Project) -> None:
    shutil.rmtree(deployed.root / "client" / "vendor")
    assert deployed.make("deploy-client").failed_with("client/vendor is missing")


def test_tunnel_without_node_says_what_it_needs(project: Project) -> None:
    run = project.make("tunnel", AWPS_TUNNEL="no-such-npx run", PUBSUB_ENDPOINT="https://x.webpubsub.azure.com")
    assert run.failed_with("'no-such-npx' is not installed")


def test_tunnel_without_an_endpoint_says_to_set_it(project: Project) -> None:
    assert project.make("tunnel", PUBSUB_HUB="chatdev").failed_with("PUBSUB_ENDPOINT is not set")


def test_tunnel_without_a_hub_says_which_one_to_name(project: Project) -> None:
    run = project.make("tunnel", PUBSUB_ENDPOINT="https://x.webpubsub.azure.com")
    assert run.failed_with("PUBSUB_HUB is not set")


# ---- what each step does when everything is there ------------------------------------------------


def test_deploy_infra_deploys_main_bicep_at_subscription_scope(project: Project) -> None:
    run = project.make("deploy-infra")
    assert run.code == 0, run.stderr
    (create,) = [c for c in project.tools.az_calls() if c["argv"][:3] == ["deployment", "sub", "create"]]
    argv = create["argv"]
    assert argv[argv.index("--template-file") + 1] == "deploy/main.bicep"
    assert argv[argv.index("--name") + 1] == "chatr-infra"
    assert argv[argv.index("--location") + 1] == "westeurope"
    parameters = {name: p["value"] for name, p in create["params"]["parameters"].items()}
    assert parameters["prefix"] == "chatr"
    assert parameters["resourceGroupName"] == "chatr-rg"
    assert parameters["location"] == "westeurope"
    assert parameters["hostingPlan"] == "dedicated"
    assert (parameters["pubsubSku"], parameters["pubsubUnits"]) == ("Free_F1", 1)
    assert "guestSigningKey" not in parameters
    assert "https://happy-sea-0123.azurestaticapps.net" in run.stdout


def test_deploy_infra_passes_parameters_in_a_private_file_it_removes(project: Project) -> None:
    assert project.make("deploy-infra").code == 0
    (create,) = [c for c in project.tools.az_calls() if "create" in c["argv"]]
    assert create["params_mode"] == "0o600"
    params_file = next(a for a in create["argv"] if a.startswith("@"))[1:]
    assert not Path(params_file).exists()


def test_deploy_infra_keeps_the_guest_signing_key_of_the_running_app(deployed: Project) -> None:
    deployed.tools.set_state(guest_key="existing-key")
    assert deployed.make("deploy-infra").code == 0
    (create,) = [c for c in deployed.tools.az_calls() if "create" in c["argv"]]
    assert create["params"]["parameters"]["guestSigningKey"] == {"value": "existing-key"}
    assert not any("existing-key" in arg for arg in create["argv"])


def test_deploy_infra_keeps_the_guest_signing_key_the_managed_plan_keeps_in_the_sites_settings(
    deployed: Project,
) -> None:
    deployed.tools.set_state(outputs={**fakes.OUTPUTS, "hostingPlan": "managed", "functionAppName": ""}, guest_key="k")
    assert deployed.make("deploy-infra", AZURE_HOSTING_PLAN="managed").code == 0
    (create,) = [c for c in deployed.tools.az_calls() if "create" in c["argv"]]
    assert create["params"]["parameters"]["guestSigningKey"] == {"value": "k"}
    (read,) = [c["argv"] for c in deployed.tools.az_calls() if c["argv"][:3] == ["staticwebapp", "appsettings", "list"]]
    assert read[read.index("--name") + 1] == "chatr-swa"


def test_deploy_infra_into_an_existing_group_deploys_app_bicep(project: Project) -> None:
    assert project.make("deploy-infra", AZURE_SCOPE="group", AZURE_RESGRP="mine").code == 0
    (create,) = [c for c in project.tools.az_calls() if "create" in c["argv"]]
    argv = create["argv"]
    assert argv[:3] == ["deployment", "group", "create"]
    assert argv[argv.index("--resource-group") + 1] == "mine"
    assert argv[argv.index("--template-file") + 1] == "deploy/app.bicep"
    assert "resourceGroupName" not in create["params"]["parameters"]


def test_deploy_api_builds_the_package_and_zip_deploys_it_with_a_remote_build(deployed: Project) -> None:
    run = deployed.make("deploy-api")
    assert run.code == 0, run.stderr
    (upload,) = [c for c in deployed.tools.az_calls() if "config-zip" in c["argv"]]
    argv = upload["argv"]
    assert argv[argv.index("--name") + 1] == "chatr-func-abc123"
    assert argv[argv.index("--resource-group") + 1] == "chatr-rg"
    assert argv[argv.index("--build-remote") + 1] == "true"
    package = deployed.root / argv[argv.index("--src") + 1]
    with zipfile.ZipFile(package) as archive:
        assert "function_app.py" in archive.namelist()


def test_deploy_api_retries_with_growing_pauses_while_new_role_assignments_propagate(deployed: Project) -> None:
    deployed.tools.set_state(zip_failures=7)
    run = deployed.make("deploy-api", DEPLOY_RETRY_SECONDS="0")
    assert run.code == 0, run.stderr
    assert len([c for c in deployed.tools.az_calls() if "config-zip" in c["argv"]]) == 8
    assert "Upload refused (attempt 1 of 8, 0m0s waited of about 10m)" in run.stdout


def test_deploy_api_waits_about_ten_minutes_in_all_before_giving_up(deployed: Project) -> None:
    slept = deployed.root.parent / "slept"
    fake_sleep = deployed.tools.bin / "sleep"  # found before the real one: the pauses are recorded, not waited
    fake_sleep.write_text(f'#!/bin/sh\necho "$1" >> {slept}\n')
    fake_sleep.chmod(0o755)
    deployed.tools.set_state(zip_failures=8)
    run = deployed.make("deploy-api", DEPLOY_RETRY_SECONDS="")  # the default pauses
    assert run.failed_with("failed 8 times over about 10 minutes")
    pauses = [int(line) for line in slept.read_text().split()]
    assert pauses == [15, 30, 60, 120, 120, 120, 120]
    assert sum(pauses) == 585
    assert "attempt 7 of 8, 7m45s waited of about 10m" in run.stdout


def test_deploy_client_uploads_the_client_and_its_config_with_a_token_kept_out_of_argv(deployed: Project) -> None:
    run = deployed.make("deploy-client")
    assert run.code == 0, run.stderr
    (swa,) = deployed.tools.tool_calls()
    assert swa["argv"][0] == "deploy"
    assert swa["argv"][swa["argv"].index("--env") + 1] == "production"
    assert swa["token"] == "swa-secret"
    assert not any("swa-secret" in arg for arg in swa["argv"])
    assert {"index.html", "login.html", "staticwebapp.config.json", "vendor/vue.esm-browser.js"} <= set(swa["files"])
    assert "vendor/.installed" not in swa["files"]
    assert "--api-location" not in swa["argv"]
    assert "https://happy-sea-0123.azurestaticapps.net" in run.stdout


def test_deploy_client_uploads_a_csp_that_connects_only_to_the_site_and_this_deployments_web_pubsub(
    deployed: Project,
) -> None:
    assert deployed.make("deploy-client").code == 0
    (swa,) = deployed.tools.tool_calls()
    policy = swa["config"]["globalHeaders"]["Content-Security-Policy"]
    (connect,) = [d.strip() for d in policy.split(";") if d.strip().startswith("connect-src")]
    assert connect == "connect-src 'self' wss://chatr-wps-abc123.webpubsub.azure.com"
    assert "localhost" not in policy and "127.0.0.1" not in policy


def test_on_the_managed_plan_deploy_client_uploads_the_api_with_the_site_and_deploy_api_leaves_it(
    deployed: Project,
) -> None:
    deployed.tools.set_state(outputs={**fakes.OUTPUTS, "hostingPlan": "managed", "functionAppName": ""})
    run = deployed.make("deploy-api")
    assert run.code == 0, run.stderr
    assert "goes up with the site" in run.stdout
    assert not [c for c in deployed.tools.az_calls() if "config-zip" in c["argv"]]
    assert deployed.make("deploy-client").code == 0
    (swa,) = deployed.tools.tool_calls()
    argv = swa["argv"]
    assert argv[argv.index("--api-language") + 1] == "python"
    assert argv[argv.index("--api-version") + 1] == "3.11"
    assert {"function_app.py", "host.json", "requirements.txt", "api/__init__.py"} <= set(swa["api_files"])
    assert swa["config"]["platform"] == {"apiRuntime": "python:3.11"}


# ---- the link (deploy/link.sh, run by deploy-infra and deploy-link) ------------------------------


def _link_calls(project: Project) -> list[list[str]]:
    return [
        c["argv"]
        for c in project.tools.az_calls()
        if c["argv"][:1] == ["rest"] or c["argv"][:2] == ["staticwebapp", "functions"]
    ]


def _changes(project: Project) -> list[str]:
    """What the link step changed: `put`, `delete`, `functions link`, `functions unlink`, in order."""
    changes = []
    for argv in _link_calls(project):
        if argv[:1] == ["rest"] and argv[argv.index("--method") + 1] in {"put", "delete"}:
            changes.append(argv[argv.index("--method") + 1])
        elif argv[2] in {"link", "unlink"}:
            changes.append(f"functions {argv[2]}")
    return changes


def _links(project: Project) -> list[dict]:
    return list(json.loads(project.tools.state_file.read_text())["links"])


APP_ID = fakes.OUTPUTS["functionAppId"]
OTHER_APP = "/subscriptions/0000/resourceGroups/old/providers/Microsoft.Web/sites/old-func"


def test_deploy_infra_links_the_function_app_to_the_site(project: Project) -> None:
    run = project.make("deploy-infra")
    assert run.code == 0, run.stderr
    assert _changes(project) == ["put"]
    (link,) = _links(project)
    assert (link["backend"], link["region"], link["api"]) == (APP_ID, "West Europe", "linkedBackends")
    assert "Linked: the site proxies /api/* to chatr-func-abc123" in run.stdout


def test_a_correct_link_is_left_alone(deployed: Project) -> None:
    deployed.tools.set_state(links=[{"name": "chatr-link", "backend": APP_ID.upper(), "api": "linkedBackends"}])
    run = deployed.make("deploy-link")
    assert run.code == 0, run.stderr
    assert _changes(deployed) == []
    assert "already linked to chatr-func-abc123: leaving the link as it is" in run.stdout


@pytest.mark.parametrize(
    ("api", "removed_with"), [("linkedBackends", "delete"), ("functions", "functions unlink")], ids=["backend", "byof"]
)
def test_a_link_to_another_backend_is_replaced(deployed: Project, api: str, removed_with: str) -> None:
    deployed.tools.set_state(links=[{"name": "old", "backend": OTHER_APP, "api": api}])
    run = deployed.make("deploy-link")
    assert run.code == 0, run.stderr
    assert _changes(deployed) == [removed_with, "put"]
    assert [link["backend"] for link in _links(deployed)] == [APP_ID]
    assert f"linked to another backend ({OTHER_APP}): removing that link" in run.stdout


def test_a_link_refused_while_the_site_is_new_is_retried_with_pauses(deployed: Project) -> None:
    deployed.tools.set_state(link_put_failures=3)
    run = deployed.make("deploy-link")
    assert run.code == 0, run.stderr
    assert _changes(deployed) == ["put"] * 4
    assert "Link refused (attempt 1 of 5): new sites refuse links for a while (Azure/azure-cli#30860)" in run.stdout


def test_when_the_linked_backends_api_keeps_failing_the_functions_link_command_is_tried(deployed: Project) -> None:
    deployed.tools.set_state(link_put_failures=5)
    run = deployed.make("deploy-link")
    assert run.code == 0, run.stderr
    assert _changes(deployed) == ["put"] * 5 + ["functions link"]
    (fallback,) = [a for a in _link_calls(deployed) if a[2:3] == ["link"]]
    assert fallback[fallback.index("--function-resource-id") + 1] == APP_ID and "--force" in fallback
    assert [link["backend"] for link in _links(deployed)] == [APP_ID]


def test_when_every_way_to_link_fails_the_step_says_what_to_do(deployed: Project) -> None:
    deployed.tools.set_state(link_put_failures=5, functions_link_failures=1)
    run = deployed.make("deploy-link")
    assert run.failed_with("could not link Function App chatr-func-abc123 to Static Web App chatr-swa")
    assert "Run 'make deploy-link' again in a few minutes" in run.stderr
    assert "APIs, Production, Link" in run.stderr and "make verify-deploy" in run.stderr


def test_the_managed_plan_has_nothing_to_link(deployed: Project) -> None:
    deployed.tools.set_state(outputs={**fakes.OUTPUTS, "hostingPlan": "managed"})
    run = deployed.make("deploy-link")
    assert run.code == 0, run.stderr
    assert _link_calls(deployed) == []
    assert "nothing to link" in run.stdout


# ---- choices, and what a tenant's policy may have changed ----------------------------------------


def test_deploy_infra_passes_the_hosting_plan_and_web_pubsub_tier_chosen(project: Project) -> None:
    run = project.make(
        "deploy-infra", AZURE_HOSTING_PLAN="flex", AZURE_PUBSUB_SKU="Standard_S1", AZURE_PUBSUB_UNITS="5"
    )
    assert run.code == 0, run.stderr
    (create,) = [c for c in project.tools.az_calls() if "create" in c["argv"]]
    parameters = {name: p["value"] for name, p in create["params"]["parameters"].items()}
    assert (parameters["hostingPlan"], parameters["pubsubSku"], parameters["pubsubUnits"]) == ("flex", "Standard_S1", 5)


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("AZURE_HOSTING_PLAN", "consumption", "must be 'dedicated' (the default), 'flex' or 'managed'"),
        ("AZURE_PUBSUB_SKU", "Standard", "must be Free_F1, Standard_S1 or Premium_P1"),
        ("AZURE_PUBSUB_UNITS", "3", "must be 1, 2, 5, 10, 20, 50 or 100"),
    ],
)
def test_a_choice_azure_would_refuse_is_named_before_deploying(
    project: Project, variable: str, value: str, said: str
) -> None:
    assert project.make("deploy-infra", **{variable: value}).failed_with(said)
    assert not project.tools.az_calls()


def test_deploy_infra_stops_naming_the_policy_when_web_pubsubs_keys_were_turned_off(project: Project) -> None:
    project.tools.set_state(pubsub={**fakes.PUBSUB, "disableLocalAuth": True})
    run = project.make("deploy-infra")
    assert run.failed_with('"Web PubSub should disable local authentication"')
    assert "policy exemption" in run.stderr and "refuses every one (401)" in run.stderr
    assert _link_calls(project) == []
    (read,) = [c["argv"] for c in project.tools.az_calls() if c["argv"][:2] == ["resource", "show"]]
    assert read[read.index("--ids") + 1] == fakes.OUTPUTS["pubsubId"]


def test_tunnel_forwards_the_hubs_events_to_the_local_functions_adapter(project: Project) -> None:
    endpoint = "https://chatr-wps-abc123.webpubsub.azure.com"
    run = project.make("tunnel", PUBSUB_ENDPOINT=endpoint, PUBSUB_HUB="chatdev", FUNCTIONS_PORT="7072")
    assert run.code == 0, run.stderr
    (tunnel,) = project.tools.tool_calls()
    assert tunnel["argv"] == ["run", "--hub", "chatdev", "-e", endpoint, "-u", "http://127.0.0.1:7072"]


def test_tunnel_finds_the_endpoint_and_dev_hub_of_the_deployment(deployed: Project) -> None:
    assert deployed.make("tunnel", AZURE_DEV_HUB="chatdev").code == 0
    (tunnel,) = deployed.tools.tool_calls()
    assert tunnel["argv"][:5] == ["run", "--hub", "chatdev", "-e", fakes.OUTPUTS["pubsubEndpoint"]]


def test_tunnel_to_an_instance_with_keys_hands_the_tool_its_connection_string(project: Project) -> None:
    project.tools.set_state(logged_in=False)
    connection_string = "Endpoint=https://mine.webpubsub.azure.com;AccessKey=abc;Version=1.0;"
    run = project.make("tunnel", PUBSUB_CONNECTION_STRING=connection_string, PUBSUB_HUB="chat")
    assert run.code == 0, run.stderr
    (tunnel,) = project.tools.tool_calls()
    assert tunnel["argv"] == ["run", "--hub", "chat", "-u", "http://127.0.0.1:7071"]
    assert tunnel["connection_string"] == connection_string


def test_make_deploy_runs_the_three_steps_in_order_then_checks_the_result(project: Project) -> None:
    run = project.make("deploy")
    assert run.code == 0, run.stderr
    calls = [" ".join(c["argv"][:4]) for c in project.tools.az_calls()]
    infra = calls.index("deployment sub create --name")
    api = next(i for i, c in enumerate(calls) if c.startswith("functionapp deployment source config-zip"))
    client = next(i for i, c in enumerate(calls) if c.startswith("staticwebapp secrets list"))
    assert infra < api < client
    assert [c["argv"][0] for c in project.tools.tool_calls()] == ["deploy", "--site"]


def test_verify_deploy_checks_the_deployments_site_function_app_and_web_pubsub(deployed: Project) -> None:
    run = deployed.make("verify-deploy")
    assert run.code == 0, run.stderr
    (verify,) = deployed.tools.tool_calls()
    facts_file = verify["argv"][verify["argv"].index("--azure-facts") + 1]
    assert verify["argv"] == [
        "--site",
        fakes.OUTPUTS["appUrl"],
        "--function-app",
        fakes.OUTPUTS["functionAppUrl"],
        "--pubsub-endpoint",
        fakes.OUTPUTS["pubsubEndpoint"],
        "--azure-facts",
        facts_file,
    ]
    assert not Path(facts_file).exists()


def test_verify_deploy_hands_the_checks_the_function_apps_authentication_settings_and_web_pubsubs_tier(
    deployed: Project,
) -> None:
    off = {"platform": {"enabled": False}}
    deployed.tools.set_state(auth_settings=off, pubsub={"sku": "Free_F1", "capacity": 1, "disableLocalAuth": True})
    assert deployed.make("verify-deploy", VERIFY_RETRY_SECONDS="30").code == 0
    (verify,) = deployed.tools.tool_calls()
    assert verify["facts"] == {
        "plan": "dedicated",
        "authSettings": off,
        "pubsub": {"sku": "Free_F1", "capacity": 1, "disableLocalAuth": True},
    }
    assert verify["argv"][-2:] == ["--retry-for", "30"]
    (auth,) = [c["argv"] for c in deployed.tools.az_calls() if c["argv"][:1] == ["rest"]]
    assert (
        auth[auth.index("--url") + 1]
        == f"{fakes.OUTPUTS['functionAppId']}/config/authsettingsV2?api-version=2024-04-01"
    )


def test_verify_deploy_of_the_managed_plan_has_no_function_app_to_ask(deployed: Project) -> None:
    deployed.tools.set_state(outputs={**fakes.OUTPUTS, "hostingPlan": "managed", "functionAppUrl": ""})
    assert deployed.make("verify-deploy").code == 0
    (verify,) = deployed.tools.tool_calls()
    assert verify["argv"][verify["argv"].index("--function-app") + 1] == ""
    assert verify["facts"]["authSettings"] is None and verify["facts"]["plan"] == "managed"
    assert not [c for c in deployed.tools.az_calls() if c["argv"][:1] == ["rest"]]


def test_verify_deploy_against_make_runs_stack_needs_no_azure(project: Project) -> None:
    project.tools.set_state(logged_in=False)
    run = project.make("verify-deploy", VERIFY_TARGET="local")
    assert run.code == 0, run.stderr
    assert [c["argv"] for c in project.tools.tool_calls()] == [["--local"]]


def test_a_failed_check_fails_make_deploy(project: Project) -> None:
    project.env["FAKE_EXIT_FAKE_VERIFY"] = "1"
    run = project.make("deploy")
    assert run.code != 0
    assert [c["argv"][0] for c in project.tools.tool_calls()] == ["deploy", "--site"]


def test_verify_deploy_without_the_projects_python_says_to_run_setup(deployed: Project) -> None:
    run = deployed.make("verify-deploy", VERIFY="missing/.venv/bin/python deploy/verify.py")
    assert run.failed_with("run 'make setup'")


def test_verify_deploy_names_an_unknown_target(deployed: Project) -> None:
    assert deployed.make("verify-deploy", VERIFY_TARGET="staging").failed_with("VERIFY_TARGET='staging'")
