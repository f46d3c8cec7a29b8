"""ModerationApp: the queue of flagged comments, worst first, decided from the keyboard."""

from __future__ import annotations

import gc
import queue
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from moderation import actions
from moderation.actions import BulkResult
from moderation.config import QUEUE_STATUSES, Config
from moderation.errors import ModerationError
from moderation.safetext import match_key, visible
from moderation.store import Store
from moderation.triage import QueueFilter, QueueItem, load_queue
from moderation.tui import keys
from moderation.tui.detail import CommentView
from moderation.tui.queuelist import QueueList
from moderation.tui.render import safe, shorten, status_text
from moderation.tui.screens import FilterScreen, HelpScreen, NoteScreen, ReasonScreen, SearchScreen

PAGE = 500          # rows fetched per page; the next page loads as the cursor nears the end
POLL_S = 2.0        # how often the app checks whether another process changed the database
NEW_STATUS = {"approve": "approved", "hide": "hidden"}


class ModerationApp(App[None]):
    """The queue. Receives its store and config; SQL stays in the store, work off the loop."""

    CSS_PATH = "app.tcss"
    TITLE = "moderation"
    BINDINGS = keys.bindings()

    def __init__(self, store: Store, config: Config, *, status: str | None = None,
                 moderator: str | None = None, poll_interval: float = POLL_S) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self.moderator = moderator or config.moderator()
        self.poll_interval = poll_interval
        self.filter = QueueFilter(status=status or str(config.data["queue"]["status"]),
                                  flagged_only=bool(config.data["queue"]["flagged_only"]))
        self.items: list[QueueItem] = []
        self.counts: dict[str, int] = {}
        self.marked: dict[int, int | None] = {}       # comment id -> revision when marked
        self.elsewhere: dict[int, dict[str, Any]] = {}  # decided by someone else meanwhile
        self.exhausted = True
        self.loads = 0                                 # queue loads shown (tests, bench)
        self._marker: int | None = None
        # Thread and author history by comment id: the shown one and the next few, prefetched.
        self._ctx_cache: dict[int, tuple[dict[str, Any], dict[str, Any] | None]] = {}
        self._loading_more = False
        self._jobs: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self.set_keymap(keys.keymap(config.keys))

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="filters")
        with Horizontal():
            with Vertical(id="list-pane"):
                yield Static(Text("  score flag           author       comment", style="bold"),
                             id="list-header")
                yield QueueList(id="queue")
            yield CommentView(self.config.thresholds, id="detail")
        yield Static(id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "moderator: " + visible(self.moderator, keep_newlines=False)
        self._writer_worker = self._writer()
        self.reload()
        self.set_interval(self.poll_interval, self._poll)

    def on_unmount(self) -> None:
        gc.unfreeze()

    @property
    def table(self) -> QueueList:
        return self.query_one("#queue", QueueList)

    @property
    def detail(self) -> CommentView:
        return self.query_one("#detail", CommentView)

    def _post(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        """Run ``fn`` on the event loop from a worker thread."""
        try:
            self.call_from_thread(fn, *args, **kwargs)
        except RuntimeError:
            # The app has already closed its loop (quit while a worker finished): the
            # database work is done, only its on-screen echo is lost.
            return

    # -- loading (off the event loop) -----------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def reload(self, keep_id: int | None = None, *, live: bool = False) -> None:
        marker = self.store.change_marker()
        items = load_queue(self.store, self.config.thresholds, self.filter, limit=PAGE)
        gone: dict[int, dict[str, Any]] = {}
        if live:
            new_ids = {i.comment_id for i in items}
            missing = [i.comment_id for i in list(self.items) if i.comment_id not in new_ids]
            gone = {cid: st for cid, st in self.store.decision_states(missing).items()
                    if st["moderator"] not in (None, self.moderator)}
        self._post(self._show_items, items, keep_id, gone, marker)
        # The counts scan every comment: they follow the first page instead of delaying it.
        self._post(self._set_counts, self.store.counts_by_status())

    def _set_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._show_counts()

    def _show_items(self, items: list[QueueItem], keep_id: int | None,
                    gone: dict[int, dict[str, Any]], marker: int) -> None:
        self._marker = marker
        self.exhausted = len(items) < PAGE
        keep_row = max(self.table.cursor_row, 0)
        if gone:
            # Comments decided by another moderator stay where they were, marked as such
            # (until a manual reload), so that nobody's decision vanishes unseen.
            merged = list(items)
            for idx, old in enumerate(self.items):
                if old.comment_id in gone:
                    merged.insert(min(idx, len(merged)), old)
            news = {k: v for k, v in gone.items() if k not in self.elsewhere}
            if news:
                self.say_text(_elsewhere_message(news), "bold yellow")
            items = merged
        same = ([_sig(i) for i in items] == [_sig(i) for i in self.items]
                and gone.keys() == self.elsewhere.keys())
        self.elsewhere = gone
        self.loads += 1
        if self.loads == 1:
            # Startup's objects (modules, styles, the first page) live as long as the app. Out
            # of the collector's sight, the full collection that lands on about one decision
            # key in twelve took ~7 ms instead of ~27 ms in bench/queue_latency.py.
            gc.freeze()
        self._ctx_cache.clear()  # another process may have changed the threads and histories
        self.items = items
        self._show_counts()
        if same and items:
            return
        table = self.table
        table.clear()
        table.add_rows([(self._row_text(item), str(item.comment_id)) for item in items])
        if not items:
            self._show_detail(None)
            return
        ids = [i.comment_id for i in items]
        row = ids.index(keep_id) if keep_id in ids else min(keep_row, len(items) - 1)
        table.move_cursor(row=row, animate=False)
        self._show_detail(items[row])

    def _row_text(self, item: QueueItem) -> Text:
        if item.comment_id in self.elsewhere:
            st = self.elsewhere[item.comment_id]
            flag = status_text(st["status"], st["moderator"])
            flag.stylize("bold yellow")
        elif self.filter.status == "all" or item.status != "pending":
            flag = status_text(item.status)
        else:
            flag = Text(item.flagged[0] if item.flagged else item.reason.split(":")[0])
        row = Text("●" if item.comment_id in self.marked else " ", style="bold cyan")
        row.append(f" {item.score:.2f} " if item.score is not None else "   —  ")
        flag.truncate(14, pad=True)
        row.append_text(flag)
        row.append(" ")
        author = safe(shorten(item.author or "—", 12), one_line=True)
        author.truncate(12, pad=True)
        row.append_text(author)
        row.append(" ")
        row.append_text(safe(shorten(item.text, 100), one_line=True))
        row.no_wrap = True
        return row

    def _refresh_row(self, item: QueueItem) -> None:
        key = str(item.comment_id)
        if key in self.table.rows:
            self.table.update_row(key, self._row_text(item))

    @work(thread=True, exclusive=True, group="more")
    def _load_more(self, offset: int) -> None:
        items = load_queue(self.store, self.config.thresholds, self.filter, limit=PAGE,
                           offset=offset)
        self._post(self._append_items, items)

    def _append_items(self, items: list[QueueItem]) -> None:
        self._loading_more = False
        self.exhausted = len(items) < PAGE
        known = {i.comment_id for i in self.items}
        for item in items:
            if item.comment_id not in known:
                self.items.append(item)
                self.table.add_row(self._row_text(item), key=str(item.comment_id))
        self._show_counts()

    def _poll(self) -> None:
        """Timer: a cheap change check in a worker; reload only when another process wrote."""
        if self._marker is not None:
            self._check_changes()

    @work(thread=True, exclusive=True, group="poll")
    def _check_changes(self) -> None:
        if self.store.change_marker() != self._marker:
            current = self.current
            self._post(self.reload, current.comment_id if current else None, live=True)

    # -- what is shown --------------------------------------------------------------------

    @property
    def current(self) -> QueueItem | None:
        row = self.table.cursor_row
        if not self.items or row < 0 or row >= len(self.items):
            return None
        return self.items[row]

    def on_queue_list_row_highlighted(self, event: QueueList.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.items):
            item = self.items[event.cursor_row]
            if item.comment_id != self.detail.comment_id:
                self._show_detail(item)
            if (not self.exhausted and not self._loading_more
                    and event.cursor_row >= len(self.items) - 20):
                self._loading_more = True
                self._load_more(len([i for i in self.items if i.comment_id not in self.elsewhere]))

    def _show_detail(self, item: QueueItem | None) -> None:
        """Show a comment; its thread and history come from the prefetch cache when there,
        so that the next comment usually paints in one pass, and are then reloaded fresh."""
        cached = self._ctx_cache.get(item.comment_id) if item else None
        self.detail.show(item, marked=item is not None and item.comment_id in self.marked,
                         elsewhere=self.elsewhere.get(item.comment_id) if item else None,
                         context=cached)
        if item is not None:
            row = self.table.cursor_row
            ahead = [i for i in self.items[row + 1:row + 3] + self.items[max(row - 1, 0):row]
                     if i.comment_id not in self._ctx_cache and i.comment_id != item.comment_id]
            self._load_context(item, ahead)

    def _context_of(self, item: QueueItem) -> tuple[dict[str, Any], dict[str, Any] | None]:
        thread = self.store.thread_context(item.comment_id)
        norm = match_key(item.author)
        history = self.store.author_history(norm, exclude_id=item.comment_id) if norm else None
        return thread, history

    @work(thread=True, exclusive=True, group="context")
    def _load_context(self, item: QueueItem, ahead: list[QueueItem]) -> None:
        context = self._context_of(item)
        self._post(self._got_context, item, context, shown=True)
        for other in ahead:
            if get_current_worker().is_cancelled:
                return
            self._post(self._got_context, other, self._context_of(other), shown=False)

    def _got_context(self, item: QueueItem,
                     context: tuple[dict[str, Any], dict[str, Any] | None], *,
                     shown: bool) -> None:
        self._ctx_cache[item.comment_id] = context
        while len(self._ctx_cache) > 64:
            self._ctx_cache.pop(next(iter(self._ctx_cache)))
        if shown:
            self.detail.show_context(item.comment_id, item.author, *context)

    def _show_counts(self) -> None:
        # Counts live in this one-line bar, not the title: updating it needs no layout pass.
        f = self.filter
        line = Text(" · ".join(f"{n} {s}" for s, n in self.counts.items()) or "counting…")
        line.append(" │ ", style="dim")
        line.append(f"Showing {f.status}", style="bold")
        line.append(" flagged" if f.flagged_only else " scored")
        if f.label:
            line.append(f" · label {f.label}")
        if f.article_id is not None:
            line.append(f" · article #{f.article_id}")
        if f.min_score is not None or f.max_score is not None:
            line.append(f" · score {f.min_score or 0:g}–{1 if f.max_score is None else f.max_score:g}")
        if f.search:
            line.append(" · search: ")
            line.append_text(safe(f.search, "italic", one_line=True))
        line.append(f" · {len(self.items)}{'' if self.exhausted else '+'} comments")
        if self.marked:
            line.append(f" · {len(self.marked)} marked", style="bold cyan")
        self.query_one("#filters", Static).update(line, layout=False)  # always one line

    def say(self, message: str, style: str = "") -> None:
        """Status line; ``message`` may carry names from the database, so it is shown literally."""
        self.say_text(safe(message, style, one_line=True))

    def say_text(self, text: Text, style: str = "") -> None:
        if style:
            text.stylize(style)
        self.query_one("#status-line", Static).update(text, layout=False)  # always one line

    # -- navigation, filters, search ------------------------------------------------------

    def action_next(self) -> None:
        self.table.action_cursor_down()

    def action_previous(self) -> None:
        self.table.action_cursor_up()

    def action_help(self) -> None:
        ours = {bid: n for n, (bid, *_) in enumerate(keys.KEYMAP)}
        found: dict[str, list[str]] = {}
        for active in self.active_bindings.values():
            b = active.binding
            if b.id in ours:
                found.setdefault(b.id, []).append(self.get_key_display(b))
        rows = [(" ".join(sorted(set(found[bid]))), text)
                for bid, _, _, _, text, _ in keys.KEYMAP if bid in found]
        self.push_screen(HelpScreen(rows))

    def action_refresh(self) -> None:
        self.elsewhere = {}
        current = self.current
        self.reload(current.comment_id if current else None)

    def _refilter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self.elsewhere = {}
        self.items = []
        self.reload()

    def action_cycle_status(self) -> None:
        nxt = QUEUE_STATUSES[(QUEUE_STATUSES.index(self.filter.status) + 1) % len(QUEUE_STATUSES)]
        self._refilter(status=nxt)

    def action_clear(self) -> None:
        self._refilter(search=None, label=None, article_id=None, min_score=None, max_score=None,
                       flagged_only=bool(self.config.data["queue"]["flagged_only"]))

    def action_search(self) -> None:
        def searched(term: str | None) -> None:
            if term is not None:
                self._refilter(search=term or None)

        self.push_screen(SearchScreen(self.filter.search), searched)

    @work(thread=True, group="filter")
    def action_filter(self) -> None:
        articles = self.store.article_choices()
        self._post(self._open_filter, articles)

    def _open_filter(self, articles: list[dict[str, Any]]) -> None:
        f = self.filter
        current = {"label": f.label, "article_id": f.article_id, "min_score": f.min_score,
                   "max_score": f.max_score, "flagged_only": f.flagged_only}

        def chosen(values: dict[str, Any] | None) -> None:
            if values is not None:
                self._refilter(**values)

        self.push_screen(FilterScreen(sorted(self.config.thresholds), articles, current), chosen)

    # -- marks ----------------------------------------------------------------------------

    def action_mark(self) -> None:
        item = self.current
        if item is None:
            return
        if self.marked.pop(item.comment_id, "absent") == "absent":
            self.marked[item.comment_id] = item.revision
        self._refresh_row(item)
        self._show_counts()
        if self.table.cursor_row < len(self.items) - 1:
            self.action_next()
        else:
            self._show_detail(item)

    @work(thread=True, group="mark")
    def action_mark_author(self) -> None:
        item = self.current
        norm = match_key(item.author) if item else None
        if item is None or norm is None:
            self._post(self.say, "This comment has no author name to match.")
            return
        self._post(self._mark_many, self.store.pending_by_author(norm), item.author or "")

    def _mark_many(self, targets: list[tuple[int, int]], author: str) -> None:
        shown = {i.comment_id: i for i in self.items}
        for cid, revision in targets:
            self.marked.setdefault(cid, revision)
            if cid in shown:
                self._refresh_row(shown[cid])
        msg = Text(f"Marked {len(targets)} pending comment(s) by ")
        msg.append_text(safe(shorten(author, 40), "bold", one_line=True))
        msg.append(f" ({sum(c in shown for c, _ in targets)} in this view); "
                   "approve or hide decides them all.")
        self.say_text(msg)
        self._show_counts()
        if self.current:
            self._show_detail(self.current)

    # -- decisions (saved in order by one writer thread) ----------------------------------

    def action_approve(self) -> None:
        self._apply("approve")

    def action_hide(self) -> None:
        if self.current is None and not self.marked:
            return

        def chosen(reason: str | None) -> None:
            if reason:
                self._apply("hide", reason=reason)

        self.push_screen(ReasonScreen(self.config.hide_reasons), chosen)

    def action_note(self) -> None:
        item = self.current
        if item is None:
            return

        def typed(note: str | None) -> None:
            if note:
                self._jobs.put(("decide", [(item.comment_id, None)], "note", None, note))

        self.push_screen(NoteScreen(), typed)

    def action_undo(self) -> None:
        self._jobs.put(("undo",))

    def _apply(self, action: str, *, reason: str | None = None) -> None:
        """Decide the marked comments, else the current one: shown at once, saved behind."""
        if self.marked:
            targets = list(self.marked.items())
            self.marked = {}
        elif (item := self.current) is not None:
            targets = [(item.comment_id, item.revision)]
        else:
            return
        if self.filter.status not in ("all", NEW_STATUS[action]):
            self._drop_rows({cid for cid, _ in targets})
        elif len(targets) > 1:
            for it in self.items:
                self._refresh_row(it)
        self._jobs.put(("decide", targets, action, reason, None))
        self._show_counts()

    def _drop_rows(self, ids: set[int]) -> None:
        """Take decided comments out of the list and show the next one, before the save."""
        current = self.current
        old = self.items
        self.items = [i for i in old if i.comment_id not in ids]
        self.table.remove_rows({str(cid) for cid in ids})
        if not self.items:
            self._show_detail(None)
            return
        nxt: QueueItem | None = None
        if current is not None:
            start = old.index(current)
            nxt = next((i for i in old[start:] if i.comment_id not in ids), None)
        nxt = nxt or self.items[-1]
        row = self.items.index(nxt)
        self.table.move_cursor(row=row, animate=False)
        if self.detail.comment_id != nxt.comment_id:
            self._show_detail(nxt)

    @work(thread=True, group="writer", name="writer")
    def _writer(self) -> None:
        """Save decisions one after another, so an undo never overtakes the decision it undoes.

        On cancellation (the app closing) it still saves what was already queued."""
        worker = get_current_worker()
        while True:
            try:
                job = self._jobs.get(timeout=0.1)
            except queue.Empty:
                if worker.is_cancelled:
                    return
                continue
            if job is None:
                self._jobs.task_done()
                self._post(self.exit)
                return
            try:
                if job[0] == "undo":
                    self._undo()
                else:
                    _, targets, action, reason, note = job
                    res = actions.decide_many(self.store, targets, action, self.moderator,
                                              self.config.thresholds, reason=reason, note=note)
                    self._post(self._saved, res, action)
            except ModerationError as exc:
                self._post(self.say, f"Error: {exc}", "bold red")
                self._post(self.action_refresh)
            finally:
                self._jobs.task_done()

    def _undo(self) -> None:
        try:
            res = actions.undo_last(self.store, self.moderator, self.config.thresholds)
        except ModerationError as exc:
            self._post(self.say, f"Undo refused: {exc}", "bold yellow")
            return
        if res is None:
            self._post(self.say, "Nothing to undo.")
            return
        self._post(self.say, f"Undone: #{res.comment_id} back to {res.new_status} "
                             f"(log entry {res.log_id})")
        self._post(self.reload, res.comment_id)

    def _saved(self, res: BulkResult, action: str) -> None:
        by_id = {i.comment_id: n for n, i in enumerate(self.items)}
        for r in res.done:
            if r.prev_status != r.new_status and r.prev_status in self.counts:
                self.counts[r.prev_status] -= 1
                self.counts[r.new_status] = self.counts.get(r.new_status, 0) + 1
            if r.comment_id in by_id:
                n = by_id[r.comment_id]
                self.items[n] = replace(self.items[n], status=r.new_status, revision=r.revision,
                                        decided_by=self.moderator)
                self._refresh_row(self.items[n])
                if self.detail.comment_id == r.comment_id:
                    self._show_detail(self.items[n])
        if len(res.done) == 1 and not res.refused:
            r = res.done[0]
            msg = f"#{r.comment_id}: {r.prev_status} → {r.new_status} ({action})"
        else:
            msg = f"{action}: {len(res.done)} saved"
        if res.refused:
            msg += f"; {len(res.refused)} NOT saved: " + "; ".join(m for _, m in res.refused[:3])
            self.say(msg, "bold yellow")
            self.action_refresh()
        else:
            self.say(msg)
        self._show_counts()

    def action_quit(self) -> None:  # type: ignore[override]
        """Leave once every queued decision is saved."""
        if not self._writer_worker.is_running:
            self.exit()
            return
        if not self._jobs.empty():
            self.say(f"Saving {self._jobs.qsize()} decision(s) before quitting…")
        self._jobs.put(None)


def _sig(item: QueueItem) -> tuple[Any, ...]:
    return (item.comment_id, item.status, item.revision, item.score)


def _elsewhere_message(gone: dict[int, dict[str, Any]]) -> Text:
    out = Text("Decided meanwhile by another moderator: ")
    for n, (cid, st) in enumerate(sorted(gone.items())[:5]):
        out.append(f"{', ' if n else ''}#{cid} ")
        out.append_text(status_text(st["status"], st["moderator"]))
    if len(gone) > 5:
        out.append(f" and {len(gone) - 5} more")
    return out


def make_app(store: Store, config: Config, *, status: str | None = None,
             moderator: str | None = None, poll_interval: float = POLL_S) -> ModerationApp:
    """Build the queue app with its dependencies (used by the CLI and the tests)."""
    return ModerationApp(store, config, status=status, moderator=moderator,
                         poll_interval=poll_interval)
