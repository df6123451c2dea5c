"""Chatr's backend: what the Azure Functions in function_app.py delegate to (README's Layout lists them)."""
