"""The event handler's managed-identity check, against a locally generated key and a key set served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.webhook_identity import ManagedIdentityValidator, TokenCheck, jwks_url, trusted_issuers
from local.stack import free_port

TENANT = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
AUDIENCE = "https://webpubsub.azure.com"
PUBSUB_IDENTITY = "aaaaaaaa-0000-0000-0000-000000000001"
KID = "test-key-1"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = _private_key()
STRANGER_KEY = _private_key()


def _jwk(private_key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


@dataclass
class KeySet:
    """A JWKS endpoint on 127.0.0.1 that counts how often it is asked."""

    url: str
    requests: int = 0


@pytest.fixture
def key_set() -> Iterator[KeySet]:
    body = json.dumps({"keys": [_jwk(SIGNING_KEY, KID)]}).encode()
    served = KeySet(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}/{TENANT}/discovery/v2.0/keys"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def validator(key_set: KeySet) -> ManagedIdentityValidator:
    return ManagedIdentityValidator(AUDIENCE, TENANT, keys=jwt.PyJWKClient(key_set.url))


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "aud": AUDIENCE,
        "iss": f"https://sts.windows.net/{TENANT}/",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "oid": PUBSUB_IDENTITY,
        "tid": TENANT,
        "sub": PUBSUB_IDENTITY,
    }
    claims.update(overrides)
    return claims


def _token(claims: dict[str, Any] | None = None, key: rsa.RSAPrivateKey = SIGNING_KEY, kid: str | None = KID) -> str:
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims or _claims(), key, algorithm="RS256", headers=headers)


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _assert_rejected(check: TokenCheck, *words: str) -> None:
    assert not check.valid
    assert check.status == 401
    for word in words:
        assert word in check.reason


async def test_a_token_from_the_tenant_for_the_audience_is_accepted(validator: ManagedIdentityValidator) -> None:
    check = await validator.check(_bearer(_token()))
    assert check.valid and check.status == 200
    assert check.claims["oid"] == PUBSUB_IDENTITY


async def test_a_v2_issuer_of_the_tenant_is_accepted(validator: ManagedIdentityValidator) -> None:
    token = _token(_claims(iss=f"https://login.microsoftonline.com/{TENANT}/v2.0"))
    assert (await validator.check(_bearer(token))).valid


async def test_the_audience_matches_with_or_without_a_trailing_slash(validator: ManagedIdentityValidator) -> None:
    assert (await validator.check(_bearer(_token(_claims(aud=AUDIENCE + "/"))))).valid


async def test_the_bearer_scheme_is_case_insensitive(validator: ManagedIdentityValidator) -> None:
    assert (await validator.check(f"bearer {_token()}")).valid


async def test_a_wrong_audience_is_rejected(validator: ManagedIdentityValidator) -> None:
    check = await validator.check(_bearer(_token(_claims(aud="https://management.azure.com/"))))
    _assert_rejected(check, "audience")


async def test_an_issuer_of_another_tenant_is_rejected(validator: ManagedIdentityValidator) -> None:
    check = await validator.check(_bearer(_token(_claims(iss=f"https://sts.windows.net/{OTHER_TENANT}/"))))
    _assert_rejected(check, "tenant")


async def test_an_expired_token_is_rejected(validator: ManagedIdentityValidator) -> None:
    an_hour_ago = int(time.time()) - 3600
    check = await validator.check(_bearer(_token(_claims(iat=an_hour_ago - 60, nbf=an_hour_ago - 60, exp=an_hour_ago))))
    _assert_rejected(check, "expired")


async def test_a_token_not_valid_yet_is_rejected(validator: ManagedIdentityValidator) -> None:
    later = int(time.time()) + 3600
    check = await validator.check(_bearer(_token(_claims(nbf=later, exp=later + 3600))))
    _assert_rejected(check, "not valid yet")


async def test_a_token_without_expiry_is_rejected(validator: ManagedIdentityValidator) -> None:
    claims = _claims()
    del claims["exp"]
    _assert_rejected(await validator.check(_bearer(_token(claims))), "'exp'")


async def test_an_unsigned_token_is_rejected(validator: ManagedIdentityValidator) -> None:
    unsigned = jwt.encode(_claims(), None, algorithm="none", headers={"kid": KID})
    _assert_rejected(await validator.check(_bearer(unsigned)), "RS256", "'none'")


async def test_an_unsigned_token_with_its_signature_cut_off_is_rejected(validator: ManagedIdentityValidator) -> None:
    header, payload, _signature = _token().split(".")
    _assert_rejected(await validator.check(_bearer(f"{header}.{payload}.")), "signature")


async def test_a_token_signed_with_the_public_key_as_an_hmac_secret_is_rejected(
    validator: ManagedIdentityValidator,
) -> None:
    public_pem = SIGNING_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': KID}))}.{_b64(json.dumps(_claims()))}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{_b64(signature)}"
    _assert_rejected(await validator.check(_bearer(forged)), "RS256", "'HS256'")


async def test_a_token_signed_by_another_key_under_a_published_key_id_is_rejected(
    validator: ManagedIdentityValidator,
) -> None:
    _assert_rejected(await validator.check(_bearer(_token(key=STRANGER_KEY))), "signature")


async def test_a_token_naming_an_unpublished_key_is_rejected(validator: ManagedIdentityValidator) -> None:
    _assert_rejected(await validator.check(_bearer(_token(key=STRANGER_KEY, kid="unknown"))), "does not publish")


async def test_a_token_naming_no_key_is_rejected(validator: ManagedIdentityValidator) -> None:
    _assert_rejected(await validator.check(_bearer(_token(kid=None))), "kid")


@pytest.mark.parametrize("header", [None, "", "   "])
async def test_a_missing_authorization_header_is_rejected(
    validator: ManagedIdentityValidator, header: str | None
) -> None:
    _assert_rejected(await validator.check(header), "no Authorization header")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "sha256=abc"])
async def test_an_authorization_header_that_is_not_a_bearer_token_is_rejected(
    validator: ManagedIdentityValidator, header: str
) -> None:
    _assert_rejected(await validator.check(header), "not a Bearer token")


async def test_garbage_in_place_of_a_token_is_rejected(validator: ManagedIdentityValidator) -> None:
    _assert_rejected(await validator.check("Bearer not.a.jwt"), "well-formed")


async def test_no_reason_repeats_the_token(validator: ManagedIdentityValidator) -> None:
    tokens = [
        _token(_claims(aud="https://elsewhere")),
        _token(_claims(iss="https://sts.windows.net/x/")),
        _token(key=STRANGER_KEY),
        jwt.encode(_claims(), None, algorithm="none"),
    ]
    for token in tokens:
        check = await validator.check(_bearer(token))
        assert not check.valid
        assert token not in check.reason
        assert not any(part and part in check.reason for part in token.split("."))


async def test_keys_are_fetched_once_and_reused(validator: ManagedIdentityValidator, key_set: KeySet) -> None:
    for _ in range(5):
        assert (await validator.check(_bearer(_token()))).valid
    assert key_set.requests == 1


async def test_an_unreachable_key_set_is_our_failure_not_the_callers() -> None:
    unreachable = jwt.PyJWKClient(f"http://127.0.0.1:{free_port()}/keys", timeout=5)
    check = await ManagedIdentityValidator(AUDIENCE, TENANT, keys=unreachable).check(_bearer(_token()))
    assert not check.valid
    assert check.status == 503
    assert "signing keys" in check.reason


async def test_the_key_lookup_does_not_block_the_event_loop() -> None:
    gate = threading.Event()

    class GatedKeys:
        """Hands out the key only once the event loop has run something else."""

        def get_signing_key(self, kid: str) -> jwt.PyJWK:
            assert gate.wait(timeout=10), "the event loop was blocked while the key was looked up"
            return jwt.PyJWK(_jwk(SIGNING_KEY, KID))

    checking = asyncio.ensure_future(
        ManagedIdentityValidator(AUDIENCE, TENANT, keys=GatedKeys()).check(_bearer(_token()))
    )
    asyncio.get_running_loop().call_soon(gate.set)
    assert (await checking).valid


async def test_allowed_callers_pin_the_calling_identity(key_set: KeySet) -> None:
    pinned = ManagedIdentityValidator(
        AUDIENCE, TENANT, keys=jwt.PyJWKClient(key_set.url), allowed_callers=[PUBSUB_IDENTITY]
    )
    assert (await pinned.check(_bearer(_token()))).valid
    stranger = _token(_claims(oid="bbbbbbbb-0000-0000-0000-000000000002"))
    _assert_rejected(await pinned.check(_bearer(stranger)), "may not call")


def test_by_default_keys_come_from_the_tenants_published_key_set() -> None:
    assert jwks_url(TENANT) == f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"


def test_both_entra_issuer_forms_of_the_tenant_are_trusted() -> None:
    assert trusted_issuers(TENANT) == {
        f"https://login.microsoftonline.com/{TENANT}/v2.0",
        f"https://sts.windows.net/{TENANT}/",
    }


@pytest.mark.parametrize(("audience", "tenant"), [("", TENANT), (AUDIENCE, ""), ("  ", " ")])
def test_a_validator_needs_an_audience_and_a_tenant(audience: str, tenant: str) -> None:
    with pytest.raises(ValueError, match="audience and a tenant"):
        ManagedIdentityValidator(audience, tenant)


@dataclass(frozen=True)
class Settings:
    audience: str | None
    tenant_id: str | None
    caller_id: str | None = None


def test_validators_built_from_the_same_settings_are_shared_so_keys_stay_cached() -> None:
    first = ManagedIdentityValidator.for_settings(Settings(AUDIENCE, TENANT))
    assert ManagedIdentityValidator.for_settings(Settings(AUDIENCE, TENANT)) is first
    assert ManagedIdentityValidator.for_settings(Settings(AUDIENCE, OTHER_TENANT)) is not first


def test_a_configured_caller_id_pins_the_shared_validator_to_that_identity() -> None:
    pinned = ManagedIdentityValidator.for_settings(Settings(AUDIENCE, TENANT, "pubsub-object-id"))
    assert pinned.allowed_callers == frozenset({"pubsub-object-id"})
    assert ManagedIdentityValidator.for_settings(Settings(AUDIENCE, TENANT)).allowed_callers == frozenset()


@pytest.mark.parametrize("settings", [Settings(None, TENANT), Settings(AUDIENCE, None)])
def test_a_shared_validator_needs_both_settings(settings: Settings) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID"):
        ManagedIdentityValidator.for_settings(settings)


async def test_accepts_answers_yes_for_a_valid_token(validator: ManagedIdentityValidator) -> None:
    assert await validator.accepts(_bearer(_token()))


async def test_accepts_logs_why_a_token_is_refused_without_the_token(
    validator: ManagedIdentityValidator, caplog: pytest.LogCaptureFixture
) -> None:
    token = _token(_claims(aud="https://elsewhere"))
    with caplog.at_level(logging.WARNING, logger="api.webhook_identity"):
        assert not await validator.accepts(_bearer(token))
    assert "audience" in caplog.text
    assert not any(part in caplog.text for part in token.split("."))
