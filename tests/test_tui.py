"""The queue driven by Textual's Pilot, asserting on the database."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable, Static

from moderation.config import Config
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.store import Store
from moderation.tui.app import make_app


async def settle(app, pilot) -> None:
    """Let worker threads finish and their results reach the screen."""
    for _ in range(200):
        await pilot.pause()
        busy = [w for w in app.workers if w.is_running and w.name != "writer"]
        if not busy and app._jobs.unfinished_tasks == 0:
            break
        await asyncio.sleep(0.02)
    await pilot.pause()


def log_actions(store: Store) -> list[tuple[int, str, str]]:
    return [(r["comment_id"], r["action"], r["moderator"]) for r in store.log_rows()]


@pytest.mark.asyncio
async def test_queue_lists_worst_first_and_decides(scored_store: Store, config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert [i.comment_id for i in app.items] == [2, 5, 3]
        await pilot.press("a")  # approve #2
        await settle(app, pilot)
        assert scored_store.status_of(2)[0] == "approved"
        assert [i.comment_id for i in app.items] == [5, 3]
        await pilot.press("h")  # hide #5: choose the first reason
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert scored_store.status_of(5)[0] == "hidden"
        await pilot.press("u")  # undo the hide
        await settle(app, pilot)
        assert scored_store.status_of(5)[0] == "pending"
        assert log_actions(scored_store) == [(2, "approve", "ann"), (5, "hide", "ann"),
                                             (5, "undo", "ann")]
        hide = list(scored_store.log_rows(action="hide"))[0]
        assert hide["reason"] == config.hide_reasons[0]


@pytest.mark.asyncio
async def test_note_and_navigation(scored_store: Store, config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        assert app.current.comment_id == 5
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"check context", "enter")
        await settle(app, pilot)
        rows = list(scored_store.log_rows(action="note"))
        assert [(r["comment_id"], r["note"]) for r in rows] == [(5, "check context")]
        assert scored_store.status_of(5)[0] == "pending"
        await pilot.press("k")
        assert app.current.comment_id == 2


HOSTILE = [
    "[@click=app.quit]Read more[/] [bold red]URGENT[/] [link=\"https://x\"]y[/]",
    "[ @click=app.quit]x [RED]x[/] [$accent]x \\[ trailing \\",
    "[/] [0] [bold [[[[ [[self foo] bar]",
    "title \x1b]0;pwned\x07 clip \x1b]52;c;ZXZpbA==\x07 \x1b[2J \x1bc c1\x9b nul\x00 del\x7f",
    "bidi \u202e gnp.exe \u2066x\u2069 zw\u200bsp soft\u00adhyphen",
]


@pytest.mark.asyncio
async def test_hostile_text_is_shown_literally(store: Store, config: Config) -> None:
    comments = tuple(Comment(t, author=t, position=i) for i, t in enumerate(HOSTILE))
    store.ingest(ParseResult("text", (Article(title="[b]t[/b] \x1b]0;x\x07", comments=comments),),
                             source="h"))
    store.save_scores([(i + 1, Scores({"toxicity": 0.99 - i / 100}, "m", "1"))
                       for i in range(len(HOSTILE))])
    app = make_app(store, config, moderator="ann")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert len(app.items) == len(HOSTILE)
        for i in range(len(HOSTILE)):
            comment = app.query_one("#comment", Static)
            shown = str(comment.render())
            assert "\x1b" not in shown and "\x00" not in shown and "\x9b" not in shown
            assert "\u202e" not in shown
            if i == 0:
                assert "[@click=app.quit]Read more[/]" in shown
            if i == 3:
                assert "␛]0;pwned␇" in shown and "<U+009B>" in shown
            if i == 4:
                assert "<RLO>" in shown and "<ZWSP>" in shown
            await pilot.click("#comment")
            await pilot.press("j")
        assert app.is_running  # no click on the text ran app.quit
        table = app.query_one("#queue", DataTable)
        assert table.row_count == len(HOSTILE)
    # Raw bytes kept in the database.
    assert store.comment(4)["text"] == HOSTILE[3]
