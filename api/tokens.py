"""`GET /api/getToken`: a Web PubSub client URL for the caller, whose identity the server decides."""

from __future__ import annotations

import logging

import azure.functions as func

from .identity import claims_identity, identify, issue_guest
from .responses import error_response, json_response
from .runtime import guarded, pubsub, state

log = logging.getLogger(__name__)


@guarded
async def get_token(req: func.HttpRequest) -> func.HttpResponse:
    """Signed-in users and returning guests get a token; `?guestName=` makes a new guest. A `userId` is ignored."""
    identity = identify(req)
    credential = None
    if identity is None:
        if claims_identity(req):
            return error_response(401, "Your sign-in is not valid any more: please sign in again")
        if "guestName" not in req.params:
            return error_response(401, "Sign in, or join as a guest with a name")
        identity, credential = issue_guest(req.params["guestName"])
    store = await state()
    await store.save_profile(identity.user_id, identity.name, identity.provider)
    token = await pubsub().client_token(identity.user_id)
    log.info("getToken: user=%s provider=%s new_guest=%s", identity.user_id, identity.provider, credential is not None)
    body = {**token, "user": identity.to_wire()}
    if credential:
        body["guest"] = credential
    return json_response(body)
