"""`python -m bench` (what `make bench` runs): every benchmark, one markdown table, the raw numbers as JSON.

`--quick` runs each at a tiny size (the smoke tests do); `--only fanout,capacity` picks some.
The table goes to stdout, progress to stderr, the JSON to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import time
import traceback
from pathlib import Path

from bench.report import RESULTS, Row, Section, machine, machine_line, markdown, progress, summary, write_json

BENCHMARKS = {
    "fanout": "Fan-out",
    "capacity": "Capacity",
    "event_cost": "Event cost",
    "presence_storm": "Presence storm",
    "presence_cost": "Presence cost",
    "flood": "Flood",
    "messages": "Messages through the backend",
    "client_load": "Client (Chromium)",
    "memory_soak": "Memory soak",
}


async def _run_one(name: str, quick: bool) -> Section:
    module = importlib.import_module(f"bench.{name}")
    started = time.perf_counter()
    try:
        section = await module.run(quick)
    except Exception as err:  # one broken benchmark must not hide the others' numbers
        traceback.print_exc()
        section = Section(name, BENCHMARKS[name], notes=[f"failed: {type(err).__name__}: {err}"])
        section.add(Row("benchmark ran", 0, target="runs", met=False, note=f"{type(err).__name__}"))
    section.seconds = time.perf_counter() - started
    progress(f"{name}: done in {section.seconds:.0f} s")
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves each benchmark still works")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes (default bench/results)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    sections = [asyncio.run(_run_one(name, args.quick)) for name in names]
    path = write_json(sections, {"quick": args.quick, "only": names}, args.results)
    print(markdown(sections))
    print()
    print(summary(sections))
    print()
    print(f"Machine: {machine_line(machine())}")
    print(f"Raw numbers: {path}")
    failed = any(row.figure == "benchmark ran" and row.met is False for s in sections for row in s.rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
