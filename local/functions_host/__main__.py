"""`python -m local.functions_host`: serve function_app.py's HTTP triggers on 127.0.0.1:7071."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from aiohttp import web

from .app_service_auth import SITE_TOKEN_SETTING
from .loader import http_functions, import_script, load_settings, stop_hook
from .server import body_limit, build_app


def main() -> None:
    """Parse arguments, load the app and serve it until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m local.functions_host", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7071, help="default 7071, as the Functions host's own")
    parser.add_argument("--script", type=Path, default=Path("function_app.py"), help="the app's entry script")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    script = args.script.resolve()
    load_settings(script.parent)
    module = import_script(script)
    functions = http_functions(module, script)
    for f in functions:
        methods = ",".join(sorted(f.methods)) if f.methods else "*"
        logging.getLogger("functions_host").info(
            "%s: [%s] http://%s:%d/%s", f.name, methods, args.host, args.port, f.route.template
        )
    site_token = os.environ.get(SITE_TOKEN_SETTING) or None
    app = build_app(functions, stop_hook(module), site_token, body_limit(os.environ))
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
