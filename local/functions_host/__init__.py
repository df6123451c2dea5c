"""Serve a Functions v2 (Python) app's HTTP triggers the way the Functions host does.

Azure Functions Core Tools cannot be installed offline, so the local stack runs `function_app.py`
through this adapter instead: `python -m local.functions_host --port 7071`. Unlike Azure, which just
ends the worker, it stops cleanly: it awaits the app script's `async def on_stop()`, if it has one,
so the app can close the clients it keeps open across invocations. Like the host it refuses a body
over `FUNCTIONS_REQUEST_BODY_SIZE_LIMIT` bytes (default 100 MB) with 413, and like App Service's front
end it appends the caller's address to `X-Forwarded-For`.
"""
