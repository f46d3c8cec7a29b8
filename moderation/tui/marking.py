"""Marks for a bulk decision: one comment at a time, or every pending comment by an author."""

from __future__ import annotations

from rich.text import Text
from textual import work

from moderation.safetext import match_key
from moderation.tui.filtering import FiltersQueue
from moderation.tui.render import safe, shorten


class MarksComments(FiltersQueue):
    """``self.marked`` maps comment id to its revision when marked; a decision takes them all."""

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
