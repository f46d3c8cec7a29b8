"""What the queue shows: status, label, article and score filters, search, a manual reload."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import work

from moderation.config import QUEUE_STATUSES
from moderation.tui.loading import LoadsQueue
from moderation.tui.screens import FilterScreen, SearchScreen


class FiltersQueue(LoadsQueue):
    """Each change of filter or search reloads the queue from its first page."""

    def action_refresh(self) -> None:
        self.elsewhere = {}
        current = self.current
        self.reload(current.comment_id if current else None)

    def _refilter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self.elsewhere = {}
        self.items = []
        self.reload()

    def action_cycle_status(self) -> None:
        nxt = QUEUE_STATUSES[(QUEUE_STATUSES.index(self.filter.status) + 1) % len(QUEUE_STATUSES)]
        self._refilter(status=nxt)

    def action_clear(self) -> None:
        self._refilter(search=None, label=None, article_id=None, min_score=None, max_score=None,
                       flagged_only=bool(self.config.data["queue"]["flagged_only"]))

    def action_search(self) -> None:
        def searched(term: str | None) -> None:
            if term is not None:
                self._refilter(search=term or None)

        self.push_screen(SearchScreen(self.filter.search), searched)

    @work(thread=True, group="filter")
    def action_filter(self) -> None:
        articles = self.store.article_choices()
        self._post(self._open_filter, articles)

    def _open_filter(self, articles: list[dict[str, Any]]) -> None:
        f = self.filter
        current = {"label": f.label, "article_id": f.article_id, "min_score": f.min_score,
                   "max_score": f.max_score, "flagged_only": f.flagged_only}

        def chosen(values: dict[str, Any] | None) -> None:
            if values is not None:
                self._refilter(**values)

        self.push_screen(FilterScreen(sorted(self.config.thresholds), articles, current), chosen)
