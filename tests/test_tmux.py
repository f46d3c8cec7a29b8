"""The real app in a real terminal: tmux runs ``python -m moderation queue``, we type and read.

Skipped only when tmux is not installed (tests/run.sh installs it with apt-get when root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from moderation.store import Store
from moderation.tui.screenshot import demo_store

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (tests/run.sh installs it as root)")


class Tmux:
    """One detached tmux server (its own socket) running one command at a fixed size."""

    def __init__(self, command: str, size: tuple[int, int] = (140, 40)) -> None:
        self.socket = f"moderation-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        w, h = str(size[0]), str(size[1])
        # With no client attached tmux may fall back to its 80x24 default-size: pin the size.
        self.run("new-session", "-d", "-s", "q", "-x", w, "-y", h, command)
        self.run("set-option", "-t", "q", "window-size", "manual")
        self.run("resize-window", "-t", "q", "-x", w, "-y", h)

    def run(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                             text=True, timeout=20, check=False)
        if check and out.returncode:
            raise AssertionError(f"tmux {' '.join(args)}: {out.stderr}")
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "q", check=False)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "q", key)
            time.sleep(0.15)

    def alive(self) -> bool:
        return subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "q"],
                              capture_output=True, timeout=20, check=False).returncode == 0

    def wait_for(self, cond: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if cond(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"never saw {what!r}; screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=20, check=False)


def test_queue_in_a_real_terminal(tmp_path: Path) -> None:
    db = tmp_path / "queue.db"
    demo_store(db).close()
    # COLUMNS/LINES, if the test runner has them, would override the terminal's real size.
    command = (f"cd {REPO} && unset COLUMNS LINES && MODERATION_MODERATOR=tm"
               f" exec {sys.executable} -m moderation"
               f" --config {REPO / 'config.toml'} --db {db} queue; sleep 30")
    tmux = Tmux(command)
    try:
        assert tmux.run("display-message", "-p", "-t", "q",
                        "#{window_width}x#{window_height}").strip() == "140x40"
        screen = tmux.wait_for(lambda s: "Thread" in s and "8 pending · 0 approved · 1 hidden" in s,
                               "the queue with its counts")
        assert "Showing pending flagged · 4 comments" in screen
        assert "You are a complete idiot and a moron." in screen
        tmux.keys("a")
        screen = tmux.wait_for(lambda s: "#2: pending → approved" in s, "the approval")
        assert "Go back where you came from, vermin." in screen   # the next comment is shown
        with Store(db) as check:
            assert check.status_of(2)[0] == "approved"
            log = list(check.log_rows())
            assert [(r["comment_id"], r["action"], r["moderator"]) for r in log] == [
                (9, "hide", "bob"), (2, "approve", "tm")]
        tmux.keys("/", "stupid", "Enter")
        screen = tmux.wait_for(lambda s: "search: stupid · 2 comments" in s, "the search")
        assert "Shut up, nobody asked you, stupid." in screen
        # All statuses: the comment with markup and a terminal-title escape, hidden by bob.
        tmux.keys("c", "s", "s", "s")
        tmux.wait_for(lambda s: "Showing all" in s, "all statuses")
        tmux.keys("j", "j", "j", "j")
        screen = tmux.wait_for(lambda s: "By Spam<RLO>bot" in s, "the hostile comment")
        assert "[bold red]URGENT[/] click here ␛]0;x␇" in screen
        assert "Status: hidden by bob" in screen
        assert tmux.run("display-message", "-p", "-t", "q", "#{pane_title}").strip() != "x"
        tmux.keys("?")
        tmux.wait_for(lambda s: "Mark every pending comment by this comment's author" in s,
                      "the help")
        tmux.keys("Escape", "q")
        tmux.wait_for(lambda s: "Showing" not in s, "the app to quit", timeout=15)
    finally:
        tmux.close()
