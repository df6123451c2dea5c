"""Chatr's Azure Functions: ten HTTP routes under /api, each delegating to the `api` package."""

import azure.functions as func

from api import chat_history, health, lists, logout, message_search, recovery, runtime, tokens, webhook

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("getToken")
@app.route(route="getToken", methods=["GET"])
async def get_token(req: func.HttpRequest) -> func.HttpResponse:
    """A Web PubSub client URL for the signed-in user or guest."""
    return await tokens.get_token(req)


@app.function_name("logout")
@app.route(route="logout", methods=["POST"])
async def log_out(req: func.HttpRequest) -> func.HttpResponse:
    """A guest's logout: their credentials stop working and their connections close."""
    return await logout.logout(req)


@app.function_name("recoveryCode")
@app.route(route="recoveryCode", methods=["POST"])
async def recovery_code(req: func.HttpRequest) -> func.HttpResponse:
    """A guest's new recovery code, shown once: their way back after a logout."""
    return await recovery.new_recovery_code(req)


@app.function_name("recover")
@app.route(route="recover", methods=["POST"])
async def recover(req: func.HttpRequest) -> func.HttpResponse:
    """A guest comes back with a recovery code: a fresh credential for their account."""
    return await recovery.recover(req)


@app.function_name("users")
@app.route(route="users", methods=["GET"])
async def users(req: func.HttpRequest) -> func.HttpResponse:
    """Online users, a page at a time; or one user's public profile (`?id=`)."""
    return await lists.get_users(req)


@app.function_name("chats")
@app.route(route="chats", methods=["GET"])
async def chats(req: func.HttpRequest) -> func.HttpResponse:
    """Group chats, a page at a time, plus the caller's own private chats."""
    return await lists.get_chats(req)


@app.function_name("messages")
@app.route(route="chats/{chatId}/messages", methods=["GET"])
async def messages(req: func.HttpRequest) -> func.HttpResponse:
    """A page of one chat's kept history, for its members only."""
    return await chat_history.get_messages(req)


@app.function_name("search")
@app.route(route="search", methods=["GET"])
async def search(req: func.HttpRequest) -> func.HttpResponse:
    """Messages found by their words, only in the caller's chats, a page at a time."""
    return await message_search.search(req)


@app.function_name("eventHandler")
@app.route(route="eventHandler", methods=["POST", "OPTIONS"])
async def event_handler(req: func.HttpRequest) -> func.HttpResponse:
    """Web PubSub's CloudEvents webhook (abuse-protection handshake and every event)."""
    return await webhook.handle(req)


@app.function_name("health")
@app.route(route="health", methods=["GET"])
async def health_check(req: func.HttpRequest) -> func.HttpResponse:
    """Whether the app believes the site's principal header, and nothing more (make verify-deploy asks)."""
    return health.health(req)


async def on_stop() -> None:
    """Not a function: the local Functions host adapter awaits it when it stops, to close the service clients."""
    await runtime.close()
