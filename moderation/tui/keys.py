"""The queue's key bindings: binding id, config.toml [keys] name, action, description."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from moderation.config import DEFAULTS

# (binding id, config key, action, footer label, help text, shown in the footer)
KEYMAP = (
    ("queue.next", "next", "next", "Next", "Next comment", True),
    ("queue.previous", "previous", "previous", "Prev", "Previous comment", True),
    ("queue.approve", "approve", "approve", "Approve", "Approve the marked comments, else this one",
     True),
    ("queue.hide", "hide", "hide", "Hide", "Hide the marked comments, else this one, with a reason",
     True),
    ("queue.note", "note", "note", "Note", "Add a free-text note to this comment", True),
    ("queue.undo", "undo", "undo", "Undo",
     "Undo my last approve/hide or bulk decision (new log entries)", True),
    ("queue.mark", "mark", "mark", "Mark", "Mark or unmark this comment for a bulk decision", True),
    ("queue.mark_author", "mark_author", "mark_author", "Mark author",
     "Mark every pending comment by this comment's author", False),
    ("queue.search", "search", "search", "Search", "Full-text search over text and authors", True),
    ("queue.status", "status", "cycle_status", "Status",
     "Show pending / approved / hidden / all comments", False),
    ("queue.filter", "filter", "filter", "Filter", "Filter by label, article and score range",
     False),
    ("queue.clear", "clear", "clear", "Clear", "Clear the search and the filters", False),
    ("queue.refresh", "refresh", "refresh", "Reload", "Reload the queue now", False),
    ("queue.help", "help", "help", "Help", "This help: every key", True),
    ("queue.quit", "quit", "quit", "Quit", "Quit (after saving queued decisions)", True),
)

DEFAULT_KEYS: dict[str, str] = dict(DEFAULTS["keys"])


def bindings() -> list[BindingType]:
    """The app's bindings with their default keys; config.toml rebinds them by id."""
    return [Binding(DEFAULT_KEYS[cfg], action, label, id=bid, tooltip=text, show=show)
            for bid, cfg, action, label, text, show in KEYMAP]


def keymap(config_keys: dict[str, str]) -> dict[str, str]:
    """Binding id -> keys, for App.set_keymap, from the config's [keys] section."""
    return {bid: config_keys[cfg] for bid, cfg, *_ in KEYMAP if cfg in config_keys}
