"""Score what is not scored yet, in short transactions, so a kill loses at most one batch."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from moderation.scoring import Scorer
from moderation.store import Store


@dataclass
class Summary:
    """What a batch run did; printed as one JSON line at the end."""

    scored: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    model: str = ""
    version: str = ""

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["rate"] = round(self.scored / self.seconds, 1) if self.seconds else None
        d["seconds"] = round(self.seconds, 3)
        return d


def score_database(store: Store, scorer: Scorer, *, batch_size: int = 256,
                   progress: Callable[[int], None] | None = None) -> Summary:
    """Score every reader comment that has no score from this model version yet."""
    summary = Summary(model=scorer.name, version=scorer.version)
    start = time.perf_counter()
    after = 0
    while True:
        rows = store.unscored(scorer.name, scorer.version, limit=batch_size, after_id=after)
        if not rows:
            break
        after = rows[-1][0]
        results = scorer.score([text for _, text in rows])
        store.save_scores(list(zip((cid for cid, _ in rows), results, strict=True)))
        for sc in results:
            if sc.status == "ok":
                summary.scored += 1
            else:
                summary.skip(sc.status)
        if progress:
            progress(len(rows))
    summary.seconds = time.perf_counter() - start
    return summary
