"""The queue's key bindings: binding id, config.toml [keys] name, action, description."""

from __future__ import annotations

from textual.binding import Binding

from moderation.config import DEFAULTS

# (binding id, config key, action, description, shown in the footer)
KEYMAP = (
    ("queue.next", "next", "next", "Next", True),
    ("queue.previous", "previous", "previous", "Previous", True),
    ("queue.approve", "approve", "approve", "Approve (marked or this)", True),
    ("queue.hide", "hide", "hide", "Hide with a reason (marked or this)", True),
    ("queue.note", "note", "note", "Note", True),
    ("queue.undo", "undo", "undo", "Undo my last decision", True),
    ("queue.mark", "mark", "mark", "Mark / unmark", True),
    ("queue.mark_author", "mark_author", "mark_author", "Mark all pending by this author", False),
    ("queue.search", "search", "search", "Search text and authors", True),
    ("queue.status", "status", "cycle_status", "Status: pending/approved/hidden/all", False),
    ("queue.filter", "filter", "filter", "Filter by label, article, score", False),
    ("queue.clear", "clear", "clear", "Clear search and filters", False),
    ("queue.refresh", "refresh", "refresh", "Reload now", False),
    ("queue.help", "help", "help", "Help: every key", True),
    ("queue.quit", "quit", "quit", "Quit", True),
)

DEFAULT_KEYS: dict[str, str] = dict(DEFAULTS["keys"])


def bindings() -> list[Binding]:
    """The app's bindings with their default keys; config.toml rebinds them by id."""
    return [Binding(DEFAULT_KEYS[cfg], action, desc, id=bid, tooltip=desc, show=show)
            for bid, cfg, action, desc, show in KEYMAP]


def keymap(config_keys: dict[str, str]) -> dict[str, str]:
    """Binding id -> keys, for App.set_keymap, from the config's [keys] section."""
    return {bid: config_keys[cfg] for bid, cfg, _, _, _ in KEYMAP if cfg in config_keys}
