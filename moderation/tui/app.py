"""ModerationApp: the queue of flagged comments, worst first, decided from the keyboard.

The app is assembled in layers, each in its own module and using only those below it:
core (shared state, status lines) < showing (the comment view) < loading (the list, live
refresh) < filtering < marking < deciding.
"""

from __future__ import annotations

import gc

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static

from moderation.config import Config
from moderation.safetext import visible
from moderation.store import Store
from moderation.tui import keys
from moderation.tui.core import POLL_S
from moderation.tui.deciding import DecidesComments
from moderation.tui.detail import CommentView
from moderation.tui.queuelist import QueueList
from moderation.tui.screens import HelpScreen


class ModerationApp(DecidesComments):
    """The queue. Receives its store and config; SQL stays in the store, work off the loop."""

    CSS_PATH = "app.tcss"
    TITLE = "moderation"
    BINDINGS = keys.bindings()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="filters")
        with Horizontal():
            with Vertical(id="list-pane"):
                yield Static(Text("  score flag           author       comment", style="bold"),
                             id="list-header")
                yield QueueList(id="queue")
            yield CommentView(self.config.thresholds, id="detail")
        yield Static(id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "moderator: " + visible(self.moderator, keep_newlines=False)
        self.start_writer()
        self.reload()
        self.set_interval(self.poll_interval, self._poll)

    def on_unmount(self) -> None:
        gc.unfreeze()  # frozen after the first load (see LoadsQueue._show_items)

    def action_help(self) -> None:
        ours = {bid: n for n, (bid, *_) in enumerate(keys.KEYMAP)}
        found: dict[str, list[str]] = {}
        for active in self.active_bindings.values():
            b = active.binding
            if b.id in ours:
                found.setdefault(b.id, []).append(self.get_key_display(b))
        rows = [(" ".join(sorted(set(found[bid]))), text)
                for bid, _, _, _, text, _ in keys.KEYMAP if bid in found]
        self.push_screen(HelpScreen(rows))


def make_app(store: Store, config: Config, *, status: str | None = None,
             moderator: str | None = None, poll_interval: float = POLL_S) -> ModerationApp:
    """Build the queue app with its dependencies (used by the CLI and the tests)."""
    return ModerationApp(store, config, status=status, moderator=moderator,
                         poll_interval=poll_interval)
