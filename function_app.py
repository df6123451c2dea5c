"""Chatr's Azure Functions: four HTTP routes under /api, each delegating to the `api` package."""

import azure.functions as func

from api import lists

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("users")
@app.route(route="users", methods=["GET"])
async def users(req: func.HttpRequest) -> func.HttpResponse:
    """Online users."""
    return await lists.get_users(req)


@app.function_name("chats")
@app.route(route="chats", methods=["GET"])
async def chats(req: func.HttpRequest) -> func.HttpResponse:
    """Group chats, plus the caller's own private chats."""
    return await lists.get_chats(req)
