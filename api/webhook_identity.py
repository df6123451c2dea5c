"""Check the managed-identity bearer token Azure Web PubSub sends to the event handler.

When access keys are disabled, the service cannot sign events with `ce-signature`. Instead its
managed identity obtains a Microsoft Entra access token for the audience configured on the hub's
event handler and sends it as `Authorization: Bearer <jwt>`. This module decides whether such a
header proves the request came from an identity of our tenant, for our audience: RS256 signature
against the tenant's published keys, audience, issuer, expiry and (optionally) the calling identity.
It never logs or returns the token itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import ClassVar

import jwt

from .config import WebhookAuthSettings

log = logging.getLogger(__name__)

ENTRA_AUTHORITY = "https://login.microsoftonline.com"
ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 60
KEY_CACHE_SECONDS = 3600
KEY_FETCH_TIMEOUT_SECONDS = 10


class SigningKeysUnavailable(RuntimeError):
    """The tenant's signing keys could not be read: the failure is ours, so the event is answered 503 and retried."""


class TokenRefused(Exception):
    """The Authorization header does not prove the call; the message says why (never the token): answer 401."""


def jwks_url(tenant_id: str) -> str:
    """The tenant's published signing keys (Entra's v2.0 discovery document points here)."""
    return f"{ENTRA_AUTHORITY}/{tenant_id}/discovery/v2.0/keys"


def trusted_issuers(tenant_id: str) -> frozenset[str]:
    """The `iss` values of tenant tokens: v2.0 tokens, and v1.0 ones, which managed identities usually get."""
    return frozenset({f"{ENTRA_AUTHORITY}/{tenant_id}/v2.0", f"https://sts.windows.net/{tenant_id}/"})


def _audiences(audience: str) -> frozenset[str]:
    """The audience with and without a trailing slash: Entra echoes a resource URI the way it was requested."""
    bare = audience.rstrip("/")
    return frozenset({audience, bare, f"{bare}/"}) if bare.startswith(("https://", "api://")) else frozenset({audience})


class ManagedIdentityValidator:
    """Validates `Authorization: Bearer <jwt>` headers against one audience and one Entra tenant."""

    _shared: ClassVar[dict[tuple[str, str, str], ManagedIdentityValidator]] = {}

    def __init__(self, audience: str, tenant_id: str, *, allowed_callers: Iterable[str] = ()) -> None:
        """Keys come from the tenant's key set; `allowed_callers` (object ids), when given, also pins the caller."""
        if not audience.strip() or not tenant_id.strip():
            raise ValueError("WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID are both needed to check bearer tokens")
        self.audience = audience.strip()
        self.tenant_id = tenant_id.strip()
        self.issuers = trusted_issuers(self.tenant_id)
        self.allowed_callers = frozenset(allowed_callers)
        self._keys = jwt.PyJWKClient(
            jwks_url(self.tenant_id), cache_jwk_set=True, lifespan=KEY_CACHE_SECONDS, timeout=KEY_FETCH_TIMEOUT_SECONDS
        )

    @classmethod
    def for_settings(cls, settings: WebhookAuthSettings) -> ManagedIdentityValidator:
        """One validator per audience, tenant and caller for the worker's life: the tenant's keys are fetched once."""
        key = (settings.audience or "", settings.tenant_id or "", settings.caller_id or "")
        if key not in cls._shared:
            cls._shared[key] = cls(key[0], key[1], allowed_callers=[key[2]] if key[2] else [])
        return cls._shared[key]

    async def accepts(self, authorization: str | None) -> bool:
        """True when the header proves the call; otherwise logs why (never the token) and returns False.

        Raises SigningKeysUnavailable when the keys to check it with cannot be read.
        """
        try:
            await self.verify(authorization)
        except TokenRefused as refused:
            log.warning("Refused the event handler's bearer token (401): %s", refused)
            return False
        return True

    async def verify(self, authorization: str | None) -> None:
        """Raise TokenRefused unless the header proves the call; the key lookup runs in a thread, off the loop."""
        token = _bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as err:
            raise TokenRefused("the bearer token is not a well-formed JWT") from err
        algorithm = header.get("alg")
        if algorithm != ALGORITHM:
            raise TokenRefused(f"the bearer token must be signed with {ALGORITHM}, not {algorithm!r}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRefused("the bearer token names no signing key (kid)")
        try:
            key = await asyncio.to_thread(self._keys.get_signing_key, kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, ValueError) as err:
            raise SigningKeysUnavailable(f"the tenant's signing keys could not be read: {type(err).__name__}") from err
        except jwt.PyJWKClientError as err:
            raise TokenRefused("the bearer token is signed with a key the tenant does not publish") from err
        oid = self._claims(token, key).get("oid")
        if self.allowed_callers and oid not in self.allowed_callers:
            raise TokenRefused("the bearer token belongs to an identity that may not call the event handler")

    def _claims(self, token: str, key: jwt.PyJWK) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=sorted(_audiences(self.audience)),
                issuer=self.issuers,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as err:
            raise TokenRefused("the bearer token has expired") from err
        except jwt.ImmatureSignatureError as err:
            raise TokenRefused("the bearer token is not valid yet") from err
        except jwt.InvalidAudienceError as err:
            raise TokenRefused(
                f"the bearer token is not meant for this app (expected audience {self.audience})"
            ) from err
        except jwt.InvalidIssuerError as err:
            raise TokenRefused(f"the bearer token was not issued by tenant {self.tenant_id}") from err
        except jwt.MissingRequiredClaimError as err:
            raise TokenRefused(f"the bearer token has no {err.claim!r} claim") from err
        except jwt.InvalidSignatureError as err:
            raise TokenRefused("the bearer token's signature does not match") from err
        except jwt.InvalidTokenError as err:
            raise TokenRefused(f"the bearer token is invalid: {type(err).__name__}") from err
        return claims


def _bearer_token(authorization: str | None) -> str:
    """The token of a `Bearer` header; TokenRefused saying why there is none."""
    if not authorization or not authorization.strip():
        raise TokenRefused("no Authorization header: the event handler expects Web PubSub's bearer token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("the Authorization header is not a Bearer token")
    return token.strip()
