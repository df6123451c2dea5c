"""The staticwebapp.config.json `make deploy-client` uploads: the CSP connects to the site's own Web PubSub only."""

from __future__ import annotations

import json

import pytest

from deploy.site_config import CSP, ConfigError, production_config, production_csp, websocket_origin
from tests.deploy.templates import ROOT

ENDPOINT = "https://chatr-wps-abc123.webpubsub.azure.com"
ORIGIN = "wss://chatr-wps-abc123.webpubsub.azure.com"


def _repository_config() -> dict:
    return dict(json.loads((ROOT / "staticwebapp.config.json").read_text()))


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def test_the_deployed_csp_connects_only_to_the_site_and_its_own_web_pubsub() -> None:
    config = production_config(_repository_config(), ORIGIN, "dedicated")
    directives = _directives(config["globalHeaders"][CSP])
    assert directives["connect-src"] == ["'self'", "wss://chatr-wps-abc123.webpubsub.azure.com"]


def test_no_script_is_built_from_a_string_locally_or_deployed() -> None:
    local = _directives(_repository_config()["globalHeaders"][CSP])
    deployed = _directives(production_config(_repository_config(), ORIGIN, "flex")["globalHeaders"][CSP])
    assert local["script-src"] == deployed["script-src"] == ["'self'"]


def test_every_other_directive_and_header_is_kept_as_the_repository_has_it() -> None:
    original = _repository_config()
    config = production_config(original, ORIGIN, "flex")
    before, after = _directives(original["globalHeaders"][CSP]), _directives(config["globalHeaders"][CSP])
    assert {k: v for k, v in after.items() if k != "connect-src"} == {
        k: v for k, v in before.items() if k != "connect-src"
    }
    assert {k: v for k, v in config.items() if k != "globalHeaders"} == {
        k: v for k, v in original.items() if k != "globalHeaders"
    }
    assert {k: v for k, v in config["globalHeaders"].items() if k != CSP} == {
        k: v for k, v in original["globalHeaders"].items() if k != CSP
    }


def test_the_managed_plan_names_the_python_version_the_app_is_tested_for() -> None:
    assert production_config(_repository_config(), ORIGIN, "managed")["platform"] == {"apiRuntime": "python:3.11"}
    assert "platform" not in production_config(_repository_config(), ORIGIN, "dedicated")


@pytest.mark.parametrize("endpoint", ["http://chatr.webpubsub.azure.com", "chatr.webpubsub.azure.com", ""])
def test_an_endpoint_that_is_not_https_is_refused(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="must be https://"):
        websocket_origin(endpoint)


def test_clients_connect_to_the_endpoints_host_over_wss() -> None:
    assert websocket_origin(ENDPOINT + "/") == ORIGIN


def test_a_policy_without_connect_src_is_refused_rather_than_widened() -> None:
    with pytest.raises(ConfigError, match="no connect-src"):
        production_csp("default-src 'self'", ORIGIN)
