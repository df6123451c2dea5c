"""The fan-out benchmark runs end to end (tiny sizes) and prints its table; the full run is not a test."""

from __future__ import annotations

import subprocess
import sys

from local.stack import ROOT


def test_quick_run_prints_both_servers_the_ratios_and_the_memory_per_connection() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.fanout", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert rows[0].startswith("| server") and "p99 latency (ms)" in rows[0]
    assert any(row.startswith("| websockets broadcast (baseline) |") for row in rows)
    assert any(row.startswith("| Web PubSub emulator |") for row in rows)
    assert any(row.startswith("| emulator / baseline |") and "x" in row for row in rows)
    assert any("memory per connection (KiB)" in row for row in rows)
    idle_row = rows[-1].split("|")
    assert float(idle_row[3]) > 0
