"""Write the moderation log as CSV or JSONL: stable columns, formula-safe, atomic."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from moderation.errors import ExportError
from moderation.schema import ACTIONS

FORMATS = ("csv", "jsonl")

# Stable, documented column order (docs/schema.md). Never reorder; only append.
COLUMNS = (
    "log_id", "at", "moderator", "automated", "action", "reason", "note",
    "comment_id", "article_id", "article_title", "comment_author", "comment_text",
    "prev_status", "new_status", "undoes", "model", "model_version", "scores", "thresholds",
    "flagged", "score_status",
)
NUMERIC = {"log_id", "automated", "comment_id", "article_id", "undoes"}

# A spreadsheet treats a cell starting with one of these as a formula (or a DDE command), also
# after leading whitespace or control characters, and some fold fullwidth and small forms
# (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫) to ASCII: the first significant character is compared after NFKC.
_FORMULA_START = set("=+-@\u2212")
# Leading characters a spreadsheet may skip before reading a formula.
_SKIPPABLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf"}


def _formula_like(cell: str) -> bool:
    if cell[:1] in ("\t", "\r", "\n"):
        return True
    for ch in cell:
        if ch.isspace() or unicodedata.category(ch) in _SKIPPABLE_CATEGORIES:
            continue
        return ch in _FORMULA_START or unicodedata.normalize("NFKC", ch)[:1] in _FORMULA_START
    return False


def _needs_prefix(cell: str) -> bool:
    # A cell that already starts with the apostrophe is prefixed again when what follows it
    # needs one, so that unneutralize() can tell "'=x" (original) from "=x" (neutralized).
    rest = cell.lstrip("'")  # iterative: a cell of 100k apostrophes must not recurse
    return bool(rest) and _formula_like(rest)


def neutralize(cell: str) -> str:
    """Prefix a text cell with an apostrophe when a spreadsheet could run it as a formula.

    Reversible: ``unneutralize(neutralize(x)) == x`` for every string.
    """
    return "'" + cell if _needs_prefix(cell) else cell


def unneutralize(cell: str) -> str:
    """The original text of a neutralized cell (for readers of the CSV and round-trip tests)."""
    return cell[1:] if cell.startswith("'") and _needs_prefix(cell[1:]) else cell


class _NonFinite:
    """Stands for NaN or ±Infinity met in a stored evidence snapshot."""


def _parse_evidence(raw: str | None) -> tuple[dict[str, Any], str | None]:
    """The evidence snapshot as a dict, and a status when it had to be repaired."""
    if not raw:
        return {}, None
    bad = _NonFinite()
    try:
        ev = json.loads(raw, parse_constant=lambda _: bad,
                        parse_float=lambda s: float(s) if math.isfinite(float(s)) else bad)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return {}, "invalid_evidence"
    if not isinstance(ev, dict):
        return {}, "invalid_evidence"
    found = False

    def clean(value: Any) -> Any:
        nonlocal found
        if value is bad:
            found = True
            return None  # an explicit null, with score_status saying why
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    try:
        ev = clean(ev)
    except RecursionError:
        return {}, "invalid_evidence"
    return ev, ("invalid_score" if found else None)


def record(row: dict[str, Any]) -> dict[str, Any]:
    """One log row as an export record, the evidence snapshot spread into its columns."""
    ev, problem = _parse_evidence(row.get("evidence"))
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
        "score_status": problem or ev.get("score_status"),
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


def parse_time(value: str, option: str = "time") -> str:
    """An ISO 8601 date or time as the log stores it (UTC, microseconds, Z); naive means UTC."""
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ExportError(f"{option} {value!r}: not an ISO 8601 date or time "
                          "(e.g. 2026-11-22, 2026-11-22T08:30:00Z or 2026-11-22T09:30+01:00)"
                          ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_filter(*, since: str | None = None, until: str | None = None,
               moderator: str | None = None, action: str | None = None,
               article: int | None = None) -> dict[str, Any]:
    """Validated keyword arguments for Store.log_rows; ExportError names the bad option."""
    lo = parse_time(since, "--since") if since is not None else None
    hi = parse_time(until, "--until") if until is not None else None
    if lo is not None and hi is not None and lo >= hi:
        raise ExportError(f"--since {since} is not before --until {until}: nothing can match")
    if action is not None and action not in ACTIONS:
        raise ExportError(f"--action {action!r}: use one of {', '.join(ACTIONS)}")
    return {"since": lo, "until": hi, "moderator": moderator, "action": action,
            "article_id": article}


def export_log(store: Any, fmt: str, target: str | Path | IO[str], **filters: Any) -> int:
    """Export the log rows matching ``filters`` (see log_filter) to a stream or, atomically,
    to a file path; returns the number of records. Options are checked before anything opens."""
    if fmt not in WRITERS:
        raise ExportError(f"unknown export format {fmt!r}: use {' or '.join(FORMATS)}")
    rows = store.log_rows(**log_filter(**filters))
    if isinstance(target, (str, Path)):
        return export_to_file(rows, fmt, target)
    return export(rows, fmt, target)


def atomic_write(path: str | Path, fill: Callable[[IO[Any]], Any], *, binary: bool = False,
                 what: str = "export") -> Any:
    """Call ``fill(file)`` on a temp file beside ``path``, fsync it, rename it over ``path``.

    On any failure (disk full, read-only directory, an error while producing the data) the temp
    file is removed and ``path`` is left as it was; OSError becomes an ExportError naming it.
    A symlink stays a symlink (the file it names is replaced). A path that is no regular file
    (/dev/stdout, a named pipe, a device) is written straight through: renaming a file over it
    would replace the pipe or device itself (as root, /dev/full became a regular file).
    """
    target = Path(path)
    try:
        info = os.stat(target)  # (follows a symlink)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        return _write_through(target, fill, binary, what, info)
    if target.is_symlink():  # the file the link names is replaced; the link stays
        target = Path(os.path.realpath(target))
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write to {directory}: "
                          f"{exc.strerror or exc}; nothing written") from exc
    try:
        if target.exists():  # a replaced file keeps its permissions (mkstemp makes 0600)
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        mode = "wb" if binary else "w"
        kwargs: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            result = fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _unlink(tmp)
        raise ExportError(f"{target}: {what} failed, nothing written: {exc.strerror or exc}"
                          + (" (the previous file is unchanged)" if target.exists() else "")
                          ) from exc
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_dir(directory)
    return result


def _write_through(target: Path, fill: Callable[[IO[Any]], Any], binary: bool, what: str,
                   info: os.stat_result) -> Any:
    """Write to a path that is no regular file (/dev/stdout, a named pipe, a device) directly:
    a temporary file renamed over it would replace the device or pipe itself."""
    kind = ("named pipe" if stat.S_ISFIFO(info.st_mode) else "device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "special file")
    if stat.S_ISDIR(info.st_mode):
        raise ExportError(f"{target}: is a directory; nothing written")
    mode = "wb" if binary else "w"
    kwargs: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
    try:
        with open(target, mode, **kwargs) as fh:
            result = fill(fh)
            fh.flush()
    except OSError as exc:
        raise ExportError(f"{target}: {what} failed: {exc.strerror or exc} (a {kind} is written "
                          "straight through, so part of it may have gone out)") from exc
    return result


def export_to_file(rows: Iterable[dict[str, Any]], fmt: str, path: str | Path) -> int:
    """Write atomically: a temp file beside ``path``, fsynced, then renamed over it."""
    if fmt not in WRITERS:
        raise ExportError(f"unknown export format {fmt!r}: use {' or '.join(FORMATS)}")
    return int(atomic_write(path, lambda fh: export(rows, fmt, fh)))


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; some filesystems cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def read_back_csv(text: str) -> Iterator[list[str]]:
    """Parse an exported CSV (for tests and round-trip checks)."""
    return csv.reader(io.StringIO(text, newline=""))
