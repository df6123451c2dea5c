"""The presence storm runs end to end at a tiny size and every client's user list ends up right."""

from __future__ import annotations

from pathlib import Path

from tests.bench.support import rows, run_quick, sane


def test_quick_storm_leaves_every_list_right(tmp_path: Path) -> None:
    section, table = run_quick("presence_storm", tmp_path)
    figures = rows(section)
    assert figures["clients with a wrong final user list"]["value"] == 0
    assert figures["server's online list: wrong entries"]["value"] == 0
    assert sane(figures["20 users connected (token, socket, userConnected, lists)"]["value"])
    assert sane(figures["time until the 10 remaining lists are right"]["value"])
    delivered = figures["chat messages delivered while storming"]
    assert delivered["value"] == delivered["baseline"] > 0
    assert "| **Presence storm" in table
