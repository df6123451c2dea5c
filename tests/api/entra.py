"""A stand-in Microsoft Entra tenant for tests: an RSA signing key, its JWK, and the tokens it issues."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

TENANT = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
AUDIENCE = "https://webpubsub.azure.com"
PUBSUB_IDENTITY = "aaaaaaaa-0000-0000-0000-000000000001"
KID = "test-key-1"

SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    """The public half of `private_key` as the tenant publishes it in its key set."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**public, "kid": kid, "use": "sig", "alg": "RS256"}


def claims(**overrides: Any) -> dict[str, Any]:
    """The claims of a token Web PubSub's managed identity gets for AUDIENCE, valid for an hour."""
    now = int(time.time())
    base = {
        "aud": AUDIENCE,
        "iss": f"https://sts.windows.net/{TENANT}/",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "oid": PUBSUB_IDENTITY,
        "tid": TENANT,
        "sub": PUBSUB_IDENTITY,
    }
    return {**base, **overrides}


def token(
    token_claims: dict[str, Any] | None = None, key: rsa.RSAPrivateKey = SIGNING_KEY, kid: str | None = KID
) -> str:
    """An RS256 token, signed with the tenant's key and naming it unless told otherwise."""
    headers = {"kid": kid} if kid else {}
    return jwt.encode(token_claims or claims(), key, algorithm="RS256", headers=headers)


def bearer(value: str) -> str:
    """The Authorization header carrying `value`."""
    return f"Bearer {value}"
