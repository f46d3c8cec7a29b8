"""pytest-textual-snapshot pictures of the queue, a comment view and the help, on fixed data.

Nothing on these screens depends on the clock (no header clock, no dates shown) and no
input cursor is on screen; the live-refresh timer is set to an hour so it never fires.
Update after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the pictures before committing them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot

from moderation.config import Config
from moderation.tui.app import make_app
from moderation.tui.screenshot import demo_store

SIZE = (140, 40)


async def ready(pilot: Pilot) -> None:
    """Wait until the queue, the thread and the author history are on screen."""
    app = pilot.app
    for _ in range(300):
        await pilot.pause()
        busy = [w for w in app.workers if w.is_running and w.name != "writer"]
        history = app.detail.section("history").plain
        if app.loads and app.counts and not busy and "loading" not in history:
            break
        await asyncio.sleep(0.02)
    await pilot.pause()


def app_for(tmp_path: Path):
    return make_app(demo_store(tmp_path / "demo.db"), Config(), moderator="ann",
                    poll_interval=3600)


def test_queue_snapshot(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=ready)


def test_comment_view_snapshot(snap_compare, tmp_path: Path) -> None:
    """All statuses, cursor on a comment hidden by another moderator, with hostile text
    (markup and a terminal title escape) shown literally and control characters visible."""

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("s", "s", "s")        # pending -> approved -> hidden -> all
        await ready(pilot)
        await pilot.press("j", "j", "j", "j")
        await ready(pilot)

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_help_snapshot(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)
