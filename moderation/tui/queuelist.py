"""QueueList: the queue's rows as a Line API widget, one cached strip per row.

DataTable repaints every visible cell whenever any row changes; here a decision that removes
a row re-crops cached strips, so the next comment shows in a few milliseconds even with a
full screen of rows and a busy machine.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


class QueueList(ScrollView, can_focus=True):
    """Rows of pre-rendered, untrusted-safe ``Text``; a row cursor; keyed like DataTable."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"queue-list--cursor"}
    DEFAULT_CSS = """
    QueueList { background: $surface; }
    QueueList > .queue-list--cursor { background: $accent 50%; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    class RowHighlighted(Message):
        """The cursor moved to ``cursor_row``."""

        def __init__(self, cursor_row: int) -> None:
            super().__init__()
            self.cursor_row = cursor_row

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._keys: list[str] = []
        self.rows: dict[str, Text] = {}
        self._cache: dict[tuple[str, int, bool, Style], Strip] = {}
        self.cursor_row = 0
        self._base = Style()

    # -- the DataTable-like surface the app uses ----------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        self._keys, self.rows, self._cache = [], {}, {}
        self.cursor_row = 0
        self._resized()

    def add_row(self, text: Text, *, key: str) -> None:
        self.add_rows([(text, key)])

    def add_rows(self, rows: list[tuple[Text, str]]) -> None:
        for text, key in rows:
            self._keys.append(key)
            self.rows[key] = text
        self._resized()

    def on_resize(self) -> None:
        self._cache = {}  # keyed by width: old widths would only pile up

    def update_row(self, key: str, text: Text) -> None:
        self.rows[key] = text
        for cached in [k for k in self._cache if k[0] == key]:
            del self._cache[cached]
        if key in self.rows:
            self._refresh_row(self._keys.index(key))

    def remove_rows(self, keys: set[str]) -> None:
        self._keys = [k for k in self._keys if k not in keys]
        for key in keys:
            self.rows.pop(key, None)
        self._cache = {k: v for k, v in self._cache.items() if k[0] not in keys}
        # The virtual height does not shrink here: a new height is a layout pass for the
        # whole screen, and a decision should repaint the list, not re-arrange the screen.
        self._resized(shrink=False)

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        old = self.cursor_row
        self.cursor_row = max(0, min(row, len(self._keys) - 1))
        self._scroll_to_cursor()
        self._refresh_row(old)
        self._refresh_row(self.cursor_row)
        if self._keys:
            self.post_message(self.RowHighlighted(self.cursor_row))

    def action_cursor_down(self) -> None:
        if self.cursor_row < len(self._keys) - 1:
            self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        if self.cursor_row > 0:
            self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(self.size.height - 1, 1))

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(self.size.height - 1, 1))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def on_click(self, event: events.Click) -> None:
        self.focus()
        row = event.y + self.scroll_offset.y
        if 0 <= row < len(self._keys):
            self.move_cursor(row=row)

    # -- painting -------------------------------------------------------------------------

    def _resized(self, *, shrink: bool = True) -> None:
        height = len(self._keys)
        if shrink or height > self.virtual_size.height or self.virtual_size.width != self.size.width:
            self.virtual_size = Size(self.size.width, height)
        if self._keys and self.cursor_row >= len(self._keys):
            self.cursor_row = len(self._keys) - 1
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        top, height = self.scroll_offset.y, max(self.size.height, 1)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)

    def _refresh_row(self, row: int) -> None:
        y = row - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style  # walks every ancestor's styles: once per paint, not per row
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = y + self.scroll_offset.y
        base = self._base
        if row >= len(self._keys) or width <= 0:
            return Strip([Segment(" " * max(width, 0), base)], max(width, 0))
        key = self._keys[row]
        cursor = row == self.cursor_row
        # Finished strips are cached (per width, with and without the cursor): repainting the
        # list after a row goes then builds no new strips at all.
        strip = self._cache.get((key, width, cursor, base))
        if strip is None:
            text = self.rows[key].copy()
            text.truncate(width, pad=True)
            strip = Strip(list(text.render(self.app.console, end="")), width)
            strip = strip.crop_extend(0, width, None)
            # The cursor's background beats the widget's; the row's own styles beat both.
            style = base + self.get_component_rich_style("queue-list--cursor") if cursor else base
            strip = strip.apply_style(style)
            self._cache[(key, width, cursor, base)] = strip
        return strip
