"""Score what is not scored yet, in short transactions, so a kill loses at most one batch."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from moderation.errors import InputError
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


# Longer texts are refused with a reason rather than silently cut (about 50k tokens).
MAX_TEXT_CHARS = 200_000


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def iter_rows(stream: IO[bytes], fmt: str, text_col: str, id_col: str,
              summary: Summary) -> Iterator[tuple[int, Any, str | None, str | None]]:
    """Yield (line, id, text, problem) for each input row, streaming.

    ``problem`` is None, or "code: detail" with code one of invalid_utf8, malformed_json.
    """
    if fmt == "jsonl":
        for n, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield n, None, None, f"invalid_utf8: invalid UTF-8 at byte {exc.start}"
                continue
            except json.JSONDecodeError as exc:
                yield n, None, None, f"malformed_json: {exc.msg} at column {exc.colno}"
                continue
            if not isinstance(rec, dict):
                yield n, None, None, "malformed_json: not a JSON object"
                continue
            yield n, rec.get(id_col), rec.get(text_col), None
        return
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    if reader.fieldnames is None or text_col not in reader.fieldnames:
        raise InputError(f"CSV has no column {text_col!r} (columns: "
                         f"{', '.join(reader.fieldnames or [])}); use --text-column")
    for row in reader:
        line = reader.line_num
        value = row.get(text_col)
        if value is not None and _has_surrogates(value):
            yield line, row.get(id_col), None, "invalid_utf8: invalid UTF-8"
            continue
        yield line, row.get(id_col), value, None


def score_file(src: IO[bytes], out: IO[str], scorer: Scorer, *, fmt: str, text_col: str = "text",
               id_col: str = "id", batch_size: int = 64, rejects: IO[str] | None = None,
               progress: Callable[[int], None] | None = None) -> Summary:
    """Score a CSV/JSONL stream into JSONL, one output row per input row, in order.

    Rows with no text, invalid UTF-8, malformed JSON or over MAX_TEXT_CHARS are skipped with a
    reason (in the summary, in the output row's ``status``, and in ``rejects``).
    """
    summary = Summary(model=scorer.name, version=scorer.version)
    start = time.perf_counter()
    pending: list[tuple[int, Any, str]] = []

    def flush() -> None:
        results = scorer.score([t for _, _, t in pending])
        for (line, rid, _), sc in zip(pending, results, strict=True):
            rec: dict[str, Any] = {"id": rid, "line": line, "status": sc.status}
            rec.update({k: float(v) for k, v in sc.labels.items()})
            rec["model"], rec["version"], rec["windows"] = sc.model, sc.version, sc.windows
            out.write(json.dumps(rec, ensure_ascii=False, allow_nan=False) + "\n")
            if sc.status == "ok":
                summary.scored += 1
            else:
                summary.skip(sc.status)
        if progress:
            progress(len(pending))
        pending.clear()

    for line, rid, text, problem in iter_rows(src, fmt, text_col, id_col, summary):
        if problem is None:
            if not isinstance(text, str) or not text.strip():
                problem = "no_text: no text"
            elif len(text) > MAX_TEXT_CHARS:
                problem = f"too_long: {len(text)} characters > {MAX_TEXT_CHARS}"
        if problem is not None:
            if pending:
                flush()
            summary.skip(problem.split(":")[0])
            out.write(json.dumps({"id": rid, "line": line, "status": "skipped",
                                  "reason": problem}, ensure_ascii=False) + "\n")
            if rejects is not None:
                rejects.write(json.dumps({"line": line, "id": rid, "reason": problem},
                                         ensure_ascii=False) + "\n")
            continue
        pending.append((line, rid, text))
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    summary.seconds = time.perf_counter() - start
    return summary
