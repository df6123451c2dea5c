"""Which Chromium the browser tests drive, and how to get one.

Debian's /usr/bin/chromium first (Playwright's own download is not reachable everywhere), then
Playwright's bundled browser, as on a normal laptop. CHROMIUM_PATH overrides both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def chromium_path() -> str | None:
    """The system Chromium to launch, or None to use Playwright's bundled one."""
    override = os.environ.get("CHROMIUM_PATH")
    if override:
        return override
    return next((c for c in SYSTEM_CANDIDATES if Path(c).exists()), None)


def _bundled_browser_present() -> bool:
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    return any(cache.glob("chromium*/chrome-linux*/chrome")) or any(cache.glob("chromium*/chrome-mac*"))


def install() -> None:
    """Make sure a Chromium exists: apt where we are root on Debian/Ubuntu, else Playwright's download."""
    if chromium_path() or _bundled_browser_present():
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("Installing Chromium from the Debian packages", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return
    print("Installing Playwright's Chromium", flush=True)
    subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=True)


def main() -> None:
    """`python -m local.browser [--install]`: print (or first install) the browser the tests use."""
    parser = argparse.ArgumentParser(prog="python -m local.browser", description=__doc__)
    parser.add_argument("--install", action="store_true", help="install Chromium when none is found")
    if parser.parse_args().install:
        install()
    print(chromium_path() or "Playwright's bundled Chromium")


if __name__ == "__main__":
    main()
