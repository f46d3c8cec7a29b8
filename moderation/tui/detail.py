"""The comment view: article, why it was flagged, label bars, the text, thread, author history."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from moderation.triage import QueueItem
from moderation.tui.render import (
    highlighted,
    history_text,
    label_bars,
    safe,
    status_text,
    thread_text,
)

PARTS = ("article", "reason", "bars", "comment", "thread", "history")


class CommentView(VerticalScroll):
    """Everything a moderator needs to decide one comment; every untrusted string as Text."""

    def __init__(self, thresholds: dict[str, float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.thresholds = thresholds
        self.comment_id: int | None = None

    def compose(self) -> ComposeResult:
        for part in PARTS:
            yield Static(id=part)

    def _set(self, part: str, text: Text) -> None:
        widget = self.query_one(f"#{part}", Static)
        if widget.content != text:  # an unchanged section costs no layout pass
            widget.update(text)

    def show(self, item: QueueItem | None, *, marked: bool = False,
             elsewhere: dict[str, Any] | None = None,
             context: tuple[dict[str, Any], dict[str, Any] | None] | None = None) -> None:
        """Show ``item`` at once. Its thread and history come from ``context`` when prefetched,
        else (and then fresh) from a worker through show_context."""
        self.comment_id = item.comment_id if item else None
        if item is None:
            for part in PARTS:
                self._set(part, Text(""))
            self._set("comment", Text("The queue is empty.", style="bold"))
            return
        art = Text("Article: ", style="bold")
        art.append_text(safe(item.article_title or "(untitled)", one_line=True))
        art.append(f"  (article #{item.article_id})", style="dim")
        self._set("article", art)
        why = Text("Why flagged: ", style="bold")
        why.append(item.reason)
        why.append("\nStatus: ", style="bold")
        why.append_text(status_text(item.status, item.decided_by))
        if elsewhere:
            why.append("\nDecided meanwhile by ", style="bold yellow")
            why.append_text(safe(elsewhere.get("moderator") or "someone", "bold yellow",
                                 one_line=True))
            why.append(f": now {elsewhere['status']} ({elsewhere.get('action')})",
                       style="bold yellow")
        if marked:
            why.append("\n● marked for a bulk decision", style="bold cyan")
        self._set("reason", why)
        bars = label_bars(item.labels, self.thresholds)
        bars.rstrip()
        self._set("bars", bars)
        body = Text("By ", style="bold")
        body.append_text(safe(item.author or "(no author)", "bold", one_line=True))
        body.append(f"  #{item.comment_id}\n\n")
        body.append_text(highlighted(item.text, item.spans))
        self._set("comment", body)
        if context is not None:
            self.show_context(item.comment_id, item.author, *context)
        else:
            self._set("thread", Text("Thread: loading…", style="dim"))
            self._set("history", Text("Author history: loading…", style="dim"))
        self.scroll_home(animate=False)

    def show_context(self, comment_id: int, author: str | None, thread: dict[str, Any],
                     history: dict[str, Any] | None) -> None:
        """The thread and the author's history, if still about the comment shown."""
        if comment_id != self.comment_id:
            return
        text = thread_text(thread, comment_id)
        text.rstrip()
        self._set("thread", text)
        self._set("history", history_text(history, author))
