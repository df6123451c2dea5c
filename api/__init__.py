"""Chatr's backend: what the four Azure Functions in function_app.py delegate to."""
