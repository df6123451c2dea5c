"""The fan-out benchmark runs end to end at a tiny size; the full run is not a test."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick, sane


def test_quick_run_compares_the_emulator_with_the_baseline_for_each_message_size(tmp_path: Path) -> None:
    section, table = run_quick("fanout", tmp_path)
    figures = rows(section)
    for size in ("100 B", "2 KB"):
        throughput = figures[f"10 receivers, {size}: throughput"]
        p99 = figures[f"10 receivers, {size}: p99 latency"]
        for row in (throughput, p99, figures[f"10 receivers, {size}: p50 latency"]):
            assert sane(row["value"]) and sane(row["baseline"]) and sane(row["ratio"]), row
        assert throughput["target"] == ">= 0.5x baseline" and throughput["met"] in (True, False)
        assert p99["target"] == "<= 2x baseline" and p99["met"] in (True, False)
    assert "| **Fan-out (emulator vs websockets broadcast)** |" in table
    assert "| 10 receivers, 2 KB: p99 latency |" in table
