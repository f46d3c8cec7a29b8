"""The queue driven by Textual's Pilot, asserting on the database."""

from __future__ import annotations

import asyncio
import json

import pytest
from textual.widgets import Static

from moderation.config import Config
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.store import Store
from moderation.tui.app import make_app
from moderation.tui.queuelist import QueueList


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
        hide = next(iter(scored_store.log_rows(action="hide")))
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
            shown = app.detail.section("comment").plain
            assert "\x1b" not in shown and "\x00" not in shown and "\x9b" not in shown
            assert "\u202e" not in shown
            if i == 0:
                assert "[@click=app.quit]Read more[/]" in shown
            if i == 3:
                assert "␛]0;pwned␇" in shown and "<U+009B>" in shown
            if i == 4:
                assert "<RLO>" in shown and "<ZWSP>" in shown
            await pilot.click("#detail", offset=(4, 12))   # on the comment's text
            await pilot.press("j")
        assert app.is_running  # no click on the text ran app.quit
        table = app.query_one("#queue", QueueList)
        assert table.row_count == len(HOSTILE)
    # Raw bytes kept in the database.
    assert store.comment(4)["text"] == HOSTILE[3]


# -- the rest of issue 7: marks, bulk, search, filters, live refresh, other moderators ------


async def wait_until(app, pilot, cond, timeout: float = 8.0) -> None:
    """Settle, then poll ``cond`` until it holds (live refresh runs on a timer)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await settle(app, pilot)
        if cond():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def ids(app) -> list[int]:
    return [i.comment_id for i in app.items]


@pytest.mark.asyncio
async def test_mark_and_bulk_approve(scored_store: Store, config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("space")          # mark #2, cursor moves to #5
        assert app.current.comment_id == 5
        await pilot.press("j", "space")     # mark #3
        assert set(app.marked) == {2, 3}
        await pilot.press("a")
        await settle(app, pilot)
        assert ids(app) == [5] and app.marked == {}
        assert [scored_store.status_of(i)[0] for i in (2, 3, 5)] == ["approved", "approved",
                                                                      "pending"]
        assert sorted(log_actions(scored_store)) == [(2, "approve", "ann"), (3, "approve", "ann")]
        assert app.counts == scored_store.counts_by_status()


@pytest.mark.asyncio
async def test_all_pending_by_author_hidden_at_once(scored_store: Store, config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.current.author == "Troll"
        await pilot.press("m")
        await settle(app, pilot)
        assert set(app.marked) == {2, 3}
        assert "Marked 2 pending comment(s) by Troll" in str(
            app.query_one("#status-line", Static).render())
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("down", "down", "enter")   # third reason
        await settle(app, pilot)
        assert ids(app) == [5]
        rows = list(scored_store.log_rows(action="hide"))
        assert sorted((r["comment_id"], r["reason"], r["moderator"]) for r in rows) == [
            (2, config.hide_reasons[2], "ann"), (3, config.hide_reasons[2], "ann")]


@pytest.mark.asyncio
async def test_search_text_and_author(scored_store: Store, config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"vermin", "enter")
        await settle(app, pilot)
        assert ids(app) == [5]
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"troll", "enter")
        await settle(app, pilot)
        assert ids(app) == [2, 3]
        assert "search: troll" in str(app.query_one("#filters", Static).render())
        # FTS5 syntax typed by a moderator is searched for as words, never parsed.
        await pilot.press("slash", "ctrl+a", "ctrl+k", *'"AND OR ( NEAR*', "enter")
        await settle(app, pilot)
        assert ids(app) == []
        await pilot.press("c")
        await settle(app, pilot)
        assert ids(app) == [2, 5, 3]


@pytest.mark.asyncio
async def test_status_cycle_and_filters(scored_store: Store, config: Config) -> None:
    from textual.widgets import Input, Select

    from moderation.tui.screens import FilterScreen

    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")                  # approve #2
        await settle(app, pilot)
        await pilot.press("s")                  # approved
        await settle(app, pilot)
        assert app.filter.status == "approved" and ids(app) == [2]
        await pilot.press("s")                  # hidden
        await settle(app, pilot)
        assert ids(app) == []
        await pilot.press("s")                  # all
        await settle(app, pilot)
        assert ids(app) == [2, 5, 3]
        assert [i.status for i in app.items] == ["approved", "pending", "pending"]
        await pilot.press("f")
        await wait_until(app, pilot, lambda: isinstance(app.screen, FilterScreen))
        app.screen.query_one("#f-label", Select).value = "identity_attack"
        await pilot.pause()
        await pilot.click("#f-apply")
        await settle(app, pilot)
        assert app.filter.label == "identity_attack" and ids(app) == [5]
        await pilot.press("f")
        await wait_until(app, pilot, lambda: isinstance(app.screen, FilterScreen))
        app.screen.query_one("#f-label", Select).clear()
        app.screen.query_one("#f-min", Input).value = "1.5"
        await pilot.click("#f-apply")          # out of range: refused, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        assert "from 0 to 1" in str(app.screen.query_one("#f-error", Static).render())
        app.screen.query_one("#f-min", Input).value = "0.85"
        app.screen.query_one("#f-min", Input).focus()
        await pilot.press("enter")             # Enter in a field applies too
        await settle(app, pilot)
        assert (app.filter.min_score, app.filter.label) == (0.85, None)
        assert ids(app) == [2, 5]
        await pilot.press("c", "s")            # clear, then back to pending
        await settle(app, pilot)
        assert app.filter.status == "pending" and ids(app) == [5, 3]


@pytest.mark.asyncio
async def test_thread_and_author_history(scored_store: Store, config: Config) -> None:
    scored_store.record_decision(3, "hide", "bob", reason="abuse")
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert app.current.comment_id == 2
        thread = app.detail.section("thread").plain
        assert "#1 (pending, 0.02) Ann: Great reporting" in thread
        assert "this comment #2" in thread
        assert "#3 (hidden by bob: abuse, 0.81) Troll: Shut up" in thread
        history = app.detail.section("history").plain
        assert "Troll  1 pending · 0 approved · 1 hidden" in history
        assert "#3 (hidden by bob: abuse" in history
        assert "Council votes on the new bridge" in app.detail.section("article").plain


@pytest.mark.asyncio
async def test_live_refresh_and_other_moderator(scored_store: Store, config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann", poll_interval=0.1)
    other = Store(scored_store.path)           # a batch scorer / a second moderator
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(app, pilot)
            assert ids(app) == [2, 5, 3]
            await pilot.press("j")             # look at #5
            other.ingest(ParseResult("text", (Article(title="Later", comments=(
                Comment("Another vile idiot comment.", author="Late", position=0),)),),
                source="later"))
            other.save_scores([(6, Scores({"toxicity": 0.99}, "fixture", "1"))])
            await wait_until(app, pilot, lambda: ids(app)[:1] == [6])
            assert app.current.comment_id == 5   # the cursor stays on the comment being read
            other.record_decision(5, "hide", "bob", reason="hate")
            await wait_until(app, pilot, lambda: 5 in app.elsewhere)
            assert ids(app) == [6, 2, 5, 3]      # still listed, marked as decided by bob
            assert "#5 hidden by bob" in str(app.query_one("#status-line", Static).render())
            reason = app.detail.section("reason").plain
            assert "Decided meanwhile by bob: now hidden" in reason
            await pilot.press("a")               # ann's approve must not overwrite bob's hide
            await settle(app, pilot)
            assert "NOT saved" in str(app.query_one("#status-line", Static).render())
            assert scored_store.status_of(5)[0] == "hidden"
            assert [r["moderator"] for r in scored_store.log_rows()] == ["bob"]
    finally:
        other.close()


@pytest.mark.asyncio
async def test_help_lists_every_key_and_keys_rebind(scored_store: Store) -> None:
    from moderation.config import validate
    from moderation.tui.keys import KEYMAP
    from moderation.tui.screens import HelpScreen

    config = Config(data=validate({"keys": {"approve": "y", "mark": "x"}}))
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("#help-text", Static).render())
        for *_, text, _ in KEYMAP:
            assert text in shown
        assert "  y " in shown and "  x " in shown and "  space " not in shown
        await pilot.press("escape")
        await pilot.press("a")                   # no longer bound
        await settle(app, pilot)
        assert scored_store.status_of(2)[0] == "pending"
        await pilot.press("x", "y")              # mark #2 (cursor moves on), approve it
        await settle(app, pilot)
        assert scored_store.status_of(2)[0] == "approved"


@pytest.mark.asyncio
async def test_quit_saves_the_decision_just_taken(scored_store: Store, config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "j", "a", "q")
        for _ in range(100):
            if not app.is_running:
                break
            await asyncio.sleep(0.02)
        assert not app.is_running
    assert sorted(log_actions(scored_store)) == [(2, "approve", "ann"), (3, "approve", "ann")]



def undone(store: Store) -> list[tuple[int, str]]:
    """Per undo entry, in order: its comment and the action of the entry it undoes."""
    rows = list(store.log_rows())
    by_id = {r["id"]: r for r in rows}
    out = []
    for r in rows:
        if r["action"] == "undo":
            assert by_id[r["undoes"]]["comment_id"] == r["comment_id"]
            out.append((r["comment_id"], by_id[r["undoes"]]["action"]))
    return out


@pytest.mark.asyncio
async def test_undo_after_a_bulk_decision_undoes_the_whole_bulk(scored_store: Store,
                                                                 config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "j", "space", "a")   # bulk: approve #2 and #3
        await settle(app, pilot)
        assert ids(app) == [5]
        await pilot.press("a")                          # then #5 alone
        await settle(app, pilot)
        await pilot.press("u")                          # undoes #5 only
        await settle(app, pilot)
        assert [scored_store.status_of(i)[0] for i in (2, 3, 5)] == ["approved", "approved",
                                                                      "pending"]
        await pilot.press("u")                          # the whole bulk
        await settle(app, pilot)
        assert [scored_store.status_of(i)[0] for i in (2, 3, 5)] == ["pending"] * 3
        assert "Undone: 2 decisions of a bulk, back to pending" in str(
            app.query_one("#status-line", Static).render())
        assert ids(app) == [2, 5, 3]
        await pilot.press("u")
        await settle(app, pilot)
        assert "Nothing to undo." in str(app.query_one("#status-line", Static).render())
    assert log_actions(scored_store) == [
        (2, "approve", "ann"), (3, "approve", "ann"), (5, "approve", "ann"),
        (5, "undo", "ann"), (3, "undo", "ann"), (2, "undo", "ann")]
    assert undone(scored_store) == [(5, "approve"), (3, "approve"), (2, "approve")]
    bulk = {r["comment_id"]: json.loads(r["evidence"]).get("bulk")
            for r in scored_store.log_rows(action="approve")}
    assert bulk[2] == bulk[3] and bulk[2]["size"] == 2 and bulk[5] is None


@pytest.mark.asyncio
async def test_bulk_undo_leaves_what_another_moderator_decided(scored_store: Store,
                                                               config: Config) -> None:
    app = make_app(scored_store, config, moderator="ann")
    other = Store(scored_store.path)           # a second moderator on the same database
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("m")             # every pending comment by Troll: #2 and #3
            await settle(app, pilot)
            await pilot.press("h")
            await pilot.pause()
            await pilot.press("enter")
            await settle(app, pilot)
            assert [scored_store.status_of(i)[0] for i in (2, 3)] == ["hidden", "hidden"]
            other.record_decision(3, "approve", "bob")
            await pilot.press("u")
            await settle(app, pilot)
            line = str(app.query_one("#status-line", Static).render())
            assert "1 NOT undone" in line and "comment 3 was changed by bob" in line
    finally:
        other.close()
    assert scored_store.status_of(2)[0] == "pending"
    assert scored_store.comment(3)["status"] == "approved"
    assert scored_store.comment(3)["decided_by"] == "bob"
    assert log_actions(scored_store) == [(2, "hide", "ann"), (3, "hide", "ann"),
                                         (3, "approve", "bob"), (2, "undo", "ann")]
    assert undone(scored_store) == [(2, "hide")]


BAD_CHARS = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))} - {"\n"}
BAD_CHARS |= {"\u202e", "\u2066", "\u2069", "\u200b", "\u00ad"}


def assert_screen_safe(app) -> str:
    """Everything on screen, as the terminal would get it: no control or bidi character."""
    from textual.widget import Widget

    from moderation.tui.detail import CommentView

    texts = []
    for widget in app.screen.query(Widget):
        if isinstance(widget, Static):
            texts.append(str(widget.render()))
        elif isinstance(widget, CommentView):
            texts.append(widget.plain)
    svg = app.export_screenshot()
    for blob in (*texts, svg):
        bad = sorted({hex(ord(c)) for c in blob if c in BAD_CHARS and c != "\t"})
        assert not bad, bad
    return "\n".join(texts)


@pytest.mark.asyncio
async def test_hostile_text_in_every_widget(store: Store, config: Config) -> None:
    from textual.widgets import Input

    from moderation.tui.screens import FilterScreen, HelpScreen, SearchScreen

    comments = tuple(Comment(t, author=t, position=i) for i, t in enumerate(HOSTILE))
    again = tuple(Comment(t + " again", author=t, position=i) for i, t in enumerate(HOSTILE))
    store.ingest(ParseResult("text", (
        Article(title="[b]t[/b] \x1b]0;x\x07", comments=comments),
        Article(title="[@click=app.quit]art \u202e", comments=again)), source="h"))
    n = 2 * len(HOSTILE)
    store.save_scores([(i + 1, Scores({"toxicity": 0.99 - i / 100}, "m", "1")) for i in range(n)])
    store.record_decision(n, "hide", HOSTILE[3], reason="spam")   # a hostile moderator name
    app = make_app(store, config, moderator="ann")
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(app, pilot)
        assert len(app.items) == n - 1
        seen = ""
        for _ in range(n - 1):
            await settle(app, pilot)
            seen += assert_screen_safe(app)
            for y in range(2, 40, 4):                       # text, thread and history
                await pilot.click("#detail", offset=(6, y))
            await pilot.press("j")
        assert "[@click=app.quit]Read more[/]" in seen
        assert "[ @click=app.quit]x [RED]x[/] [$accent]x \\[ trailing \\" in seen
        assert "␛]0;pwned␇" in seen and "<U+009B>" in seen and "<RLO>" in seen
        thread = app.detail.section("thread").plain
        history = app.detail.section("history").plain
        assert "[/] [0] [bold [[[[ [[self foo] bar]" in thread + history
        await pilot.press("m")                                 # status line: author name
        await settle(app, pilot)
        assert_screen_safe(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert_screen_safe(app)
        await pilot.press("escape", "slash")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        search = app.screen.query_one(Input)
        search.insert_text_at_cursor(HOSTILE[3] + HOSTILE[4])    # pasted escapes
        await pilot.pause()
        assert "␛]0;pwned␇" in search.value and "\x1b" not in search.value
        assert_screen_safe(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert_screen_safe(app)
        await pilot.press("c", "f")
        await wait_until(app, pilot, lambda: isinstance(app.screen, FilterScreen))
        await pilot.click("#f-article")
        await pilot.pause()
        assert_screen_safe(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.is_running
    assert store.comment(4)["text"] == HOSTILE[3]


@pytest.mark.asyncio
async def test_empty_queue_keys_do_nothing(store: Store, config: Config) -> None:
    app = make_app(store, config, moderator="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.items == [] and app.current is None
        assert "The queue is empty." in app.detail.section("comment").plain
        await pilot.press("j", "k", "a", "space", "m", "u", "n", "h", "s", "c")
        await settle(app, pilot)
        assert app.is_running
        assert "Nothing to undo." in str(app.query_one("#status-line", Static).render())
    assert list(store.log_rows()) == []


@pytest.mark.asyncio
async def test_comment_view_scrolls_rewraps_and_starts_at_the_top(store: Store,
                                                                   config: Config) -> None:
    long_text = "\n".join(f"paragraph {n}: the council is wrong about the bridge again"
                          for n in range(80)) + "\nLAST-LINE"
    store.ingest(ParseResult("text", (Article(title="Long", comments=(
        Comment(long_text, author="Verbose", position=0),
        Comment("short and rude, idiot", author="Brief", position=1))),), source="l"))
    store.save_scores([(1, Scores({"toxicity": 0.99}, "m", "1")),
                       (2, Scores({"toxicity": 0.98}, "m", "1"))])
    app = make_app(store, config, moderator="ann")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        view = app.detail
        assert view.comment_id == 1
        assert view.virtual_size.height > view.size.height and view.show_vertical_scrollbar
        assert "LAST-LINE" not in app.export_screenshot()
        view.scroll_end(animate=False)
        await pilot.pause()
        assert "LAST-LINE" in app.export_screenshot()
        height_before = view.virtual_size.height
        await pilot.resize_terminal(80, 30)             # narrower: the lines are wrapped again
        await settle(app, pilot)
        assert view.wrap_width < 60 and view.virtual_size.height > height_before + 60
        await pilot.press("j")
        await settle(app, pilot)
        assert view.comment_id == 2 and view.scroll_y == 0
        assert "short and rude, idiot" in app.export_screenshot().replace("&#160;", " ")
