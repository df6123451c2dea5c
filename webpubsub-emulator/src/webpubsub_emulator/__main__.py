"""`webpubsub-emulator` (or `python -m webpubsub_emulator`): run the Web PubSub emulator until SIGINT/SIGTERM.

Example (hub `chat` sends every user event and two system events to one handler):
  webpubsub-emulator --port 8080 --hub chat --event-handler http://127.0.0.1:7071/api/eventHandler \\
      --user-events '*' --system-events connected,disconnected
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from .config import ANY_HUB, DEFAULT_KEY, ConfigError, EventHandler, HubSettings, Settings, event_handler, load_hubs
from .server import SERVICE, create_app

log = logging.getLogger("webpubsub")


def parse_settings(argv: list[str] | None = None) -> Settings:
    """Settings from the command line (and the --config file); exits with a message on bad input."""
    parser = argparse.ArgumentParser(
        prog="webpubsub-emulator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    parser.add_argument("--key", default=DEFAULT_KEY, help="access key for tokens and signatures (default: fixed)")
    parser.add_argument("--secondary-key", help="a second accepted access key, like the service's secondary key")
    parser.add_argument("--config", type=Path, help='JSON file: {"hubs": {"<hub>": {"eventHandlers": [...]}}}')
    parser.add_argument("--hub", help="hub the --event-handler options configure (default: every hub)")
    parser.add_argument("--event-handler", help="upstream URL template; may contain {hub} and {event}")
    parser.add_argument("--user-events", default="*", help="user event pattern: '*', 'a,b' or '' for none")
    parser.add_argument("--system-events", default="", help="comma-separated: connect, connected, disconnected")
    parser.add_argument("--allow-anonymous", action="store_true", help="let clients of --hub connect without token")
    parser.add_argument("--event-handler-timeout", type=float, default=30.0, help="seconds (default 30)")
    args = parser.parse_args(argv)
    try:
        hubs = load_hubs(args.config) if args.config else {}
        if args.event_handler or args.allow_anonymous:
            handlers: tuple[EventHandler, ...] = ()
            if args.event_handler:
                handlers = (event_handler(args.event_handler, args.user_events, args.system_events.split(",")),)
            hubs[(args.hub or ANY_HUB).lower()] = HubSettings(handlers, args.allow_anonymous)
    except ConfigError as err:
        parser.error(str(err))
    keys = (args.key, args.secondary_key) if args.secondary_key else (args.key,)
    return Settings(
        host=args.host, port=args.port, access_keys=keys, hubs=hubs, event_handler_timeout=args.event_handler_timeout
    )


async def serve(settings: Settings) -> int:
    """Serve until SIGINT/SIGTERM, then close every connection (with its webhooks) and return 0."""
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except OSError as err:
        await runner.cleanup()
        print(f"Cannot listen on {settings.host}:{settings.port}: {err.strerror}", file=sys.stderr)
        return 1
    print(settings.connection_string, flush=True)
    for name, hub in sorted(settings.hubs.items()):
        for handler in hub.event_handlers:
            system = ",".join(sorted(handler.system_events)) or "-"
            target = handler.url_template.split("?")[0]  # a query may hold a Functions key
            log.info("hub %s -> %s (user events %s; system %s)", name, target, handler.user_event_pattern, system)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: closing every connection")
    # Close connections while still listening: handlers of the `disconnected` webhooks may call the REST API.
    await runner.app[SERVICE].shutdown()
    await runner.cleanup()
    return 0


def main() -> None:
    """Command-line entry point."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(serve(parse_settings())))


if __name__ == "__main__":
    main()
