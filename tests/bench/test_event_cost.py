"""The event-cost benchmark runs end to end at a tiny size: latency, rate and counts for every event."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick, sane

EVENTS = ("userConnected", "createChat", "joinChat", "leaveChat", "disconnected")


def test_quick_run_times_and_counts_every_event(tmp_path: Path) -> None:
    section, table = run_quick("event_cost", tmp_path)
    figures = rows(section)
    for event in EVENTS:
        p50 = figures[f"{event}: p50, 20 vs 1 chat"]
        assert sane(p50["value"]) and sane(p50["baseline"]) and p50["target"] == "<= 1.2x"
        assert sane(figures[f"{event}: p99, 20 vs 1 chat"]["value"])
        assert sane(figures[f"{event}: events/s, 20 vs 1 chat"]["value"])
        ops = figures[f"{event}: table operations per event"]
        assert sane(ops["value"]) and ops["met"] is True
        assert figures[f"{event}: REST calls per event"]["value"] >= 1  # every event tells somebody
    assert figures["events refused or failed"]["value"] == 0
    counts = section["raw"]["counts"]["20"]
    assert counts["joinChat"]["table_kinds"]["insert users"] == 1  # one membership row per join
    assert "| **Event cost" in table
