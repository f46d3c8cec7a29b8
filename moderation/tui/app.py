"""ModerationApp: the queue of flagged comments, worst first, decided from the keyboard."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from moderation import actions
from moderation.config import Config
from moderation.errors import ConflictError, ModerationError
from moderation.store import Store
from moderation.triage import QueueFilter, QueueItem, load_queue
from moderation.tui.render import highlighted, label_bars, safe
from moderation.tui.screens import HelpScreen, NoteScreen, ReasonScreen

# (binding id, config key, action, description); keys come from config.toml [keys].
KEYMAP = (
    ("queue.next", "next", "next", "Next"),
    ("queue.previous", "previous", "previous", "Previous"),
    ("queue.approve", "approve", "approve", "Approve"),
    ("queue.hide", "hide", "hide", "Hide"),
    ("queue.note", "note", "note", "Note"),
    ("queue.undo", "undo", "undo", "Undo"),
    ("queue.help", "help", "help", "Help"),
    ("queue.quit", "quit", "quit", "Quit"),
)
DEFAULT_KEYS = {"next": "j", "previous": "k", "approve": "a", "hide": "h", "note": "n",
                "undo": "u", "help": "question_mark", "quit": "q"}


class ModerationApp(App[None]):
    """The queue. Receives its store and config; SQL stays in the store, work off the loop."""

    CSS_PATH = "app.tcss"
    TITLE = "moderation"
    BINDINGS = [
        Binding(DEFAULT_KEYS[cfg], action, desc, id=bid, tooltip=desc)
        for bid, cfg, action, desc in KEYMAP
    ]

    def __init__(self, store: Store, config: Config, *, status: str | None = None,
                 moderator: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self.moderator = moderator or config.moderator()
        self.filter = QueueFilter(status=status or str(config.data["queue"]["status"]),
                                  flagged_only=bool(config.data["queue"]["flagged_only"]))
        self.items: list[QueueItem] = []
        self.counts: dict[str, int] = {}
        keys = config.keys
        self.set_keymap({bid: keys[cfg] for bid, cfg, _, _ in KEYMAP if cfg in keys})

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            table: DataTable[Any] = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            yield table
            with VerticalScroll(id="detail"):
                yield Static(id="article")
                yield Static(id="reason")
                yield Static(id="bars")
                yield Static(id="comment")
                yield Static(id="thread")
        yield Static(id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        table.add_columns("score", "label", "author", "comment")
        self.sub_title = f"moderator: {self.moderator}"
        self.reload()

    # -- loading (off the event loop) -----------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def reload(self, keep: int | None = None) -> None:
        items = load_queue(self.store, self.config.thresholds, self.filter)
        counts = self.store.counts_by_status()
        self.call_from_thread(self._show_items, items, counts, keep)

    def _show_items(self, items: list[QueueItem], counts: dict[str, int],
                    keep: int | None) -> None:
        self.items = items
        self.counts = counts
        self.title = ("moderation — " + " · ".join(f"{n} {s}" for s, n in counts.items())
                      + f" — showing {len(items)} {self.filter.status}")
        table = self.query_one("#queue", DataTable)
        table.clear()
        for item in items:
            table.add_row(
                Text(f"{item.score:.2f}" if item.score is not None else "—"),
                Text(item.flagged[0] if item.flagged else item.status),
                safe(item.author or "—", one_line=True),
                safe(item.text[:120], one_line=True),
                key=str(item.comment_id),
            )
        if items:
            row = min(keep or 0, len(items) - 1)
            table.move_cursor(row=row)
            self._show_detail(items[row])
        else:
            self._show_detail(None)

    @property
    def current(self) -> QueueItem | None:
        table = self.query_one("#queue", DataTable)
        if not self.items or table.cursor_row < 0 or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.items):
            self._show_detail(self.items[event.cursor_row])

    def _show_detail(self, item: QueueItem | None) -> None:
        if item is None:
            for wid in ("article", "reason", "bars", "comment", "thread"):
                self.query_one(f"#{wid}", Static).update(Text(""))
            self.query_one("#comment", Static).update(Text("The queue is empty.", style="bold"))
            return
        art = Text("Article: ", style="bold")
        art.append_text(safe(item.article_title or "(untitled)", one_line=True))
        self.query_one("#article", Static).update(art)
        why = Text("Why flagged: ", style="bold")
        why.append(item.reason)
        if item.decided_by:
            why.append(f"\nStatus: {item.status} (by ", style="yellow")
            why.append_text(safe(item.decided_by, one_line=True))
            why.append(")", style="yellow")
        self.query_one("#reason", Static).update(why)
        self.query_one("#bars", Static).update(label_bars(item.labels, self.config.thresholds))
        body = Text("By ", style="bold")
        body.append_text(safe(item.author or "(no author)", "bold", one_line=True))
        body.append(f"  #{item.comment_id}\n\n")
        body.append_text(highlighted(item.text, item.spans))
        self.query_one("#comment", Static).update(body)
        self.query_one("#thread", Static).update(Text(""))

    def say(self, message: str, style: str = "") -> None:
        self.query_one("#status-line", Static).update(Text(message, style=style))

    # -- navigation -----------------------------------------------------------------------

    def action_next(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_down()

    def action_previous(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_up()

    def action_help(self) -> None:
        rows = [(key, active.binding.description)
                for key, active in self.active_bindings.items() if active.binding.description]
        self.push_screen(HelpScreen(rows))

    # -- decisions (recorded in a worker thread) ------------------------------------------

    def action_approve(self) -> None:
        if (item := self.current) is not None:
            self.decide(item, "approve")

    def action_hide(self) -> None:
        item = self.current
        if item is None:
            return

        def chosen(reason: str | None) -> None:
            if reason:
                self.decide(item, "hide", reason=reason)

        self.push_screen(ReasonScreen(self.config.hide_reasons), chosen)

    def action_note(self) -> None:
        item = self.current
        if item is None:
            return

        def typed(note: str | None) -> None:
            if note:
                self.decide(item, "note", note=note)

        self.push_screen(NoteScreen(), typed)

    @work(thread=True, group="decide")
    def decide(self, item: QueueItem, action: str, *, reason: str | None = None,
               note: str | None = None) -> None:
        row = self.items.index(item) if item in self.items else 0
        try:
            res = actions.decide(self.store, item.comment_id, action, self.moderator,
                                 self.config.thresholds, reason=reason, note=note,
                                 expected_revision=item.revision)
        except ConflictError as exc:
            self.call_from_thread(self.say, f"Not saved: {exc}", "bold yellow")
            self.call_from_thread(self.reload, row)
            return
        except ModerationError as exc:
            self.call_from_thread(self.say, f"Error: {exc}", "bold red")
            return
        self.call_from_thread(
            self.say, f"#{res.comment_id}: {res.prev_status} → {res.new_status} ({action})")
        self.call_from_thread(self.reload, row)

    @work(thread=True, group="decide")
    def action_undo(self) -> None:
        try:
            res = actions.undo_last(self.store, self.moderator, self.config.thresholds)
        except ModerationError as exc:
            self.call_from_thread(self.say, f"Undo refused: {exc}", "bold yellow")
            return
        if res is None:
            self.call_from_thread(self.say, "Nothing to undo.")
            return
        self.call_from_thread(
            self.say, f"Undone: #{res.comment_id} back to {res.new_status}")
        self.call_from_thread(self.reload)


def make_app(store: Store, config: Config, *, status: str | None = None,
             moderator: str | None = None) -> ModerationApp:
    """Build the queue app with its dependencies (used by the CLI and the tests)."""
    return ModerationApp(store, config, status=status, moderator=moderator)
