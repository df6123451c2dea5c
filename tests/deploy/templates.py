"""Read what the deployment and the code say: Bicep files (parsed, no compiler) and the settings the code reads."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import Any, cast

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BICEP_FILES = sorted([DEPLOY / "main.bicep", DEPLOY / "app.bicep", *sorted((DEPLOY / "modules").glob("*.bicep"))])
FUNCTION_APP_MODULE = DEPLOY / "modules" / "function-app.bicep"

# Settings the Functions runtime reads itself, not our code.
PLATFORM_PREFIXES = ("AzureWebJobsStorage__", "APPLICATIONINSIGHTS_", "FUNCTIONS_")
# Read-only variables App Service injects into every app (the code reads them; no template may set them).
PLATFORM_INJECTED = frozenset({"WEBSITE_SITE_NAME", "WEBSITE_AUTH_ENABLED"})
# Read by the code only where Web PubSub calls it directly (a local backend behind the dev hub's tunnel):
# the deployed app never gets them, so it accepts no bearer token, only the access-key signature.
DIRECT_HANDLER_ONLY = frozenset({"WEBHOOK_AUDIENCE", "WEBHOOK_TENANT_ID", "WEBHOOK_CALLER_ID"})
# Key-based settings the code accepts instead of the identity-based ones the deployment sets.
KEY_BASED_ALTERNATIVES = {
    "PUBSUB_CONNECTION_STRING": "PUBSUB_ENDPOINT",
    "STORAGE_CONNECTION_STRING": "STORAGE_ACCOUNT_NAME",
}


@functools.cache
def _parser() -> BicepParser:
    return BicepParser()


@functools.cache
def template(path: Path) -> dict[str, Any]:
    """A Bicep file as pycep's JSON (parameters, variables, resources, modules, outputs).

    Read as plain JSON: pycep's TypedDicts describe each node's possible shapes as unions, and the
    tests look up the shapes these templates use (a local module's path, a resource's properties).
    """
    return cast(dict[str, Any], _parser().parse(file_path=path))


def resource(path: Path, symbol: str) -> dict[str, Any]:
    """The `config` of one resource, looking through `if (...)` conditions."""
    config = template(path)["resources"][symbol]["config"]
    return config.get("config", config) if "condition" in config else config


def module_file(parent: Path, symbol: str) -> Path:
    """The file a module of `parent` deploys."""
    return (parent.parent / template(parent)["modules"][symbol]["detail"]["path"]).resolve()


def output_references(path: Path) -> set[tuple[str, str]]:
    """Every `<module>.outputs.<name>` a file uses, from its source text (inside strings too)."""
    return set(re.findall(r"\b([A-Za-z_]\w*)\.outputs\.([A-Za-z_]\w*)", path.read_text(encoding="utf-8")))


def evaluate(path: Path, node: Any, conditions: dict[str, bool]) -> Any:
    """A value as far as the tests need: variables looked up, `union(...)` merged, `cond ? a : b` chosen by name."""
    variables = template(path).get("variables", {})
    if isinstance(node, str) and node in variables:
        return evaluate(path, variables[node]["value"], conditions)
    if isinstance(node, dict) and node.get("function", {}).get("type") == "union":
        merged: dict[str, Any] = {}
        for argument in node["function"]["parameters"].values():
            merged.update(evaluate(path, argument, conditions))
        return merged
    if isinstance(node, dict) and node.get("operator", {}).get("type") == "conditional":
        operands = node["operator"]["operands"]
        chosen = operands["true_value"] if conditions[operands["condition"]] else operands["false_value"]
        return evaluate(path, chosen, conditions)
    return node


def bicep_app_settings(plan: str = "flex") -> dict[str, Any]:
    """The Function App's app settings on `plan` (flex or dedicated), as set by the `appsettings` config resource."""
    module = template(FUNCTION_APP_MODULE)
    configs = [
        r["config"]
        for r in module["resources"].values()
        if r["type"] == "Microsoft.Web/sites/config" and r["config"].get("name") == "appsettings"
    ]
    assert len(configs) == 1, "function-app.bicep should set app settings in exactly one `appsettings` resource"
    return dict(evaluate(FUNCTION_APP_MODULE, configs[0]["properties"], {"isFlex": plan == "flex"}))


def code_settings() -> set[str]:
    """Every setting name the deployed code reads: the `_get("NAME")` calls in api/ and function_app.py."""
    names: set[str] = set()
    for path in [ROOT / "function_app.py", *sorted((ROOT / "api").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_get"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
    return names


def is_platform_setting(name: str) -> bool:
    """Read by the Functions runtime, not by our code."""
    return name.startswith(PLATFORM_PREFIXES)
