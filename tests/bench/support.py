"""Run one benchmark at its tiny `--quick` size and read back what it wrote."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from local.stack import ROOT


def run_quick(name: str, results: Path, timeout: float = 240) -> tuple[dict[str, Any], str]:
    """`python -m bench --quick --only <name>`: its section from the JSON, and the printed table."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", name, "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads((results / "latest.json").read_text())
    (section,) = document["sections"]
    assert section["name"] == name
    return section, result.stdout


def rows(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["figure"]: row for row in section["rows"]}


def sane(value: Any) -> bool:
    """A measured number: finite and positive."""
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0
