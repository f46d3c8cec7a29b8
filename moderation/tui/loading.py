"""Loading the queue off the event loop, a page at a time, and keeping it live."""

from __future__ import annotations

import gc
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ScreenStackError
from textual.css.query import NoMatches

from moderation.store.fts import behind_message
from moderation.triage import QueueItem, load_queue
from moderation.tui.queuelist import QueueList
from moderation.tui.render import status_text
from moderation.tui.showing import ShowsComment

PAGE = 500          # rows fetched per page; the next page loads as the cursor nears the end


class LoadsQueue(ShowsComment):
    """Reads the queue in a worker and shows it; reloads when another process wrote (a batch
    scoring beside the app, another moderator), keeping what others decided visible."""

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
        if self.filter.search or self.index_behind:
            # a bulk ingest may have stored comments the search index has not caught up with
            self._post(self._set_index_behind, self.store.search_index_behind())
        # The counts scan every comment: they follow the first page instead of delaying it.
        self._post(self._set_counts, self.store.counts_by_status())

    def _set_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._show_counts()

    def _set_index_behind(self, behind: int) -> None:
        if behind and self.filter.search and behind != self.index_behind:
            self.say(behind_message(behind), "bold yellow")
        self.index_behind = behind
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
            # key in twelve took ~7 ms instead of ~27 ms in bench/queue_latency.py. Collected
            # first, so that no garbage is frozen with them.
            gc.collect()
            gc.freeze()
        self._prepared.clear()  # another process may have changed the threads and histories
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

    def on_queue_list_row_highlighted(self, event: QueueList.RowHighlighted) -> None:
        try:
            shown = self.detail.comment_id
        except (NoMatches, ScreenStackError):
            return  # a highlight delivered while the app closes (quit right after a load)
        if 0 <= event.cursor_row < len(self.items):
            item = self.items[event.cursor_row]
            if item.comment_id != shown:
                self._show_detail(item)
            if (not self.exhausted and not self._loading_more
                    and event.cursor_row >= len(self.items) - 20):
                self._loading_more = True
                self._load_more(len([i for i in self.items if i.comment_id not in self.elsewhere]))


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
