"""The Function App's app settings in the Bicep and the settings the code reads are the same names."""

from __future__ import annotations

import pytest

from tests.deploy.templates import (
    DIRECT_HANDLER_ONLY,
    KEY_BASED_ALTERNATIVES,
    PLATFORM_INJECTED,
    bicep_app_settings,
    code_settings,
    is_platform_setting,
)


def test_the_parsers_find_the_settings_both_sides_are_known_to_use() -> None:
    assert {"PUBSUB_ENDPOINT", "PUBSUB_HUB", "STORAGE_ACCOUNT_NAME"} <= code_settings()
    assert {"PUBSUB_ENDPOINT", "PUBSUB_HUB", "STORAGE_ACCOUNT_NAME"} <= set(bicep_app_settings())


PLANS = ["flex", "dedicated"]


@pytest.mark.parametrize("plan", PLANS)
def test_every_setting_the_code_reads_is_set_by_the_bicep(plan: str) -> None:
    set_by_bicep = set(bicep_app_settings(plan))
    unset = {
        name
        for name in code_settings()
        if name not in set_by_bicep and KEY_BASED_ALTERNATIVES.get(name) not in set_by_bicep
    }
    unset -= PLATFORM_INJECTED | DIRECT_HANDLER_ONLY
    assert not unset, f"read by the code but not set in deploy/modules/function-app.bicep: {sorted(unset)}"


@pytest.mark.parametrize("plan", PLANS)
def test_every_app_setting_the_bicep_sets_is_read_by_the_code_or_the_platform(plan: str) -> None:
    read = code_settings()
    unread = {name for name in bicep_app_settings(plan) if name not in read and not is_platform_setting(name)}
    assert not unread, f"set in deploy/modules/function-app.bicep but read by no code in api/: {sorted(unread)}"


def test_what_app_service_injects_is_read_by_the_code_and_never_set_by_the_bicep() -> None:
    assert code_settings() >= PLATFORM_INJECTED
    assert not PLATFORM_INJECTED & set(bicep_app_settings())


def test_the_connection_strings_are_not_set_because_the_app_calls_services_with_its_identity() -> None:
    assert not set(KEY_BASED_ALTERNATIVES) & set(bicep_app_settings())


def test_platform_settings_are_identity_based() -> None:
    settings = bicep_app_settings()
    assert "AzureWebJobsStorage" not in settings, "host storage must use AzureWebJobsStorage__* (identity), not a key"
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "Authorization=AAD"


def test_flex_consumption_settings_the_platform_rejects_are_not_set() -> None:
    forbidden = {"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE"}
    assert not forbidden & set(bicep_app_settings())


def test_the_deployed_app_accepts_no_bearer_token_only_the_signature_the_site_passes_through() -> None:
    """Through the site Web PubSub's token never arrives; the bearer path is for a handler it reaches directly."""
    assert code_settings() >= DIRECT_HANDLER_ONLY
    for plan in PLANS:
        assert not DIRECT_HANDLER_ONLY & set(bicep_app_settings(plan))
        assert {"WEBHOOK_PRIMARY_KEY", "WEBHOOK_SECONDARY_KEY"} <= set(bicep_app_settings(plan))


def test_a_dedicated_plan_gets_the_functions_runtime_settings_flex_consumption_refuses() -> None:
    assert bicep_app_settings("dedicated")["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert bicep_app_settings("dedicated")["FUNCTIONS_EXTENSION_VERSION"] == "~4"
