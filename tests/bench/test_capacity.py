"""The capacity benchmark holds its (tiny) number of connections and reports memory per connection."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick, sane


def test_quick_run_holds_every_connection_and_reports_memory_per_connection(tmp_path: Path) -> None:
    section, table = run_quick("capacity", tmp_path)
    figures = rows(section)
    held = next(row for figure, row in figures.items() if figure.startswith("connections held"))
    assert held["value"] == 200 and held["met"] is True
    per_connection = [row for figure, row in figures.items() if figure.startswith("memory per connection")]
    assert len(per_connection) == 2
    for row in per_connection:
        assert sane(row["value"]) and sane(row["baseline"])
    assert "memory per connection at 200" in table
