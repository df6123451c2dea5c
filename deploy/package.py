"""`python deploy/package.py OUT.zip`: the Functions app's deployment zip, holding the app and nothing else.

The Functions host needs `function_app.py`, `host.json` and `requirements.txt` at the root of the
package and the `api` package beside them; everything else in the repository (client, local stack,
tests, deploy scripts) stays out. `.funcignore` says the same for Azure Functions Core Tools users,
and tests/deploy/test_package.py checks both.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_FILES = ("function_app.py", "host.json", "requirements.txt")
APP_PACKAGES = ("api",)
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})
SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})
# A fixed timestamp, so the same sources always give the same zip.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


class PackageError(RuntimeError):
    """The app is incomplete; the message names what is missing."""


def app_files(root: Path = ROOT) -> Iterator[Path]:
    """The files the deployed app consists of, relative to `root`, in a stable order."""
    for name in APP_FILES:
        if not (root / name).is_file():
            raise PackageError(f"{name} is missing from {root}: the Functions host needs it")
        yield Path(name)
    for package in APP_PACKAGES:
        if not (root / package / "__init__.py").is_file():
            raise PackageError(f"{package}/__init__.py is missing from {root}")
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not (SKIPPED_PARTS & set(relative.parts)) and path.suffix not in SKIPPED_SUFFIXES:
                yield relative


def build(out: Path, root: Path = ROOT) -> list[str]:
    """Write the zip to `out` (parents created) and return the names it holds."""
    names = [path.as_posix() for path in app_files(root)]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (root / name).read_bytes())
    partial.replace(out)
    return names


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point used by `make package`."""
    parser = argparse.ArgumentParser(prog="python deploy/package.py", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the zip, e.g. dist/chatr-api.zip")
    args = parser.parse_args(argv)
    try:
        names = build(args.out)
    except PackageError as err:
        print(f"make package: {err}", file=sys.stderr)
        return 1
    print(f"Wrote {args.out} ({len(names)} files: {', '.join(APP_FILES)} and {', '.join(APP_PACKAGES)}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
