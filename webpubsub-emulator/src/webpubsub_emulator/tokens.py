"""Tokens the service checks or hands out: client and REST JWTs, reconnection tokens, webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import warnings
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt

ALGORITHM = "HS256"


class TokenError(Exception):
    """A token is missing, badly signed, expired or meant for another audience."""


def _decode(token: str, keys: Sequence[str]) -> dict[str, Any]:
    """Claims of a token signed (HS256) with any of the access keys, used as raw UTF-8 bytes."""
    for key in keys:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
                claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"verify_aud": False})
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as err:
            raise TokenError(str(err)) from err
        if not isinstance(claims, dict):
            raise TokenError("the token payload is not an object")
        return claims
    raise TokenError("the signature matches no access key")


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    values = aud if isinstance(aud, list) else [aud]
    return [a for a in values if isinstance(a, str)]


def verify_client_token(token: str, keys: Sequence[str], hub: str) -> dict[str, Any]:
    """Claims of a client token for `hub`; the audience host is not compared (localhost vs 127.0.0.1)."""
    claims = _decode(token, keys)
    wanted = f"/client/hubs/{hub}".lower()
    for aud in _audiences(claims):
        parts = urlsplit(aud)
        if parts.scheme.lower() in ("http", "https", "ws", "wss") and parts.path.rstrip("/").lower() == wanted:
            return claims
    raise TokenError(f"the token's audience is not this emulator's hub {hub!r}")


def verify_rest_token(token: str, keys: Sequence[str], raw_path_qs: str) -> dict[str, Any]:
    """Claims of a REST bearer token whose audience is this request's URL, with or without its query."""
    claims = _decode(token, keys)
    full = unquote(raw_path_qs).lower()
    bare = full.split("?", 1)[0]
    for aud in _audiences(claims):
        parts = urlsplit(aud)
        path_qs = unquote(parts.path + (f"?{parts.query}" if parts.query else "")).lower()
        if path_qs in (full, bare):
            return claims
    raise TokenError("the token's audience is not this request's URL")


def issue_client_token(
    key: str,
    audience: str,
    *,
    user_id: str | None = None,
    roles: Iterable[str] = (),
    groups: Iterable[str] = (),
    minutes: int = 60,
) -> str:
    """A client access token with the claims the SDKs put in one (`sub`, `role`, `webpubsub.group`)."""
    now = int(time.time())
    payload: dict[str, Any] = {"aud": audience, "iat": now, "exp": now + minutes * 60}
    if user_id:
        payload["sub"] = user_id
    if roles := list(roles):
        payload["role"] = roles
    if groups := list(groups):
        payload["webpubsub.group"] = groups
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(payload, key, algorithm=ALGORITHM)


def claim_values(claims: dict[str, Any], name: str) -> list[str]:
    """A claim as a list of strings: .NET writes a single string where Python and JS write a list."""
    value = claims.get(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values]


def signature(keys: Sequence[str], connection_id: str) -> str:
    """The `ce-signature` header: `sha256=<hex HMAC of the connection id>` per access key, comma-joined."""
    return ",".join(
        "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest() for key in keys
    )


class ReconnectionTokens:
    """Tokens that let a reliable client resume its connection; valid only for this emulator process."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def issue(self, connection_id: str) -> str:
        """The token sent in the reliable `connected` message."""
        digest = hmac.new(self._secret, connection_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def valid(self, connection_id: str, token: str) -> bool:
        """True when `token` was issued for `connection_id` by this process."""
        return hmac.compare_digest(self.issue(connection_id), token)
