"""The queue app's shared state: store, config, the rows, what is marked, the two status lines."""

from __future__ import annotations

import queue
from typing import Any

from rich.text import Text
from textual.app import App
from textual.widgets import Static

from moderation.config import Config
from moderation.store import Store
from moderation.triage import QueueFilter, QueueItem
from moderation.tui import keys
from moderation.tui.detail import CommentView, Prepared
from moderation.tui.queuelist import QueueList
from moderation.tui.render import safe, shorten, status_text

POLL_S = 2.0        # how often the app checks whether another process changed the database


class QueueCore(App[None]):
    """State every part of the queue shares, and the helpers they all use; no actions here."""

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
        self.index_behind = 0                          # comments the search index lacks
        self.loads = 0                                 # queue loads shown (tests, bench)
        self._marker: int | None = None
        # The comment view's sections by comment id: the shown one and the next few, prefetched.
        self._prepared: dict[int, Prepared] = {}
        self._loading_more = False
        self._jobs: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self.set_keymap(keys.keymap(config.keys))

    # -- widgets and threads --------------------------------------------------------------

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

    # -- what the parts share ------------------------------------------------------------

    @property
    def current(self) -> QueueItem | None:
        row = self.table.cursor_row
        if not self.items or row < 0 or row >= len(self.items):
            return None
        return self.items[row]

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
            if self.index_behind:
                line.append(f" (index {self.index_behind:,} behind: may be incomplete)",
                            style="bold yellow")
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
