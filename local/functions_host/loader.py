"""Find the function app, its settings and its HTTP triggers, as the Functions host does at start-up."""

from __future__ import annotations

import importlib.util
import inspect
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import azure.functions as func

from .routes import RouteTemplate

log = logging.getLogger("functions_host")

STOP_HOOK = "on_stop"
StopHook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class HttpFunction:
    """An HTTP-triggered function ready to be served."""

    name: str
    route: RouteTemplate
    methods: frozenset[str] | None
    trigger_arg: str
    handler: Callable[..., Any]
    bindings: list[dict[str, Any]]


def load_settings(app_dir: Path) -> None:
    """Apply `local.settings.json` Values; variables already in the environment win, as with Core Tools."""
    path = app_dir / "local.settings.json"
    if not path.exists():
        return
    values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
    for key, value in values.items():
        if key in os.environ:
            log.info("Skipping %s from local.settings.json: already set in the environment", key)
        else:
            os.environ[key] = str(value)


def route_prefix(app_dir: Path) -> str:
    """The `extensions.http.routePrefix` of host.json, `api` when unset."""
    path = app_dir / "host.json"
    if not path.exists():
        return "api"
    host = json.loads(path.read_text(encoding="utf-8"))
    return str(host.get("extensions", {}).get("http", {}).get("routePrefix", "api"))


def import_script(script: Path) -> Any:
    """Import the app's entry script as the Functions host does (its folder first on the import path)."""
    sys.path.insert(0, str(script.parent))
    spec = importlib.util.spec_from_file_location(script.stem, script)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot import {script}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[script.stem] = module
    spec.loader.exec_module(module)
    return module


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    return value


def load_functions(script: Path) -> list[HttpFunction]:
    """Import the app script and list its HTTP triggers through the azure-functions library."""
    return http_functions(import_script(script), script)


def stop_hook(module: Any) -> StopHook | None:
    """The script's `on_stop` coroutine function, if it has one: awaited when the adapter stops.

    Not a Functions host feature (in Azure the worker just ends): it lets an app close the clients it
    keeps open across invocations, so a local run stops without leaking sessions.
    """
    hook = getattr(module, STOP_HOOK, None)
    if hook is None:
        return None
    if not inspect.iscoroutinefunction(hook):
        raise TypeError(f"{STOP_HOOK} in the app script must be an async function taking no arguments")
    return cast(StopHook, hook)


def http_functions(module: Any, script: Path) -> list[HttpFunction]:
    """The HTTP triggers of an imported app script, read through the azure-functions library."""
    registers = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    if not registers:
        raise RuntimeError(f"{script.name} defines no FunctionApp")
    prefix = route_prefix(script.parent)
    functions = []
    for register in registers:
        for function in register.get_functions():
            bindings = [_json_safe(b.get_dict_repr()) for b in function.get_bindings()]
            trigger = next((b for b in bindings if b["type"] == "httpTrigger"), None)
            if trigger is None:
                log.warning("Skipping %s: only HTTP triggers are served", function.get_function_name())
                continue
            name = function.get_function_name() or function.get_user_function().__name__  # as the host names it
            methods = trigger.get("methods")
            functions.append(
                HttpFunction(
                    name=name,
                    route=RouteTemplate.compile(prefix, trigger.get("route") or name),
                    methods=frozenset(m.upper() for m in methods) if methods else None,
                    trigger_arg=trigger["name"],
                    handler=function.get_user_function(),
                    bindings=bindings,
                )
            )
    return functions
