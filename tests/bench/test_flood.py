"""The flood benchmark runs end to end at a tiny size: quiet users are timed, and the flood is refused and contained."""

from __future__ import annotations

from pathlib import Path

from api.limits import RATES
from tests.bench.support import rows, run_quick, sane


def test_quick_flood_times_the_quiet_users_and_refuses_the_flooder(tmp_path: Path) -> None:
    section, table = run_quick("flood", tmp_path)
    figures = rows(section)
    p50 = figures["other users' event p50 while one user floods (baseline: quiet)"]
    assert sane(p50["value"]) and sane(p50["baseline"]) and p50["target"] == "<= 1.5x"
    assert figures["the flooding user's events refused"]["value"] > 0
    broadcasts = figures["broadcasts the flood made (each reaches everyone online)"]["value"]
    assert broadcasts <= RATES["chats"].burst + 2 * RATES["idle"].burst  # the buckets, never the flood's size
    assert "| **Flood" in table
