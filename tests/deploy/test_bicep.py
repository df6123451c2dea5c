"""What the Bicep deploys, checked offline: it parses, its modules fit together, and it says what the issue asks.

There is no Bicep compiler here, so these tests parse the files with pycep and check structure and
values; type errors that only `az bicep build` would catch are out of their reach (deploy/readme.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from api.history import MESSAGES_TABLE
from api.models import USER_EVENTS
from api.state import CHATS_TABLE, NAMES_TABLE, USERS_TABLE
from tests.deploy.templates import (
    BICEP_FILES,
    DEPLOY,
    bicep_app_settings,
    evaluate,
    module_file,
    output_references,
    resource,
    template,
)

MAIN = DEPLOY / "main.bicep"
APP = DEPLOY / "app.bicep"
MODULES = DEPLOY / "modules"
ROLE = {
    "Web PubSub Service Owner": "12cf5a90-567b-43ae-8102-96cf46c7d9b4",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}


def _modules(path: Path) -> dict[str, dict]:
    """A file's modules, each `config` looked through an `if (...)` condition."""
    modules = {}
    for symbol, module in template(path).get("modules", {}).items():
        config = module["config"]
        modules[symbol] = {**module, "config": config["config"] if "condition" in config else config}
    return modules


def _condition(path: Path, symbol: str) -> object:
    """The `if (...)` of a module, None when it is always deployed."""
    return template(path)["modules"][symbol]["config"].get("condition")


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.name)
def test_every_bicep_file_parses(path: Path) -> None:
    assert template(path)["globals"]


@pytest.mark.parametrize("parent", [MAIN, APP], ids=lambda p: p.name)
def test_every_module_parameter_passed_is_declared_by_the_module(parent: Path) -> None:
    for symbol, module in _modules(parent).items():
        declared = set(template(module_file(parent, symbol))["parameters"])
        passed = set(module["config"]["params"])
        assert passed <= declared, f"{parent.name}: module {symbol} gets undeclared {sorted(passed - declared)}"


@pytest.mark.parametrize("parent", [MAIN, APP], ids=lambda p: p.name)
def test_every_required_module_parameter_is_passed(parent: Path) -> None:
    for symbol, module in _modules(parent).items():
        parameters = template(module_file(parent, symbol))["parameters"]
        required = {name for name, p in parameters.items() if "default" not in p}
        missing = required - set(module["config"]["params"])
        assert not missing, f"{parent.name}: module {symbol} is not given {sorted(missing)}"


@pytest.mark.parametrize("parent", [MAIN, APP], ids=lambda p: p.name)
def test_every_module_output_used_exists(parent: Path) -> None:
    modules = _modules(parent)
    for symbol, name in output_references(parent):
        assert symbol in modules, f"{parent.name} reads outputs of {symbol}, which is not a module"
        outputs = template(module_file(parent, symbol)).get("outputs", {})
        assert name in outputs, f"{parent.name} reads {symbol}.outputs.{name}, which the module does not declare"


def test_main_passes_every_user_facing_parameter_on_to_the_app() -> None:
    passed = set(_modules(MAIN)["app"]["config"]["params"])
    own = {"resourceGroupName"}
    assert set(template(MAIN)["parameters"]) - own <= passed


def test_main_creates_the_resource_group_and_deploys_the_app_into_it() -> None:
    main = template(MAIN)
    assert main["globals"]["scope"]["value"] == "subscription"
    assert main["resources"]["rg"]["type"] == "Microsoft.Resources/resourceGroups"
    assert _modules(MAIN)["app"]["config"]["scope"] == "rg"


def test_the_outputs_start_with_the_app_url() -> None:
    for path in (MAIN, APP):
        assert "appUrl" in template(path)["outputs"]


def test_parameters_have_the_documented_defaults() -> None:
    parameters = template(MAIN)["parameters"]
    assert parameters["prefix"]["default"] == "chatr"
    assert parameters["location"]["default"] == "westeurope"
    assert parameters["resourceGroupName"]["default"] == "${prefix}-rg"
    for path in (MAIN, APP):
        assert template(path)["parameters"]["hostingPlan"]["default"] == "dedicated"
        assert template(path)["parameters"]["pubsubSku"]["default"] == "Free_F1"


@pytest.mark.parametrize("path", [MAIN, APP], ids=lambda p: p.name)
def test_the_hosting_plan_and_the_web_pubsub_tier_are_choices(path: Path) -> None:
    parameters = template(path)["parameters"]
    assert _allowed(parameters["hostingPlan"]) == ["managed", "flex", "dedicated"]
    assert _allowed(parameters["pubsubSku"]) == ["Free_F1", "Standard_S1", "Premium_P1"]
    assert _allowed(parameters["pubsubUnits"]) == [1, 2, 5, 10, 20, 50, 100]


def _allowed(parameter: dict) -> list:
    (allowed,) = [d["argument"] for d in parameter["decorators"] if d["type"] == "allowed"]
    return list(allowed)


def test_the_static_web_app_is_standard_for_a_linked_backend_and_free_for_managed_functions() -> None:
    site = resource(MODULES / "static-webapp.bicep", "site")
    assert site["sku"] == {"name": "sku", "tier": "sku"}
    sku = _modules(APP)["staticWebApp"]["config"]["params"]["sku"]["operator"]["operands"]
    assert (sku["condition"], sku["true_value"], sku["false_value"]) == ("managed", "Free", "Standard")


def test_no_template_links_the_backend_because_deploy_link_sh_does_it_with_retries() -> None:
    for path in BICEP_FILES:
        types = {r["type"] for r in template(path).get("resources", {}).values()}
        assert not {t for t in types if "linkedBackends" in t or "userProvidedFunctionApps" in t}, path.name
    assert (DEPLOY / "link.sh").exists()


def test_the_managed_plan_has_no_function_app_and_its_settings_are_the_sites() -> None:
    managed = {"operator": {"type": "not", "operands": {"bool_value": "managed"}}}
    assert _condition(APP, "functionApp") == managed
    assert _condition(APP, "siteSettings") == "managed"
    settings = resource(MODULES / "site-settings.bicep", "appSettings")
    assert template(MODULES / "site-settings.bicep")["resources"]["appSettings"]["type"] == (
        "Microsoft.Web/staticSites/config"
    )
    assert settings["name"] == "appsettings"
    assert {"PUBSUB_CONNECTION_STRING", "STORAGE_CONNECTION_STRING", "GUEST_SIGNING_KEY", "PUBSUB_HUB"} <= set(
        settings["properties"]
    )
    assert not {"WEBHOOK_AUDIENCE", "WEBHOOK_TENANT_ID", "WEBHOOK_CALLER_ID"} & set(settings["properties"])


@pytest.mark.parametrize(
    ("plan", "sku"),
    [("flex", {"name": "FC1", "tier": "FlexConsumption"}), ("dedicated", {"name": "B1", "tier": "Basic"})],
)
def test_the_function_app_runs_python_3_11_on_linux_on_its_plan_with_its_own_identity(plan: str, sku: dict) -> None:
    path = MODULES / "function-app.bicep"
    conditions = {"isFlex": plan == "flex"}
    plan_resource, site = resource(path, "plan"), resource(path, "site")
    assert evaluate(path, plan_resource["sku"], conditions) == sku
    assert plan_resource["properties"]["reserved"] is True
    assert site["kind"] == "functionapp,linux"
    assert site["identity"] == {"type": "SystemAssigned"}
    flex_config = evaluate(path, site["properties"]["functionAppConfig"], conditions)
    site_config = site["properties"]["siteConfig"]
    if plan == "flex":
        assert flex_config["runtime"] == {"name": "python", "version": "3.11"}
        assert flex_config["deployment"]["storage"]["authentication"] == {"type": "SystemAssignedIdentity"}
    else:
        assert flex_config is None
        assert evaluate(path, site_config["linuxFxVersion"], conditions) == "PYTHON|3.11"
        assert evaluate(path, site_config["alwaysOn"], conditions) is True


def test_the_storage_account_declares_the_tables_the_code_uses_and_allows_keys_only_for_managed_functions() -> None:
    path = MODULES / "storage.bicep"
    assert set(template(path)["parameters"]["tableNames"]["default"]) == {
        CHATS_TABLE,
        USERS_TABLE,
        MESSAGES_TABLE,
        NAMES_TABLE,
    }
    assert resource(path, "account")["properties"]["allowSharedKeyAccess"] == "allowSharedKeyAccess"
    assert template(path)["parameters"]["allowSharedKeyAccess"]["default"] is False
    assert _modules(APP)["storage"]["config"]["params"]["allowSharedKeyAccess"] == "managed"


def test_web_pubsub_has_the_units_asked_for_except_on_free() -> None:
    pubsub = resource(MODULES / "pubsub.bicep", "pubsub")
    capacity = pubsub["sku"]["capacity"]["operator"]["operands"]
    assert capacity["condition"]["operator"]["operands"] == {"operand_1": "sku", "operand_2": "Free_F1"}
    assert capacity["true_value"] == 1 and capacity["false_value"] == "units"
    assert _modules(APP)["pubsub"]["config"]["params"]["units"] == "pubsubUnits"


def test_web_pubsub_keeps_its_access_keys_to_sign_events_and_has_an_identity_for_the_dev_hub() -> None:
    pubsub = resource(MODULES / "pubsub.bicep", "pubsub")
    assert pubsub["properties"]["disableLocalAuth"] is False
    assert pubsub["identity"] == {"type": "SystemAssigned"}


def test_the_hub_sends_chatrs_user_events_and_connect_connected_disconnected_signed_with_the_keys() -> None:
    (handler,) = resource(MODULES / "pubsub.bicep", "hub")["properties"]["eventHandlers"]
    assert handler["userEventPattern"] == "userEvents"
    assert handler["systemEvents"] == ["connect", "connected", "disconnected"]
    assert "auth" not in handler, "the site replaces Authorization: a token would never reach the function"


def test_both_hubs_forward_only_chatrs_own_user_events_so_an_unknown_one_runs_no_function() -> None:
    assert template(MODULES / "pubsub.bicep")["variables"]["userEvents"]["value"] == ",".join(USER_EVENTS)
    (handler,) = resource(MODULES / "pubsub.bicep", "devHub")["properties"]["eventHandlers"]
    assert handler["userEventPattern"] == "userEvents"


def test_the_dev_hub_reached_through_the_tunnel_also_sends_the_services_bearer_token() -> None:
    path = MODULES / "pubsub.bicep"
    (handler,) = resource(path, "devHub")["properties"]["eventHandlers"]
    assert handler["urlTemplate"] == "tunnel:///api/eventHandler"
    assert handler["systemEvents"] == ["connect", "connected", "disconnected"]
    assert handler["auth"] == "devHubAuth"
    auth = template(path)["variables"]["devHubAuth"]["value"]
    assert auth == {"type": "ManagedIdentity", "managedIdentity": {"resource": "webhookAudience"}}


def _list_keys_of(value: dict, symbol: str) -> str | None:
    """`<symbol>.listKeys().<property>` as pycep parses it: the property, or None for anything else."""
    accessor = value.get("operator", {}) if isinstance(value, dict) else {}
    operands = accessor.get("operands", {})
    call = operands.get("operand_1", {}).get("operator", {}) if isinstance(operands.get("operand_1"), dict) else {}
    if accessor.get("type") != "property_accessor" or call.get("type") != "function_accessor":
        return None
    if call["operands"] != {"operand_1": symbol, "func_name": "listKeys"}:
        return None
    return operands["operand_2"]


def test_the_function_app_gets_both_access_keys_read_at_deploy_time_from_the_web_pubsub_it_is_given() -> None:
    path = MODULES / "function-app.bicep"
    settings = bicep_app_settings()
    assert _list_keys_of(settings["WEBHOOK_PRIMARY_KEY"], "pubsub") == "primaryKey"
    assert _list_keys_of(settings["WEBHOOK_SECONDARY_KEY"], "pubsub") == "secondaryKey"
    pubsub = template(path)["resources"]["pubsub"]
    assert pubsub["type"] == "Microsoft.SignalRService/webPubSub"
    assert pubsub["existing"] is True
    assert pubsub["config"]["name"] == "pubsubName"
    assert ("pubsub", "name") in output_references(APP)
    given = _modules(APP)["functionApp"]["config"]["params"]["pubsubName"]["operator"]["operands"]
    assert given["operand_1"] == "pubsub"
    assert bicep_app_settings("dedicated")["WEBHOOK_PRIMARY_KEY"] == settings["WEBHOOK_PRIMARY_KEY"]


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.name)
def test_no_output_and_no_parameter_carries_a_key(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    outputs = [line for line in text.splitlines() if line.startswith("output ")]
    assert not [line for line in outputs if "listKeys" in line or "Key" in line.split("=")[0]]
    assert not any("listKeys" in str(module["config"]["params"]) for module in _modules(path).values())


def test_the_event_handler_is_the_static_web_apps_api_event_handler() -> None:
    params = _modules(APP)["pubsub"]["config"]["params"]
    assert params["eventHandlerUrl"] == "https://${staticWebApp.outputs.hostname}/api/eventHandler"
    assert template(APP)["parameters"]["hubName"]["default"] == "chat"


def test_the_dev_hubs_audience_and_tenant_are_outputs_for_a_local_backend_not_settings_of_the_deployed_app() -> None:
    params = _modules(APP)
    assert params["pubsub"]["config"]["params"]["webhookAudience"] == "webhookAudience"
    assert "webhookAudience" not in params["functionApp"]["config"]["params"]
    for path in (MAIN, APP):
        assert {"webhookAudience", "tenantId", "pubsubPrincipalId"} <= set(template(path)["outputs"])


@pytest.mark.parametrize("path", [MAIN, APP], ids=lambda p: p.name)
def test_the_outputs_name_what_the_link_and_the_checks_need(path: Path) -> None:
    needed = {"hostingPlan", "staticWebAppId", "functionAppId", "functionAppLocation", "pubsubId"}
    assert needed <= set(template(path)["outputs"])


def test_the_outputs_name_the_function_apps_own_address_for_make_verify_deploy() -> None:
    for path in (MAIN, APP):
        assert {"appUrl", "functionAppUrl", "pubsubEndpoint"} <= set(template(path)["outputs"])


def test_the_function_app_identity_gets_the_roles_it_needs_and_no_keys() -> None:
    path = MODULES / "roles.bicep"
    role_ids = template(path)["variables"]["role"]["value"]
    assert set(ROLE.values()) <= set(role_ids.values())
    assignments = {
        symbol: r["config"].get("config", r["config"])
        for symbol, r in template(path)["resources"].items()
        if r["type"] == "Microsoft.Authorization/roleAssignments"
    }
    for_app = [a for a in assignments.values() if a["properties"]["principalId"] == "functionPrincipalId"]
    assert len(for_app) == len(ROLE)


def test_role_assignments_name_the_principal_type_so_new_identities_do_not_race_replication() -> None:
    resources = template(MODULES / "roles.bicep")["resources"].values()
    assignments = [r["config"].get("config", r["config"]) for r in resources if "roleAssignments" in r["type"]]
    assert assignments
    assert all(a["properties"]["principalType"] in {"ServicePrincipal", "User"} for a in assignments)


def test_application_insights_accepts_no_instrumentation_key() -> None:
    insights = resource(MODULES / "monitoring.bicep", "appInsights")
    assert insights["properties"]["DisableLocalAuth"] is True


def test_the_function_app_refuses_request_bodies_over_what_the_app_and_the_local_stack_allow() -> None:
    from api.responses import MAX_BODY_BYTES
    from local.stack import APP_BODY_LIMIT

    assert bicep_app_settings()["FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"] == str(MAX_BODY_BYTES) == str(APP_BODY_LIMIT)
