"""`GET /api/getToken`: a Web PubSub client URL for the caller, whose identity the server decides.

A new guest (`?guestName=`) is limited per client address (a rate, and a cap on the guests made
in a credential's life), and refused when the operator requires signing in
(CHATR_REQUIRE_SIGN_IN); a returning guest past half their
credential's life gets a fresh credential; a user who already has the most connections open is
told so (429) before their browser tries to open another.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import azure.functions as func

from . import quota
from .client_address import client_address
from .config import connections_per_user, sign_in_required
from .identity import SIGNED_OUT, Identity, claims_identity, identify, issue_guest, refreshed, revoked
from .limits import GUEST_SIGNUPS, LIVE_GUESTS, RateLimited
from .models import Account, User
from .presence import too_many_connections
from .responses import error_response, json_response, too_many
from .runtime import guarded, pubsub, state
from .state import SIGNUPS_PREFIX, State

log = logging.getLogger(__name__)

PROFILE_SEEN_EVERY = timedelta(hours=1)
SIGN_IN_REQUIRED = "This Chatr is open to signed-in users only: guests cannot join now, please sign in"


@guarded
async def get_token(req: func.HttpRequest) -> func.HttpResponse:
    """Signed-in users and returning guests get a token; `?guestName=` makes a new guest. A `userId` is ignored."""
    identity = identify(req)
    credential = None
    if identity is not None:
        try:
            quota.check_remembered(identity.user_id, "tokens")  # a burst is answered without touching storage
        except RateLimited as err:
            return too_many(str(err), err.retry_after)
    store = await state()
    if identity is None:
        if claims_identity(req):
            return error_response(401, "Your sign-in is not valid any more: please sign in again")
        if "guestName" not in req.params:
            return error_response(401, "Sign in, or join as a guest with a name")
        if sign_in_required():
            return error_response(403, SIGN_IN_REQUIRED)
        try:
            identity, credential = await _new_guest(store, req)
        except RateLimited as err:
            return too_many(str(err), err.retry_after)
    account = await store.get_account(identity.user_id)
    if account is not None and revoked(identity, account.revoked_before):
        return error_response(401, SIGNED_OUT)
    if account is not None:
        try:
            account.limits = await quota.spend(store, account.id, "tokens", account.limits, account.limits_etag)
        except RateLimited as err:
            return too_many(str(err), err.retry_after)
    if _profile_outdated(account, identity):
        await store.save_profile(identity.user_id, identity.name, identity.provider)
        # findable by name (under their new name only, after a change), and among this hour's visitors
        user = User(identity.user_id, identity.name, identity.provider)
        await store.index_user_name(user, account.user.name if account is not None else None)
        await store.touch_recent(user, datetime.now(UTC))
    if credential is None and (fresh := refreshed(identity)) is not None:
        identity, credential = fresh
    most = connections_per_user()
    if account is not None and len(await pubsub().user_connections(identity.user_id)) >= most:
        return error_response(429, too_many_connections(most))
    token = await pubsub().client_token(identity.user_id)
    log.info(
        "getToken: user=%s provider=%s new_credential=%s", identity.user_id, identity.provider, credential is not None
    )
    body = {**token, "user": identity.to_wire(), "blocked": account.blocked if account else []}
    if credential:
        body["guest"] = credential
    return json_response(body)


def _profile_outdated(account: Account | None, identity: Identity) -> bool:
    """Whether getToken writes the profile; a repeat from a user online and seen within the hour writes nothing.

    It is written when new or renamed; when the user comes back with no connection open (a cleanup
    may have listed them: the new ETag keeps it from removing them); and once PROFILE_SEEN_EVERY,
    since its time is when the user was last seen (make cleanup removes users unseen for a day).
    """
    if account is None or (account.user.name, account.user.provider) != (identity.name, identity.provider):
        return True
    written = account.profile_written
    return not account.connections or written is None or datetime.now(UTC) - written >= PROFILE_SEEN_EVERY


async def _new_guest(store: State, req: func.HttpRequest) -> tuple[Identity, str]:
    """A new guest, within the sign-up rate of the caller's address (where the request names a public one)."""
    identity, credential = issue_guest(req.params["guestName"])  # a bad name is refused before anything is spent
    address = client_address(req)
    if address is not None:
        partition = SIGNUPS_PREFIX + address
        quota.check_remembered(partition, "signups")
        quota.check_remembered(partition, "guests")
        limits, etag = await store.get_limits(partition)
        await quota.spend(
            store, partition, "signups", limits, etag, rate=GUEST_SIGNUPS, also=(("guests", LIVE_GUESTS),)
        )
    return identity, credential
