"""A local Azure Web PubSub emulator: the client WebSocket protocols, the REST API and CloudEvents webhooks.

Start it with `python -m local.webpubsub`; embed it with `create_app(Settings(...))`. See README.md.
"""

from .config import DEFAULT_KEY, EventHandler, HubSettings, Settings
from .server import create_app

__all__ = ["DEFAULT_KEY", "EventHandler", "HubSettings", "Settings", "create_app"]
