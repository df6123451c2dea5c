"""The messages benchmark runs end to end at a tiny size: both paths timed, numbers checked, counts and cost priced."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick, sane


def test_quick_messages_time_both_paths_check_every_number_and_count_each_message(tmp_path: Path) -> None:
    section, table = run_quick("messages", tmp_path)
    figures = rows(section)
    for label in ("2 receivers per chat", "4 receivers in one chat (2 in the others)"):
        for name in ("p50", "p99"):
            row = figures[f"{label}: {name} send to receiver, backend (baseline: direct group send)"]
            assert sane(row["value"]) and sane(row["baseline"])
    assert sane(figures["backend path at 10 msg/s in all: p99 send to receiver"]["value"])
    rate = figures["highest total rate with p99 under 1 s (2 chats, 2 receivers each)"]
    assert rate["unit"] == "msg/s" and rate["value"] in (0, 10)  # the one step, or none on a machine this busy
    busy = figures["one busy chat, 2 receivers: messages/s (baseline: spread over 2 chats)"]
    assert sane(busy["value"]) and sane(busy["baseline"]) and busy["target"] == ">= 0.8x"
    order = figures["numbers a receiver saw out of order, twice or never"]
    assert order["value"] == 0 and order["met"] is True
    catch_up = next(row for figure, row in figures.items() if figure.startswith("catch-up: 6 messages missed"))
    assert sane(catch_up["value"])
    ops = figures["sendMessage: table operations per message"]
    assert 3 <= ops["value"] <= 5  # account, rate limit, membership, the append's transaction; a head read at most
    assert figures["sendMessage: REST calls per message"]["value"] == 1  # one send to the chat's group
    cost = figures["cost per 1,000 messages, 10 connections in the chat (baseline: direct group send)"]
    assert cost["value"] > cost["baseline"] > 0
    assert figures["messages refused or failed"]["value"] == 0
    assert "| **Messages through the backend" in table
