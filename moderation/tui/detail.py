"""The comment view: article, why it was flagged, label bars, the text, thread, author history.

One Line API widget: each section is a Rich ``Text`` wrapped once per width into cached
strips, so showing the next comment re-renders only the sections that changed and never
asks the screen for a layout pass (which re-arranged and repainted every widget). The
sections of the comments next in the queue are built and wrapped in a worker (``prepare``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
    article_text,
    comment_text,
    history_text,
    label_bars,
    reason_text,
    safe,
    thread_text,
)


def scored_by_text(item: QueueItem) -> Text:
    """Which model scored the comment, and in which language it read it."""
    out = Text("\nScored by ", style="dim")
    out.append(safe(item.model or "(not scored)", one_line=True))
    out.append(f" {item.version}" if item.version else "", style="dim")
    out.append(" · language ", style="dim")
    out.append(item.language or "unknown")
    return out


PARTS = ("article", "reason", "bars", "comment", "thread", "history")


def wrap(text: Text, width: int, console: Console) -> list[Strip]:
    """``text`` wrapped to ``width`` cells, one strip per line, styled as a Static shows it."""
    out = []
    for line in text.wrap(console, width, overflow="fold"):
        segments: Iterable[Segment] = line.render(console, end="")
        if line.style:  # the Text's own style, under its spans (render leaves it out)
            segments = Segment.apply_style(segments, console.get_style(line.style))
        out.append(Strip(list(segments), line.cell_len))
    return out


def item_sections(item: QueueItem, thresholds: dict[str, float]) -> dict[str, Text]:
    """The sections that depend on the comment alone (not on its status or marks)."""
    bars = label_bars(item.labels, item.thresholds or thresholds)
    bars.rstrip()
    bars.append_text(scored_by_text(item))
    return {"article": article_text(item), "bars": bars, "comment": comment_text(item)}


@dataclass(frozen=True)
class Prepared:
    """One comment's sections but ``reason`` (which follows the live status), with its thread
    and author history, and their lines at ``width`` (none when the width was unknown)."""

    comment_id: int
    texts: dict[str, Text]
    width: int
    lines: dict[str, list[Strip]]


def prepare(item: QueueItem, thresholds: dict[str, float], thread: dict[str, Any],
            history: dict[str, Any] | None, width: int, console: Console) -> Prepared:
    """Build and wrap a comment's sections; pure, so a worker thread can run it."""
    texts = item_sections(item, thresholds)
    texts["thread"] = thread_text(thread, item.comment_id)
    texts["thread"].rstrip()
    texts["history"] = history_text(history, item.author)
    texts["history"].rstrip()
    lines = {part: wrap(text, width, console) for part, text in texts.items()} if width > 0 else {}
    return Prepared(item.comment_id, texts, width, lines)


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


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
        # Per section, its lines at ``wrap_width`` (no base style yet); None when to be wrapped.
        self._wrapped: dict[str, list[Strip] | None] = dict.fromkeys(PARTS)
        self.wrap_width = 0
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

    def show(self, item: QueueItem | None, *, marked: bool = False,
             elsewhere: dict[str, Any] | None = None, prepared: Prepared | None = None) -> None:
        """Show ``item`` at once. Its thread and history come with ``prepared`` (prefetched),
        else later (and then fresh) from a worker through show_prepared."""
        new = (item.comment_id if item else None) != self.comment_id
        self.comment_id = item.comment_id if item else None
        if item is None:
            for part in PARTS:
                self._set(part, Text(""))
            self._set("comment", Text("The queue is empty.", style="bold"))
        elif prepared is not None and prepared.comment_id == item.comment_id:
            self._set_prepared(prepared)
        else:
            for part, text in item_sections(item, self.thresholds).items():
                self._set(part, text)
            self._set("thread", Text("Thread: loading…", style="dim"))
            self._set("history", Text("Author history: loading…", style="dim"))
        if item is not None:
            self._set("reason", reason_text(item, marked=marked, elsewhere=elsewhere))
        self._rebuild(home=new)

    def show_prepared(self, prepared: Prepared) -> None:
        """Sections built by a worker, if still about the comment shown."""
        if prepared.comment_id == self.comment_id and self._set_prepared(prepared):
            self._rebuild(home=False)

    def _set(self, part: str, text: Text, lines: list[Strip] | None = None) -> bool:
        if _same(self._parts[part], text):
            return False  # an unchanged section keeps its wrapped strips
        self._parts[part] = text
        self._wrapped[part] = lines
        return True

    def _set_prepared(self, prepared: Prepared) -> bool:
        lines = prepared.lines if prepared.width == self.wrap_width else {}
        changed = False
        for part, text in prepared.texts.items():
            changed = self._set(part, text, lines.get(part)) or changed
        return changed

    # -- lines ----------------------------------------------------------------------------

    def _rebuild(self, *, home: bool) -> None:
        """Wrap what changed, join the sections with a blank line, repaint this widget only."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out yet: on_resize builds the lines
        if width != self.wrap_width:
            self.wrap_width = width
            self._wrapped = dict.fromkeys(PARTS)
        console = self.app.console
        lines: list[Strip] = []
        for part in PARTS:
            text = self._parts[part]
            if not text.plain:
                continue
            wrapped = self._wrapped[part]
            if wrapped is None:
                wrapped = self._wrapped[part] = wrap(text, width, console)
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
        base = self.rich_style  # walks every ancestor's styles: once per paint, not per line
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
