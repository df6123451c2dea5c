"""Serve a Functions v2 (Python) app's HTTP triggers the way the Functions host does.

Azure Functions Core Tools cannot be installed offline, so the local stack runs `function_app.py`
through this adapter instead: `python -m local.functions_host --port 7071`.
"""
