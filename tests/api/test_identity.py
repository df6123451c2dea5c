"""Who is calling: SWA principals and server-issued guest credentials."""

from __future__ import annotations

import time

import azure.functions as func
import jwt
import pytest

from api.config import MissingSetting
from api.identity import GUEST_LIFETIME_SECONDS, claims_identity, identify, issue_guest, refreshed, revoked
from api.validation import Invalid
from local.harness import swa_principal

KEY = "test-guest-signing-key-of-enough-length"


@pytest.fixture(autouse=True)
def signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUEST_SIGNING_KEY", KEY)


def request(headers: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest("GET", "http://localhost/api/getToken", headers=headers, body=b"")


def test_principal_header_identifies_a_signed_in_user() -> None:
    header = swa_principal("abc123", "ada", "github")
    me = identify(request({"x-ms-client-principal": header}))
    assert me is not None and (me.user_id, me.name, me.provider) == ("abc123", "ada", "github")


def test_principal_with_an_unsafe_user_id_is_refused() -> None:
    header = swa_principal("a_b/c", "x", "github")
    assert identify(request({"x-ms-client-principal": header})) is None


def test_garbage_principal_is_refused() -> None:
    assert identify(request({"x-ms-client-principal": "not base64 json"})) is None


def test_guest_credential_identifies_the_same_guest_again() -> None:
    guest, credential = issue_guest("  Ada ")
    me = identify(request({"x-chatr-guest": credential}))
    assert me == guest and me.name == "Ada" and me.provider == "guest"


def test_two_guests_with_one_name_are_two_users() -> None:
    first, _ = issue_guest("Ada")
    second, _ = issue_guest("Ada")
    assert first.user_id != second.user_id


def test_forged_guest_credential_is_refused() -> None:
    forged = jwt.encode({"iss": "chatr-guest", "sub": "guest-1", "name": "Eve", "exp": 2**40}, "other-key-" * 4)
    assert identify(request({"x-chatr-guest": forged})) is None


def test_expired_guest_credential_is_refused() -> None:
    expired = jwt.encode({"iss": "chatr-guest", "sub": "guest-1", "name": "Old", "exp": 1}, KEY)
    assert identify(request({"x-chatr-guest": expired})) is None


def test_a_guest_credential_lasts_a_day() -> None:
    guest, credential = issue_guest("Ada")
    claims = jwt.decode(credential, KEY, algorithms=["HS256"], issuer="chatr-guest")
    assert claims["exp"] - claims["iat"] == GUEST_LIFETIME_SECONDS == 24 * 3600
    assert guest.issued_at == claims["iat"]


def test_a_guest_credential_without_an_issue_time_is_refused() -> None:
    undated = jwt.encode({"iss": "chatr-guest", "sub": "guest-1", "name": "Ada", "exp": 2**40}, KEY)
    assert identify(request({"x-chatr-guest": undated})) is None


def test_a_credential_past_half_its_life_is_renewed_for_the_same_guest(monkeypatch: pytest.MonkeyPatch) -> None:
    guest, _ = issue_guest("Ada")
    issued = guest.issued_at
    assert issued is not None and refreshed(guest) is None
    monkeypatch.setattr(time, "time", lambda: issued + GUEST_LIFETIME_SECONDS / 2 + 1)
    renewed = refreshed(guest)
    assert renewed is not None
    again, credential = renewed
    assert (again.user_id, again.name) == (guest.user_id, guest.name) and (again.issued_at or 0) > issued
    claims = jwt.decode(credential, KEY, algorithms=["HS256"], options={"verify_iat": False, "verify_exp": False})
    assert claims["sub"] == guest.user_id and claims["exp"] - claims["iat"] == GUEST_LIFETIME_SECONDS


def test_a_credential_issued_by_the_logout_second_or_before_is_revoked() -> None:
    guest, _ = issue_guest("Ada")
    assert guest.issued_at is not None
    assert revoked(guest, guest.issued_at) and revoked(guest, guest.issued_at + 5)
    assert not revoked(guest, guest.issued_at - 1)
    signed_in = identify(request({"x-ms-client-principal": swa_principal("abc123", "ada", "github")}))
    assert signed_in is not None and not revoked(signed_in, 2**40)  # only guest credentials are revoked


def test_principal_wins_over_a_guest_credential() -> None:
    _, credential = issue_guest("Ada")
    header = swa_principal("abc123", "ada", "aad")
    me = identify(request({"x-ms-client-principal": header, "x-chatr-guest": credential}))
    assert me is not None and me.provider == "aad"


def test_no_identity_is_none() -> None:
    assert identify(request({})) is None


@pytest.mark.parametrize("header", ["x-ms-client-principal", "x-chatr-guest"])
def test_a_caller_with_a_stale_identity_still_claims_one(header: str) -> None:
    assert claims_identity(request({header: "not-valid-any-more"}))


def test_a_caller_without_identity_headers_claims_none() -> None:
    assert not claims_identity(request({"x-other": "value"}))


def test_guest_names_follow_the_name_rules() -> None:
    with pytest.raises(Invalid):
        issue_guest("   ")


def test_missing_signing_key_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUEST_SIGNING_KEY")
    with pytest.raises(MissingSetting, match="GUEST_SIGNING_KEY"):
        issue_guest("Ada")


# ---- where the principal header may be believed ---------------------------------------------------
# On App Service (WEBSITE_SITE_NAME is set), only its authentication module, which a linked Static
# Web App configures, strips a caller's own x-ms-client-principal; the Functions host itself trusts
# that header only when WEBSITE_AUTH_ENABLED is true, and so does Chatr.

ADA = swa_principal("abc123", "ada", "github")


@pytest.fixture
def on_app_service(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("WEBSITE_SITE_NAME", "chatr-func-abc123")
    monkeypatch.delenv("WEBSITE_AUTH_ENABLED", raising=False)
    return monkeypatch


def test_on_app_service_without_its_authentication_a_principal_header_is_no_identity(on_app_service) -> None:
    assert identify(request({"x-ms-client-principal": ADA})) is None


def test_on_app_service_with_its_authentication_enabled_the_principal_identifies(on_app_service) -> None:
    on_app_service.setenv("WEBSITE_AUTH_ENABLED", "True")
    me = identify(request({"x-ms-client-principal": ADA}))
    assert me is not None and me.user_id == "abc123"


@pytest.mark.parametrize("value", ["False", "", "yes"])
def test_only_a_true_website_auth_enabled_counts(on_app_service, value: str) -> None:
    on_app_service.setenv("WEBSITE_AUTH_ENABLED", value)
    assert identify(request({"x-ms-client-principal": ADA})) is None


def test_an_unbelievable_principal_does_not_hide_a_valid_guest_credential(on_app_service) -> None:
    guest, credential = issue_guest("Grace")
    me = identify(request({"x-ms-client-principal": ADA, "x-chatr-guest": credential}))
    assert me == guest


def test_an_ignored_principal_is_logged_with_what_to_fix(on_app_service, caplog: pytest.LogCaptureFixture) -> None:
    identify(request({"x-ms-client-principal": ADA}))
    assert "WEBSITE_AUTH_ENABLED" in caplog.text
    assert ADA not in caplog.text
