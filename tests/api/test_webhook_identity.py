"""The event handler's managed-identity check, against a locally generated key and a key set served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from api import webhook_identity
from api.config import WebhookAuthSettings
from api.webhook_identity import (
    ManagedIdentityValidator,
    SigningKeysUnavailable,
    TokenRefused,
    jwks_url,
    trusted_issuers,
)
from local.stack import free_port
from tests.api import entra
from tests.api.conftest import KeySet
from tests.api.entra import AUDIENCE, KID, OTHER_TENANT, PUBSUB_IDENTITY, SIGNING_KEY, STRANGER_KEY, TENANT


@pytest.fixture
def validator(key_set: KeySet) -> ManagedIdentityValidator:
    return ManagedIdentityValidator(AUDIENCE, TENANT)


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def refusal(validator: ManagedIdentityValidator, authorization: str | None) -> str:
    """Why the validator refuses the header (failing the test when it accepts it)."""
    with pytest.raises(TokenRefused) as refused:
        await validator.verify(authorization)
    return str(refused.value)


async def test_a_token_from_the_tenant_for_the_audience_is_accepted(validator: ManagedIdentityValidator) -> None:
    await validator.verify(entra.bearer(entra.token()))


async def test_a_v2_issuer_of_the_tenant_is_accepted(validator: ManagedIdentityValidator) -> None:
    await validator.verify(
        entra.bearer(entra.token(entra.claims(iss=f"https://login.microsoftonline.com/{TENANT}/v2.0")))
    )


async def test_the_audience_matches_with_or_without_a_trailing_slash(validator: ManagedIdentityValidator) -> None:
    await validator.verify(entra.bearer(entra.token(entra.claims(aud=AUDIENCE + "/"))))


async def test_the_bearer_scheme_is_case_insensitive(validator: ManagedIdentityValidator) -> None:
    await validator.verify(f"bearer {entra.token()}")


async def test_a_wrong_audience_is_refused(validator: ManagedIdentityValidator) -> None:
    token = entra.token(entra.claims(aud="https://management.azure.com/"))
    assert "audience" in await refusal(validator, entra.bearer(token))


async def test_an_issuer_of_another_tenant_is_refused(validator: ManagedIdentityValidator) -> None:
    token = entra.token(entra.claims(iss=f"https://sts.windows.net/{OTHER_TENANT}/"))
    assert "tenant" in await refusal(validator, entra.bearer(token))


async def test_an_expired_token_is_refused(validator: ManagedIdentityValidator) -> None:
    an_hour_ago = int(time.time()) - 3600
    token = entra.token(entra.claims(iat=an_hour_ago - 60, nbf=an_hour_ago - 60, exp=an_hour_ago))
    assert "expired" in await refusal(validator, entra.bearer(token))


async def test_a_token_not_valid_yet_is_refused(validator: ManagedIdentityValidator) -> None:
    later = int(time.time()) + 3600
    token = entra.token(entra.claims(nbf=later, exp=later + 3600))
    assert "not valid yet" in await refusal(validator, entra.bearer(token))


async def test_a_token_without_expiry_is_refused(validator: ManagedIdentityValidator) -> None:
    claims = entra.claims()
    del claims["exp"]
    assert "'exp'" in await refusal(validator, entra.bearer(entra.token(claims)))


async def test_an_unsigned_token_is_refused(validator: ManagedIdentityValidator) -> None:
    unsigned = jwt.encode(entra.claims(), "", algorithm="none", headers={"kid": KID})
    reason = await refusal(validator, entra.bearer(unsigned))
    assert "RS256" in reason and "'none'" in reason


async def test_an_unsigned_token_with_its_signature_cut_off_is_refused(validator: ManagedIdentityValidator) -> None:
    header, payload, _signature = entra.token().split(".")
    assert "signature" in await refusal(validator, entra.bearer(f"{header}.{payload}."))


async def test_a_token_signed_with_the_public_key_as_an_hmac_secret_is_refused(
    validator: ManagedIdentityValidator,
) -> None:
    public_pem = SIGNING_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': KID}))}.{_b64(json.dumps(entra.claims()))}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    reason = await refusal(validator, entra.bearer(f"{signing_input}.{_b64(signature)}"))
    assert "RS256" in reason and "'HS256'" in reason


async def test_a_token_signed_by_another_key_under_a_published_key_id_is_refused(
    validator: ManagedIdentityValidator,
) -> None:
    assert "signature" in await refusal(validator, entra.bearer(entra.token(key=STRANGER_KEY)))


async def test_a_token_naming_an_unpublished_key_is_refused(validator: ManagedIdentityValidator) -> None:
    token = entra.token(key=STRANGER_KEY, kid="unknown")
    assert "does not publish" in await refusal(validator, entra.bearer(token))


async def test_a_token_naming_no_key_is_refused(validator: ManagedIdentityValidator) -> None:
    assert "kid" in await refusal(validator, entra.bearer(entra.token(kid=None)))


@pytest.mark.parametrize("header", [None, "", "   "])
async def test_a_missing_authorization_header_is_refused(
    validator: ManagedIdentityValidator, header: str | None
) -> None:
    assert "no Authorization header" in await refusal(validator, header)


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "sha256=abc"])
async def test_an_authorization_header_that_is_not_a_bearer_token_is_refused(
    validator: ManagedIdentityValidator, header: str
) -> None:
    assert "not a Bearer token" in await refusal(validator, header)


async def test_garbage_in_place_of_a_token_is_refused(validator: ManagedIdentityValidator) -> None:
    assert "well-formed" in await refusal(validator, "Bearer not.a.jwt")


async def test_no_reason_repeats_the_token(validator: ManagedIdentityValidator) -> None:
    tokens = [
        entra.token(entra.claims(aud="https://elsewhere")),
        entra.token(entra.claims(iss="https://sts.windows.net/x/")),
        entra.token(key=STRANGER_KEY),
        jwt.encode(entra.claims(), "", algorithm="none"),
    ]
    for token in tokens:
        reason = await refusal(validator, entra.bearer(token))
        assert not any(part and part in reason for part in token.split("."))


async def test_keys_are_fetched_once_and_reused(validator: ManagedIdentityValidator, key_set: KeySet) -> None:
    for _ in range(5):
        await validator.verify(entra.bearer(entra.token()))
    assert key_set.requests == 1


async def test_an_unreachable_key_set_is_our_failure_not_the_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_identity, "jwks_url", lambda tenant_id: f"http://127.0.0.1:{free_port()}/keys")
    with pytest.raises(SigningKeysUnavailable, match="signing keys"):
        await ManagedIdentityValidator(AUDIENCE, TENANT).verify(entra.bearer(entra.token()))


async def test_the_key_lookup_does_not_block_the_event_loop(
    validator: ManagedIdentityValidator, key_set: KeySet
) -> None:
    key_set.release.clear()  # the key set answers only once the event loop has run something else
    checking = asyncio.ensure_future(validator.verify(entra.bearer(entra.token())))
    asyncio.get_running_loop().call_soon(key_set.release.set)
    await checking
    assert not key_set.held_too_long, "the event loop was blocked while the key was looked up"


async def test_allowed_callers_pin_the_calling_identity(key_set: KeySet) -> None:
    pinned = ManagedIdentityValidator(AUDIENCE, TENANT, allowed_callers=[PUBSUB_IDENTITY])
    await pinned.verify(entra.bearer(entra.token()))
    stranger = entra.token(entra.claims(oid="bbbbbbbb-0000-0000-0000-000000000002"))
    assert "may not call" in await refusal(pinned, entra.bearer(stranger))


def test_by_default_keys_come_from_the_tenants_published_key_set() -> None:
    assert jwks_url(TENANT) == f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"


def test_both_entra_issuer_forms_of_the_tenant_are_trusted() -> None:
    assert trusted_issuers(TENANT) == {
        f"https://login.microsoftonline.com/{TENANT}/v2.0",
        f"https://sts.windows.net/{TENANT}/",
    }


@pytest.mark.parametrize(("audience", "tenant"), [("", TENANT), (AUDIENCE, ""), ("  ", " ")])
def test_a_validator_needs_an_audience_and_a_tenant(audience: str, tenant: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID"):
        ManagedIdentityValidator(audience, tenant)


def test_validators_built_from_the_same_settings_are_shared_so_keys_stay_cached(key_set: KeySet) -> None:
    first = ManagedIdentityValidator.for_settings(WebhookAuthSettings(AUDIENCE, TENANT))
    assert ManagedIdentityValidator.for_settings(WebhookAuthSettings(AUDIENCE, TENANT)) is first
    assert ManagedIdentityValidator.for_settings(WebhookAuthSettings(AUDIENCE, OTHER_TENANT)) is not first


async def test_a_configured_caller_id_pins_the_shared_validator_to_that_identity(key_set: KeySet) -> None:
    pinned = ManagedIdentityValidator.for_settings(WebhookAuthSettings(AUDIENCE, TENANT, "another-object-id"))
    assert "may not call" in await refusal(pinned, entra.bearer(entra.token()))
    await ManagedIdentityValidator.for_settings(WebhookAuthSettings(AUDIENCE, TENANT)).verify(
        entra.bearer(entra.token())
    )


async def test_accepts_answers_yes_for_a_valid_token(validator: ManagedIdentityValidator) -> None:
    assert await validator.accepts(entra.bearer(entra.token()))


async def test_accepts_logs_why_a_token_is_refused_without_the_token(
    validator: ManagedIdentityValidator, caplog: pytest.LogCaptureFixture
) -> None:
    token = entra.token(entra.claims(aud="https://elsewhere"))
    with caplog.at_level(logging.WARNING, logger="api.webhook_identity"):
        assert not await validator.accepts(entra.bearer(token))
    assert "audience" in caplog.text
    assert not any(part in caplog.text for part in token.split("."))
