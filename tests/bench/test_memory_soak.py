"""The memory soak runs end to end at a tiny size: memory is read for every part and every post arrives."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick


def test_quick_soak_reads_the_memory_of_every_part_and_delivers_every_post(tmp_path: Path) -> None:
    section, table = run_quick("memory_soak", tmp_path)
    figures = rows(section)
    for part in ("azurite", "webpubsub", "functions"):
        growth = figures[f"{part}: memory growth while measured"]
        assert growth["baseline"] > 1, part  # a real process tree was measured, in MB
        assert isinstance(growth["value"], float) and growth["target"] == "< 40 MB", growth
    assert figures["posts not delivered to a member"]["value"] == 0
    assert section["raw"]["posts"] > 0 and section["raw"]["visitors"] > 0
    assert "| **Memory soak" in table
