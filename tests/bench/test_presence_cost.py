"""The presence cost model runs at a tiny size: a visit costs the same with four times the people online."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick


def test_quick_presence_cost_does_not_grow_with_the_people_online(tmp_path: Path) -> None:
    section, table = run_quick("presence_cost", tmp_path)
    figures = rows(section)
    ratio = figures["messages per visit, 400 online vs 100"]
    assert ratio["met"] is True and ratio["value"] > 0
    assert all(row["met"] is not False for row in section["rows"])
    assert "| **Presence cost" in table
