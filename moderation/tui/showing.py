"""The comment shown beside the list, with its thread and author history loaded off the loop."""

from __future__ import annotations

from textual import work
from textual.worker import get_current_worker

from moderation.safetext import match_key
from moderation.triage import QueueItem
from moderation.tui.core import QueueCore
from moderation.tui.detail import Prepared, prepare

# Comments whose sections are kept ready: the shown one, the two after it, the one before,
# and a few just left. Each holds a few hundred objects that every full collection scans.
PREPARED_KEPT = 8


class ShowsComment(QueueCore):
    """Shows the current comment at once; its thread and the author's history follow from a
    worker, prefetched for the comments next to it so the next one usually paints in one go."""

    def action_next(self) -> None:
        self.table.action_cursor_down()

    def action_previous(self) -> None:
        self.table.action_cursor_up()

    def _show_detail(self, item: QueueItem | None) -> None:
        """Show a comment. Its sections come from the prefetch cache when there, so that the
        next comment usually paints in one pass; then, once the screen is painted, a worker
        reads it again fresh and prepares the comments next to it."""
        prepared = self._prepared.get(item.comment_id) if item else None
        self.detail.show(item, marked=item is not None and item.comment_id in self.marked,
                         elsewhere=self.elsewhere.get(item.comment_id) if item else None,
                         prepared=prepared)
        if item is not None:
            row = self.table.cursor_row
            ahead = [i for i in self.items[row + 1:row + 3] + self.items[max(row - 1, 0):row]
                     if i.comment_id not in self._prepared and i.comment_id != item.comment_id]
            # After the paint: the worker's Python work would otherwise hold the GIL against it.
            self.call_after_refresh(self._load_context, item, ahead, self.detail.wrap_width)

    def _prepare(self, item: QueueItem, width: int) -> Prepared:
        """In a worker: the comment's thread and author history read, its sections built."""
        thread = self.store.thread_context(item.comment_id)
        norm = match_key(item.author)
        history = self.store.author_history(norm, exclude_id=item.comment_id) if norm else None
        return prepare(item, self.config.thresholds, thread, history, width, self.console)

    @work(thread=True, exclusive=True, group="context")
    def _load_context(self, item: QueueItem, ahead: list[QueueItem], width: int) -> None:
        self._post(self._got_prepared, self._prepare(item, width), shown=True)
        for other in ahead:
            if get_current_worker().is_cancelled:
                return
            self._post(self._got_prepared, self._prepare(other, width), shown=False)

    def _got_prepared(self, prepared: Prepared, *, shown: bool) -> None:
        self._prepared.pop(prepared.comment_id, None)  # re-read: now the newest
        self._prepared[prepared.comment_id] = prepared
        while len(self._prepared) > PREPARED_KEPT:
            self._prepared.pop(next(iter(self._prepared)))
        if shown:
            self.detail.show_prepared(prepared)
