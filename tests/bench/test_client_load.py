"""The client benchmark drives Chromium through a (tiny) load comparison and a burst of messages."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick, sane


def test_quick_run_times_the_load_and_watches_the_main_thread_while_messages_arrive(tmp_path: Path) -> None:
    section, table = run_quick("client_load", tmp_path, timeout=400)
    figures = rows(section)
    load = figures["app ready, 50 users + 5 chats stored vs empty"]
    assert sane(load["value"]) and sane(load["baseline"]) and sane(load["ratio"])
    assert load["target"] == "<= 1.5x empty"
    arrivals = {
        "the open chat": "last message on screen",
        "a background chat": "last message counted in its unread badge",
    }
    for where, arrived in arrivals.items():
        longest = figures[f"longest main-thread task, 200 messages at 200/s to {where}"]
        assert longest["value"] >= 0 and longest["target"] == "<= 100 ms"
        assert figures[f"dropped frames, messages to {where}"]["value"] >= 0
        assert sane(figures[f"{arrived}, messages to {where}"]["value"])
    assert section["raw"]["messages"]["shown"] > 0
    assert "| **Client (Chromium)" in table
