"""What every benchmark hands back, the one markdown table `make bench` prints, and the JSON it keeps.

A benchmark is a module with `async def run(quick: bool) -> Section`. Its rows are figures, each
with its unit, and where there is one, the baseline it is compared with (measured in the same
run), their ratio, the target and whether it is met. `raw` keeps the numbers behind the rows.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass
class Row:
    """One figure of the table."""

    figure: str
    value: float
    unit: str = ""
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None  # None: no target for this figure
    note: str = ""


@dataclass
class Section:
    """One benchmark's rows, the raw numbers behind them, and how it dealt with noise."""

    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)


# ---- statistics --------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.median(items) if items else math.nan


def at_most(value: float, limit: float) -> bool:
    return math.isfinite(value) and value <= limit


def at_least(value: float, limit: float) -> bool:
    return math.isfinite(value) and value >= limit


# ---- formatting ----------------------------------------------------------------------------------


def number(value: float | None, unit: str = "") -> str:
    """A readable number: thousands separators, fewer decimals for larger values."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 100 or (magnitude == int(magnitude) and magnitude < 1e15):
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:,.1f}"
    elif magnitude >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def verdict(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


def markdown(sections: Sequence[Section]) -> str:
    """One table: a heading row per benchmark, then its figures."""
    lines = ["| figure | value | baseline | ratio | target | met? |", "|---|---:|---:|---:|---|:---:|"]
    for section in sections:
        lines.append(f"| **{section.title}** | | | | | |")
        for row in section.rows:
            figure = row.figure + (f" ({row.note})" if row.note else "")
            ratio = "" if row.ratio is None else f"{number(row.ratio)}x"
            lines.append(
                f"| {figure} | {number(row.value, row.unit)} | {number(row.baseline, row.unit)} | {ratio} "
                f"| {row.target} | {verdict(row.met)} |"
            )
    return "\n".join(lines)


def summary(sections: Sequence[Section]) -> str:
    """How many targets were met, and the notes on how each benchmark handled noise."""
    targets = [row for section in sections for row in section.rows if row.met is not None]
    missed = [f"{s.title}: {r.figure}" for s in sections for r in s.rows if r.met is False]
    lines = [f"Targets met: {sum(1 for r in targets if r.met)} of {len(targets)}."]
    if missed:
        lines.append("Missed: " + "; ".join(missed) + ".")
    for section in sections:
        for note in section.notes:
            lines.append(f"- {section.title}: {note}")
    return "\n".join(lines)


# ---- where it ran, and the JSON ----------------------------------------------------------------------


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children, in MB (Azurite and the SWA CLI run under wrappers)."""
    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model and how busy the machine was (the benchmarks share it)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def machine_line(info: dict[str, Any]) -> str:
    load = ", ".join(str(x) for x in info["load_average"])
    return (
        f"{info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB RAM, {info['platform']}, "
        f"Python {info['python']}; load average at the end {load}"
    )


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def write_json(sections: Sequence[Section], options: dict[str, Any], folder: Path = RESULTS) -> Path:
    """`<folder>/bench-<UTC time>.json` (and `latest.json`): the machine, the options, every row and raw number."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    document = _plain(
        {
            "time": stamp,
            "machine": machine(),
            "options": options,
            "argv": sys.argv,
            "sections": [asdict(s) for s in sections],
        }
    )
    text = json.dumps(document, indent=1, allow_nan=False)
    path = folder / f"bench-{stamp}.json"
    path.write_text(text)
    (folder / "latest.json").write_text(text)
    return path


def progress(line: str) -> None:
    """A progress note on stderr (the table goes to stdout)."""
    print(line, file=sys.stderr, flush=True)
