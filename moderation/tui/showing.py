"""The comment shown beside the list, with its thread and author history loaded off the loop."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.worker import get_current_worker

from moderation.safetext import match_key
from moderation.triage import QueueItem
from moderation.tui.core import QueueCore


class ShowsComment(QueueCore):
    """Shows the current comment at once; its thread and the author's history follow from a
    worker, prefetched for the comments next to it so the next one usually paints in one go."""

    def action_next(self) -> None:
        self.table.action_cursor_down()

    def action_previous(self) -> None:
        self.table.action_cursor_up()

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
