"""Write the moderation log as CSV or JSONL: stable columns, formula-safe, atomic."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from moderation.errors import ExportError

FORMATS = ("csv", "jsonl")

# Stable, documented column order (docs/schema.md). Never reorder; only append.
COLUMNS = (
    "log_id", "at", "moderator", "automated", "action", "reason", "note",
    "comment_id", "article_id", "article_title", "comment_author", "comment_text",
    "prev_status", "new_status", "undoes", "model", "model_version", "scores", "thresholds",
    "flagged",
)
NUMERIC = {"log_id", "automated", "comment_id", "article_id", "undoes"}

# A spreadsheet treats a cell starting with one of these as a formula (after optional
# whitespace/control characters); fullwidth forms are folded to ASCII by some spreadsheets.
_FORMULA_START = set("=+-@\uff1d\uff0b\uff0d\uff20")


def neutralize(cell: str) -> str:
    """Prefix a text cell with an apostrophe when a spreadsheet could run it as a formula."""
    stripped = cell.lstrip(" \t\r\n\x00")
    if cell and (cell[0] in "\t\r" or (stripped and stripped[0] in _FORMULA_START)):
        return "'" + cell
    return cell


def record(row: dict[str, Any]) -> dict[str, Any]:
    """One log row as an export record, the evidence snapshot spread into its columns."""
    ev = json.loads(row["evidence"]) if row.get("evidence") else {}
    return {
        "log_id": row["id"],
        "at": row["at"],
        "moderator": row["moderator"],
        "automated": row["automated"],
        "action": row["action"],
        "reason": row["reason"],
        "note": row["note"],
        "comment_id": row["comment_id"],
        "article_id": row["article_id"],
        "article_title": row["article_title"],
        "comment_author": row["comment_author"],
        "comment_text": row["comment_text"],
        "prev_status": row["prev_status"],
        "new_status": row["new_status"],
        "undoes": row["undoes"],
        "model": ev.get("model"),
        "model_version": ev.get("version"),
        "scores": ev.get("scores", {}),
        "thresholds": ev.get("thresholds", {}),
        "flagged": ev.get("flagged", []),
    }


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in NUMERIC:
        return str(value)
    if isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return neutralize(str(value))


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for rec in records:
        writer.writerow([_csv_cell(c, rec.get(c)) for c in COLUMNS])
        n += 1
    return n


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for rec in records:
        # ensure_ascii keeps U+2028/2029/0085 and control characters escaped: one record a line.
        out.write(json.dumps({c: rec.get(c) for c in COLUMNS}, ensure_ascii=True,
                             allow_nan=False) + "\n")
        n += 1
    return n


WRITERS = {"csv": write_csv, "jsonl": write_jsonl}


def export(rows: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> int:
    """Write log rows to an open text stream; returns the number of records."""
    if fmt not in WRITERS:
        raise ExportError(f"unknown export format {fmt!r}: use {' or '.join(FORMATS)}")
    return WRITERS[fmt]((record(r) for r in rows), out)


def export_to_file(rows: Iterable[dict[str, Any]], fmt: str, path: str | Path) -> int:
    """Write atomically: a temp file beside ``path``, fsynced, then renamed over it."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write to {directory}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            n = export(rows, fmt, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _unlink(tmp)
        raise ExportError(f"{target}: export failed, nothing written: {exc.strerror or exc}") from exc
    except BaseException:
        _unlink(tmp)
        raise
    return n


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def read_back_csv(text: str) -> Iterator[list[str]]:
    """Parse an exported CSV (for tests and round-trip checks)."""
    return csv.reader(io.StringIO(text, newline=""))
