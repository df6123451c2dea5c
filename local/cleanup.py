"""`make cleanup`: `api/cleanup.py` against the stack `make run` started, unless STORAGE_*/PUBSUB_* say otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from api import cleanup
from local.stack import Ports, plan


def main() -> None:
    """Fill in the local stack's settings the way `make run` gives them to the Functions app, then clean up."""
    _, backend_env = plan(Ports.from_env(), in_memory=False, data_dir=Path(".chatr"), env=dict(os.environ), swa=False)
    os.environ.update({k: v for k, v in backend_env.items() if k not in os.environ})
    cleanup.main(sys.argv[1:])


if __name__ == "__main__":
    main()
