"""Decisions from the keyboard: shown at once, saved in order by one writer thread, undoable."""

from __future__ import annotations

import queue
import threading
from dataclasses import replace
from typing import Any

from textual import work
from textual.worker import get_current_worker

from moderation import actions
from moderation.actions import BulkResult
from moderation.errors import ModerationError
from moderation.triage import QueueItem
from moderation.tui.marking import MarksComments
from moderation.tui.screens import NoteScreen, ReasonScreen

NEW_STATUS = {"approve": "approved", "hide": "hidden"}


class DecidesComments(MarksComments):
    """Approve, hide, note and undo; a decided comment leaves the list before it is saved."""

    def action_approve(self) -> None:
        self._apply("approve")

    def action_hide(self) -> None:
        if self.current is None and not self.marked:
            return

        def chosen(reason: str | None) -> None:
            if reason:
                self._apply("hide", reason=reason)

        self.push_screen(ReasonScreen(self.config.hide_reasons), chosen)

    def action_note(self) -> None:
        item = self.current
        if item is None:
            return

        def typed(note: str | None) -> None:
            if note:
                self._queue(("decide", [(item.comment_id, None)], "note", None, note))

        self.push_screen(NoteScreen(), typed)

    def action_undo(self) -> None:
        self._queue(("undo",))

    def _apply(self, action: str, *, reason: str | None = None) -> None:
        """Decide the marked comments, else the current one: shown at once, saved behind."""
        if self.marked:
            targets = list(self.marked.items())
            self.marked = {}
        elif (item := self.current) is not None:
            targets = [(item.comment_id, item.revision)]
        else:
            return
        if self.filter.status not in ("all", NEW_STATUS[action]):
            self._drop_rows({cid for cid, _ in targets})
        elif len(targets) > 1:
            for it in self.items:
                self._refresh_row(it)
        self._queue(("decide", targets, action, reason, None))
        self._show_counts()

    def _drop_rows(self, ids: set[int]) -> None:
        """Take decided comments out of the list and show the next one, before the save."""
        current = self.current
        old = self.items
        self.items = [i for i in old if i.comment_id not in ids]
        self.table.remove_rows({str(cid) for cid in ids})
        if not self.items:
            self._show_detail(None)
            return
        nxt: QueueItem | None = None
        if current is not None:
            start = old.index(current)
            nxt = next((i for i in old[start:] if i.comment_id not in ids), None)
        nxt = nxt or self.items[-1]
        row = self.items.index(nxt)
        self.table.move_cursor(row=row, animate=False)
        if self.detail.comment_id != nxt.comment_id:
            self._show_detail(nxt)

    def start_writer(self) -> None:
        """Start the thread that saves decisions (once, when the app mounts)."""
        self._painted = threading.Event()
        self._writer_worker = self._writer()

    def _queue(self, job: tuple[Any, ...]) -> None:
        """Hand a job to the writer, in order; it starts on it once the screen has been
        painted, so that its Python work does not hold the GIL against the next comment's
        paint (it waits 50 ms at most)."""
        self._jobs.put(job)
        self.call_after_refresh(self._painted.set)

    @work(thread=True, group="writer", name="writer")
    def _writer(self) -> None:
        """Save decisions one after another, so an undo never overtakes the decision it undoes.

        On cancellation (the app closing) it still saves what was already queued."""
        worker = get_current_worker()
        while True:
            try:
                job = self._jobs.get(timeout=0.1)
            except queue.Empty:
                if worker.is_cancelled:
                    return
                continue
            if job is None:
                self._jobs.task_done()
                self._post(self.exit)
                return
            self._painted.wait(0.05)
            self._painted.clear()
            try:
                if job[0] == "undo":
                    self._undo()
                else:
                    _, targets, action, reason, note = job
                    res = actions.decide_many(self.store, targets, action, self.moderator,
                                              self.config.thresholds, reason=reason, note=note)
                    self._post(self._saved, res, action)
            except ModerationError as exc:
                self._post(self.say, f"Error: {exc}", "bold red")
                self._post(self.action_refresh)
            finally:
                self._jobs.task_done()

    def _undo(self) -> None:
        """Undo my last decision, or the whole bulk it was part of (a new log entry each)."""
        try:
            res = actions.undo_last(self.store, self.moderator, self.config.thresholds)
        except ModerationError as exc:
            self._post(self.say, f"Undo refused: {exc}", "bold yellow")
            return
        if res is None:
            self._post(self.say, "Nothing to undo.")
            return
        first = res.done[-1]  # the bulk's first decision: the cursor goes back to it
        if len(res.done) == 1 and not res.refused:
            msg = f"Undone: #{first.comment_id} back to {first.new_status} (log entry {first.log_id})"
        else:
            back = {r.new_status for r in res.done}
            msg = (f"Undone: {len(res.done)} decisions of a bulk, back to "
                   f"{back.pop() if len(back) == 1 else 'their earlier statuses'}")
        if res.refused:
            msg += (f"; {len(res.refused)} NOT undone: "
                    + "; ".join(m for _, m in res.refused[:3]))
        self._post(self.say, msg, "bold yellow" if res.refused else "")
        self._post(self.reload, first.comment_id)

    def _saved(self, res: BulkResult, action: str) -> None:
        by_id = {i.comment_id: n for n, i in enumerate(self.items)}
        for r in res.done:
            if r.prev_status != r.new_status and r.prev_status in self.counts:
                self.counts[r.prev_status] -= 1
                self.counts[r.new_status] = self.counts.get(r.new_status, 0) + 1
            if r.comment_id in by_id:
                n = by_id[r.comment_id]
                self.items[n] = replace(self.items[n], status=r.new_status, revision=r.revision,
                                        decided_by=self.moderator)
                self._refresh_row(self.items[n])
                if self.detail.comment_id == r.comment_id:
                    self._show_detail(self.items[n])
        if len(res.done) == 1 and not res.refused:
            r = res.done[0]
            msg = f"#{r.comment_id}: {r.prev_status} → {r.new_status} ({action})"
        else:
            msg = f"{action}: {len(res.done)} saved"
        if res.refused:
            msg += f"; {len(res.refused)} NOT saved: " + "; ".join(m for _, m in res.refused[:3])
            self.say(msg, "bold yellow")
            self.action_refresh()
        else:
            self.say(msg)
        self._show_counts()

    def action_quit(self) -> None:  # type: ignore[override]
        """Leave once every queued decision is saved."""
        if not self._writer_worker.is_running:
            self.exit()
            return
        if not self._jobs.empty():
            self.say(f"Saving {self._jobs.qsize()} decision(s) before quitting…")
        self._jobs.put(None)
