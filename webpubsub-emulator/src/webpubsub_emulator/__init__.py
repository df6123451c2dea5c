"""A local Azure Web PubSub emulator: the client WebSocket protocols, the REST API and CloudEvents webhooks.

Start it with `webpubsub-emulator` (or `python -m webpubsub_emulator`); embed it with `create_app(Settings(...))`
or `testing.start_emulator`. See README.md.
"""

from .config import DEFAULT_KEY, EventHandler, HubSettings, Settings
from .server import create_app

__all__ = ["DEFAULT_KEY", "EventHandler", "HubSettings", "Settings", "create_app"]
