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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import jwt

log = logging.getLogger(__name__)

ENTRA_AUTHORITY = "https://login.microsoftonline.com"
ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 60
KEY_CACHE_SECONDS = 3600
KEY_FETCH_TIMEOUT_SECONDS = 10


class SigningKeysUnavailable(RuntimeError):
    """The tenant's signing keys could not be read: the failure is ours, so the event is answered 503 and retried."""


class SigningKeySource(Protocol):
    """Where verification keys come from; `jwt.PyJWKClient` is one (blocking, so called off the event loop)."""

    def get_signing_key(self, kid: str) -> jwt.PyJWK:
        """The key with this key id; raises `jwt.PyJWKClientError` when there is none or the set cannot be read."""
        ...


class AuthSettings(Protocol):
    """What the validator is built from (api.config.WebhookAuthSettings has this shape)."""

    @property
    def audience(self) -> str | None: ...

    @property
    def tenant_id(self) -> str | None: ...

    @property
    def caller_id(self) -> str | None: ...


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


@dataclass(frozen=True)
class TokenCheck:
    """The verdict on one Authorization header: `status` is the HTTP status to answer when not `valid`."""

    valid: bool
    reason: str
    status: int = 200
    claims: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def rejected(cls, reason: str) -> TokenCheck:
        """The caller did not prove who it is: answer 401."""
        return cls(False, reason, 401)

    @classmethod
    def unavailable(cls, reason: str) -> TokenCheck:
        """We could not check (the key set is unreachable): answer 503 so the failure is ours, not the caller's."""
        return cls(False, reason, 503)


class ManagedIdentityValidator:
    """Validates `Authorization: Bearer <jwt>` headers against one audience and one Entra tenant."""

    _shared: ClassVar[dict[tuple[str, str, tuple[str, ...]], ManagedIdentityValidator]] = {}

    def __init__(
        self,
        audience: str,
        tenant_id: str,
        *,
        keys: SigningKeySource | None = None,
        allowed_callers: Iterable[str] = (),
    ) -> None:
        """`keys` defaults to the tenant's key set; `allowed_callers` (object ids), when given, also pins the caller."""
        if not audience.strip() or not tenant_id.strip():
            raise ValueError("ManagedIdentityValidator needs both an audience and a tenant id")
        self.audience = audience.strip()
        self.tenant_id = tenant_id.strip()
        self.issuers = trusted_issuers(self.tenant_id)
        self.allowed_callers = frozenset(allowed_callers)
        self._keys: SigningKeySource = keys or jwt.PyJWKClient(
            jwks_url(self.tenant_id),
            cache_jwk_set=True,
            lifespan=KEY_CACHE_SECONDS,
            timeout=KEY_FETCH_TIMEOUT_SECONDS,
        )

    @classmethod
    def for_settings(cls, settings: AuthSettings) -> ManagedIdentityValidator:
        """One validator per audience and tenant for the worker's life, so the tenant's keys are fetched once."""
        if not settings.audience or not settings.tenant_id:
            raise ValueError("WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID are both needed to check bearer tokens")
        callers = (settings.caller_id.strip(),) if settings.caller_id else ()
        key = (settings.audience.strip(), settings.tenant_id.strip(), callers)
        if key not in cls._shared:
            cls._shared[key] = cls(key[0], key[1], allowed_callers=callers)
        return cls._shared[key]

    async def accepts(self, authorization: str | None) -> bool:
        """True when the header proves the call; otherwise logs the reason (never the token) and returns False.

        Raises SigningKeysUnavailable when the keys to check it with cannot be read.
        """
        verdict = await self.check(authorization)
        if verdict.status == 503:
            raise SigningKeysUnavailable(verdict.reason)
        if not verdict.valid:
            log.warning("Refused the event handler's bearer token (%d): %s", verdict.status, verdict.reason)
        return verdict.valid

    async def check(self, authorization: str | None) -> TokenCheck:
        """Validate an Authorization header value; the key lookup runs in a worker thread, never on the loop."""
        token = _bearer_token(authorization)
        if isinstance(token, TokenCheck):
            return token
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            return TokenCheck.rejected("the bearer token is not a well-formed JWT")
        algorithm = header.get("alg")
        if algorithm != ALGORITHM:
            return TokenCheck.rejected(f"the bearer token must be signed with {ALGORITHM}, not {algorithm!r}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            return TokenCheck.rejected("the bearer token names no signing key (kid)")
        try:
            key = await asyncio.to_thread(self._keys.get_signing_key, kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, ValueError) as err:
            return TokenCheck.unavailable(f"the tenant's signing keys could not be read: {type(err).__name__}")
        except jwt.PyJWKClientError:
            return TokenCheck.rejected("the bearer token is signed with a key the tenant does not publish")
        return self._verify(token, key)

    def _verify(self, token: str, key: jwt.PyJWK) -> TokenCheck:
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=sorted(_audiences(self.audience)),
                issuer=self.issuers,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            return TokenCheck.rejected("the bearer token has expired")
        except jwt.ImmatureSignatureError:
            return TokenCheck.rejected("the bearer token is not valid yet")
        except jwt.InvalidAudienceError:
            return TokenCheck.rejected(
                f"the bearer token is not meant for this app (expected audience {self.audience})"
            )
        except jwt.InvalidIssuerError:
            return TokenCheck.rejected(f"the bearer token was not issued by tenant {self.tenant_id}")
        except jwt.MissingRequiredClaimError as err:
            return TokenCheck.rejected(f"the bearer token has no {err.claim!r} claim")
        except jwt.InvalidSignatureError:
            return TokenCheck.rejected("the bearer token's signature does not match")
        except jwt.InvalidTokenError as err:
            return TokenCheck.rejected(f"the bearer token is invalid: {type(err).__name__}")
        if self.allowed_callers and claims.get("oid") not in self.allowed_callers:
            return TokenCheck.rejected("the bearer token belongs to an identity that may not call the event handler")
        return TokenCheck(True, "ok", 200, claims)


def _bearer_token(authorization: str | None) -> str | TokenCheck:
    """The token of a `Bearer` header, or the rejection saying why there is none."""
    if not authorization or not authorization.strip():
        return TokenCheck.rejected("no Authorization header: the event handler expects Web PubSub's bearer token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return TokenCheck.rejected("the Authorization header is not a Bearer token")
    return token.strip()
