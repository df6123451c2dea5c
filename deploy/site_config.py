"""`python deploy/site_config.py IN OUT --pubsub-endpoint URL --plan PLAN`: the staticwebapp.config.json to upload.

The repository's file serves `make run` too, so its Content-Security-Policy lets the browser open
WebSockets to the local emulator (`ws://127.0.0.1:*`, `ws://localhost:*`) and to any Web PubSub. The
deployed site needs exactly one: its own Web PubSub's `wss://` address, so `connect-src` becomes
`'self'` and that. On the managed hosting plan the API runs inside the site, whose Python version
`platform.apiRuntime` names (python:3.11, the version the app is written and tested for).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CSP = "Content-Security-Policy"
API_RUNTIME = "python:3.11"


class ConfigError(RuntimeError):
    """The config or the endpoint cannot give a production policy; the message says which."""


def websocket_origin(pubsub_endpoint: str) -> str:
    """`https://<name>.webpubsub.azure.com` -> `wss://<name>.webpubsub.azure.com`: where clients connect."""
    parts = urlsplit(pubsub_endpoint.strip())
    if parts.scheme != "https" or not parts.hostname:
        wanted = "https://<name>.webpubsub.azure.com"
        raise ConfigError(f"the Web PubSub endpoint must be {wanted}, not {pubsub_endpoint!r}")
    return f"wss://{parts.hostname}"


def production_csp(policy: str, socket_origin: str) -> str:
    """The policy with `connect-src` allowing the site itself and `socket_origin` only; every other directive kept."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    names = [d.split()[0] for d in directives]
    if "connect-src" not in names:
        raise ConfigError("the Content-Security-Policy has no connect-src directive to narrow")
    connect = f"connect-src 'self' {socket_origin}"
    return "; ".join(connect if name == "connect-src" else d for name, d in zip(names, directives, strict=True))


def production_config(config: dict[str, Any], socket_origin: str, plan: str) -> dict[str, Any]:
    """The config to upload: a CSP connecting to the site and `socket_origin` only; on managed, the API's Python."""
    headers = config.get("globalHeaders", {})
    if CSP not in headers:
        raise ConfigError(f"staticwebapp.config.json sets no {CSP} in globalHeaders")
    result = {**config, "globalHeaders": {**headers, CSP: production_csp(headers[CSP], socket_origin)}}
    if plan == "managed":
        result["platform"] = {**config.get("platform", {}), "apiRuntime": API_RUNTIME}
    return result


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point used by deploy/client.sh."""
    parser = argparse.ArgumentParser(prog="python deploy/site_config.py", description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the repository's staticwebapp.config.json")
    parser.add_argument("out", type=Path, help="where to write the one to upload")
    parser.add_argument("--pubsub-endpoint", required=True, help="https://<name>.webpubsub.azure.com")
    parser.add_argument("--plan", choices=["managed", "flex", "dedicated"], required=True)
    args = parser.parse_args(argv)
    try:
        source = json.loads(args.source.read_text(encoding="utf-8"))
        config = production_config(source, websocket_origin(args.pubsub_endpoint), args.plan)
    except ConfigError as err:
        print(f"make deploy-client: {err}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
