"""Progress of long batch runs on stderr (Rich): a bar with rate and ETA, or nothing at all."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import IO, Any


class Progress:
    """``with Progress("scoring", total=n) as p: p.advance(k)``.

    Silent when ``quiet`` is set or stderr is not a terminal (a pipe or a log file gets only
    the one-line summary the command prints at the end). ``total`` may be None (unknown), or a
    byte count (``total_bytes``, and ``advance(n, position=bytes read)``): the bar then follows
    how far into the input file the run is, while the rate column counts items.
    """

    def __init__(self, description: str, total: int | None = None, *, quiet: bool = False,
                 unit: str = "comments", stream: IO[str] | None = None,
                 force: bool = False, total_bytes: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.enabled = force or (not quiet and _isatty(self.stream))
        self.description = description
        self.total = total
        self.unit = unit
        self.total_bytes = total_bytes
        self.done = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            console = Console(file=self.stream, stderr=self.stream is sys.stderr)
            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                DownloadColumn() if self.total_bytes else MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=console, transient=False, refresh_per_second=4)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total, rate="")
        return self

    def advance(self, n: int = 1, *, position: int | None = None) -> None:
        """Count ``n`` more items done; ``position`` (bytes read) drives a byte-sized bar."""
        self.done += n
        if self._bar is None:
            return
        task = self._bar.tasks[0]
        elapsed = task.elapsed or 0.0
        rate = f"{self.done / elapsed:,.0f} {self.unit}/s" if elapsed > 0 else ""
        if position is not None:
            self._bar.update(self._task, completed=position, rate=rate)
        else:
            self._bar.update(self._task, advance=n, rate=rate)

    def set_total(self, total: int | None) -> None:
        self.total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
