"""The comment view: article, why it was flagged, label bars, the text, thread, author history.

One Line API widget: each section is a Rich ``Text`` wrapped once per width into cached
strips, so showing the next comment re-renders only the sections that changed and never
asks the screen for a layout pass (which re-arranged and repainted every widget).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

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


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


def wrap(text: Text, width: int, console: Console) -> list[Strip]:
    """``text`` wrapped to ``width`` cells, one strip per line, styled as a Static shows it."""
    out = []
    for line in text.wrap(console, width, overflow="fold"):
        segments: Iterable[Segment] = line.render(console, end="")
        if line.style:  # the Text's own style, under its spans (render leaves it out)
            segments = Segment.apply_style(segments, console.get_style(line.style))
        out.append(Strip(list(segments), line.cell_len))
    return out


class CommentView(ScrollView, can_focus=True):
    """Everything a moderator needs to decide one comment; every untrusted string as Text."""

    DEFAULT_CSS = """
    CommentView { overflow-x: hidden; scrollbar-gutter: stable; scrollbar-size-vertical: 1; }
    """

    def __init__(self, thresholds: dict[str, float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.thresholds = thresholds
        self.comment_id: int | None = None
        self._parts: dict[str, Text] = {part: Text() for part in PARTS}
        # Per section, its lines at ``_width`` (no base style yet); None when to be wrapped.
        self._wrapped: dict[str, list[Strip] | None] = dict.fromkeys(PARTS)
        self._width = 0
        self._lines: list[Strip] = []
        self._styled: dict[int, Strip] = {}   # line index -> strip with the widget's style
        self._base: Style = Style()

    # -- what the app and the tests read ------------------------------------------------

    def section(self, part: str) -> Text:
        """The Text of one section (``article``, ``reason``, ``bars``, ``comment``, ...)."""
        return self._parts[part]

    @property
    def plain(self) -> str:
        """Every section as plain text, as shown (before wrapping)."""
        return "\n\n".join(t.plain for t in self._parts.values() if t.plain)

    # -- content ------------------------------------------------------------------------

    def _set(self, part: str, text: Text) -> bool:
        if _same(self._parts[part], text):
            return False  # an unchanged section keeps its wrapped strips
        self._parts[part] = text
        self._wrapped[part] = None
        return True

    def show(self, item: QueueItem | None, *, marked: bool = False,
             elsewhere: dict[str, Any] | None = None,
             context: tuple[dict[str, Any], dict[str, Any] | None] | None = None) -> None:
        """Show ``item`` at once. Its thread and history come from ``context`` when prefetched,
        else (and then fresh) from a worker through show_context."""
        new = (item.comment_id if item else None) != self.comment_id
        self.comment_id = item.comment_id if item else None
        if item is None:
            for part in PARTS:
                self._set(part, Text(""))
            self._set("comment", Text("The queue is empty.", style="bold"))
            self._rebuild(home=new)
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
            self._set_context(item.comment_id, item.author, *context)
        else:
            self._set("thread", Text("Thread: loading…", style="dim"))
            self._set("history", Text("Author history: loading…", style="dim"))
        self._rebuild(home=new)

    def show_context(self, comment_id: int, author: str | None, thread: dict[str, Any],
                     history: dict[str, Any] | None) -> None:
        """The thread and the author's history, if still about the comment shown."""
        if comment_id == self.comment_id and self._set_context(comment_id, author, thread,
                                                               history):
            self._rebuild(home=False)

    def _set_context(self, comment_id: int, author: str | None, thread: dict[str, Any],
                     history: dict[str, Any] | None) -> bool:
        text = thread_text(thread, comment_id)
        text.rstrip()
        changed = self._set("thread", text)
        hist = history_text(history, author)
        hist.rstrip()
        return self._set("history", hist) or changed

    # -- lines ----------------------------------------------------------------------------

    def _rebuild(self, *, home: bool) -> None:
        """Wrap what changed, join the sections with a blank line, repaint this widget only."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out yet: on_resize builds the lines
        if width != self._width:
            self._width = width
            self._wrapped = dict.fromkeys(PARTS)
        console = self.app.console
        lines: list[Strip] = []
        for part in PARTS:
            text = self._parts[part]
            if not text.plain:
                continue
            wrapped = self._wrapped[part]
            if wrapped is None:
                wrapped = wrap(text, width, console)
                self._wrapped[part] = wrapped
            if lines:
                lines.append(Strip.blank(width))
            lines.extend(wrapped)
        self._lines = lines
        self._styled = {}
        size = Size(width, len(lines))
        if size != self.virtual_size:
            # Set without the reactive's layout request: this widget's own region does not
            # change, only its scrollbar (which re-arranges itself when it appears or goes).
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        if home and self.scroll_y:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    def on_resize(self) -> None:
        self._rebuild(home=False)

    def render_lines(self, crop: Region) -> list[Strip]:
        base = self.rich_style  # once per paint, not once per line
        if base != self._base:
            self._base, self._styled = base, {}
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = y + self.scroll_offset.y
        strip = self._styled.get(index)
        if strip is None:
            if index < len(self._lines):
                strip = self._lines[index].crop_extend(0, width, None).apply_style(self._base)
            else:
                strip = Strip([Segment(" " * max(width, 0), self._base)], max(width, 0))
            self._styled[index] = strip
        return strip
