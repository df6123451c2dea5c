"""The flood benchmark runs end to end at a tiny size: quiet users are timed, and the flood is refused and contained."""

from __future__ import annotations

from pathlib import Path

from api.limits import RATES
from tests.bench.support import rows, run_quick, sane


def test_quick_flood_times_the_quiet_users_and_refuses_the_flooder_of_events_and_of_a_chat(tmp_path: Path) -> None:
    section, table = run_quick("flood", tmp_path)
    figures = rows(section)
    p50 = figures["other users' event p50 while one user floods (baseline: quiet)"]
    assert sane(p50["value"]) and sane(p50["baseline"]) and p50["target"] == "<= 1.5x"
    assert figures["the flooding user's events refused"]["value"] > 0
    broadcasts = figures["broadcasts the flood made (each reaches everyone online)"]["value"]
    assert broadcasts <= RATES["chats"].burst + 2 * RATES["idle"].burst  # the buckets, never the flood's size
    chat = "floods their chat with messages"
    for figure in (
        f"other users' event p50 while one user {chat} (baseline: quiet)",
        f"other users' messages, send to receipt, p50 while one user {chat} (baseline: quiet)",
    ):
        assert (
            sane(figures[figure]["value"])
            and sane(figures[figure]["baseline"])
            and figures[figure]["target"] == "<= 1.5x"
        )
    assert sane(
        figures[f"other users' messages, send to receipt, p99 while one user {chat} (baseline: quiet)"]["value"]
    )
    assert figures["the flooding user's messages refused"]["value"] > 0
    assert "| **Flood" in table
