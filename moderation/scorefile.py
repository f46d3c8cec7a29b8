"""Score a CSV/JSONL file of comments into CSV/JSONL: streaming, in order, resumable after a kill.

Resume rule: while it runs, ``OUT.progress.json`` beside the output records how many input rows
have complete output rows and the byte length of the output (and rejects) file at that point;
it is replaced atomically after the data it describes was written. Run the same command again
after a crash and it cuts OUT (and the rejects file) back to that length, skips that many input
rows and goes on, so no row is written twice and none is lost. When the run finishes the state
says ``complete`` and a third run scores nothing. The state also records the input's size and
mtime, the options and the model version; a mismatch is refused rather than mixed into OUT
(``--overwrite`` starts again). Reading stdin or writing stdout is not resumable.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from moderation.batch import ScorerSpec, ScoringPool, Summary
from moderation.documents import DEOBFUSCATED
from moderation.errors import InputError
from moderation.export import neutralize
from moderation.scoring import Scorer

# Longer texts are refused with a reason rather than silently cut (about 50k tokens).
MAX_TEXT_CHARS = 200_000
STATE_SUFFIX = ".progress.json"
STATE_EVERY_S = 0.5
# A CSV cell may hold any comment, however long (a too-long one is skipped with a reason).
csv.field_size_limit(2**31 - 1)
# The state keys that must match for a run to resume another's output.
_IDENTITY = ("input", "input_size", "input_mtime_ns", "format", "text_column", "id_column",
             "output_format", "model", "version", "group_column")


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def iter_rows(stream: IO[bytes], fmt: str, text_col: str, id_col: str,
              group_col: str | None = None) -> Iterator[tuple[int, Any, str | None, str | None, Any]]:
    """Yield (line, id, text, problem, group) for each input row, streaming.

    ``problem`` is None, or "code: detail" with code one of invalid_utf8, malformed_json,
    malformed_csv.
    ``group``: the row's ``group_col`` value (its article), None without one.
    """
    if fmt == "jsonl":
        for n, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield n, None, None, f"invalid_utf8: invalid UTF-8 at byte {exc.start}", None
                continue
            except json.JSONDecodeError as exc:
                yield n, None, None, f"malformed_json: {exc.msg} at column {exc.colno}", None
                continue
            if not isinstance(rec, dict):
                yield n, None, None, "malformed_json: not a JSON object", None
                continue
            group = rec.get(group_col) if group_col else None
            yield n, rec.get(id_col), rec.get(text_col), None, _hashable(group)
        return
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    if reader.fieldnames is None:
        raise InputError("file is empty; expected a CSV with a header row")
    if text_col not in reader.fieldnames:
        raise InputError(f"CSV has no column {text_col!r} (columns: "
                         f"{', '.join(reader.fieldnames)}); use --text-column")
    if group_col and group_col not in reader.fieldnames:
        raise InputError(f"CSV has no column {group_col!r} (columns: "
                         f"{', '.join(reader.fieldnames)}); check --group-column")
    for row in reader:
        value = row.get(text_col)
        group = row.get(group_col) if group_col else None
        if value is not None and _has_surrogates(value):
            yield reader.line_num, row.get(id_col), None, "invalid_utf8: invalid UTF-8", group
            continue
        if None in row:  # an unquoted comma: the text cell may hold part of the comment only
            yield (reader.line_num, row.get(id_col), None,
                   f"malformed_csv: {len(row[None])} more cell(s) than the header", group)
            continue
        yield reader.line_num, row.get(id_col), value, None, group


def _hashable(value: Any) -> Any:
    """A JSON value as a group key: lists and objects by their JSON text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def _problem(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return "no_text: no text"
    if len(text) > MAX_TEXT_CHARS:
        return f"too_long: {len(text)} characters > {MAX_TEXT_CHARS}"
    return None


class _Writer:
    """One output row per input row, as JSONL or CSV (text cells neutralized)."""

    def __init__(self, out: IO[str], fmt: str, labels: tuple[str, ...]) -> None:
        self.out, self.fmt, self.labels = out, fmt, labels
        self.csv = csv.writer(out, lineterminator="\n") if fmt == "csv" else None

    def header(self) -> None:
        if self.csv is not None:
            self.csv.writerow(["id", "line", "status", "reason", *self.labels,
                               *(DEOBFUSCATED + k for k in self.labels), "model",
                               "version", "windows"])

    def row(self, line: int, rid: Any, sc: Any = None, reason: str | None = None) -> None:
        if self.csv is not None:
            labels = sc.flag_values() if sc is not None else {}
            names = (*self.labels, *(DEOBFUSCATED + k for k in self.labels))
            self.csv.writerow([
                neutralize("" if rid is None else str(rid)), line,
                sc.status if sc is not None else "skipped", reason or "",
                *("" if labels.get(k) is None else repr(float(labels[k])) for k in names),
                sc.model if sc else "", sc.version if sc else "", sc.windows if sc else ""])
            return
        rec: dict[str, Any] = {"id": rid, "line": line}
        if sc is None:
            rec.update(status="skipped", reason=reason)
        else:
            rec["status"] = sc.status
            # The model's own scores, then any de-obfuscated copy's as "deobfuscated:LABEL".
            rec.update({k: float(v) for k, v in sc.flag_values().items()})
            rec.update(model=sc.model, version=sc.version, windows=sc.windows)
        self.out.write(json.dumps(rec, ensure_ascii=False, allow_nan=False) + "\n")


def score_stream(src: IO[bytes], out: IO[str], pool: ScoringPool, *, fmt: str,
                 out_fmt: str = "jsonl", text_col: str = "text", id_col: str = "id",
                 group_col: str | None = None,
                 batch_size: int = 64, rejects: IO[str] | None = None, skip_rows: int = 0,
                 summary: Summary | None = None, header: bool = True,
                 progress: Callable[..., Any] | None = None,
                 on_flush: Callable[[int, Summary], None] | None = None) -> Summary:
    """Score a CSV/JSONL stream, one output row per input row, in input order.

    Rows with no text, invalid UTF-8, malformed JSON or over MAX_TEXT_CHARS are skipped with a
    reason (in the summary, in the output row's status and reason, and in ``rejects``). The
    first ``skip_rows`` input rows are read but not written (a resumed run). ``on_flush(rows
    done, summary)`` is called after each batch's rows were written. ``group_col``: rows with
    the same value there (an article) share a language context (``routing.decide``), instead
    of all rows scored in one call.
    """
    summary = summary or Summary(model=pool.name, version=pool.version, workers=pool.workers)
    writer = _Writer(out, out_fmt, getattr(pool, "labels", ()))
    if header:
        writer.header()
    done = skip_rows
    # Rows per scoring call: the model batch size, or more where the model sorts texts by
    # length within a call (512 for the neural models), so similar lengths share a batch.
    per_call = max(batch_size, getattr(pool, "rows_per_call", 0))

    def segments() -> Iterator[tuple[list[tuple[int, Any, str | None]], list[str],
                                     list[Any] | None]]:
        seg: list[tuple[int, Any, str | None]] = []
        texts: list[str] = []
        groups: list[Any] = []
        rows = iter_rows(src, fmt, text_col, id_col, group_col)
        for n, (line, rid, text, problem, group) in enumerate(rows):
            if n < skip_rows:
                continue
            problem = problem or _problem(text)
            seg.append((line, rid, problem))
            if problem is None:
                texts.append(text)  # type: ignore[arg-type]
                groups.append(group)
            if len(texts) >= per_call or len(seg) >= 8 * per_call:
                yield seg, texts, groups if group_col else None
                seg, texts, groups = [], [], []
        if seg:
            yield seg, texts, groups if group_col else None

    for seg, results in pool.map(segments()):
        it = iter(results)
        for line, rid, problem in seg:
            if problem is not None:
                code = problem.split(":")[0]
                summary.skip(code)
                writer.row(line, rid, reason=problem)
                if rejects is not None:
                    rejects.write(json.dumps({"line": line, "id": rid, "reason": code,
                                              "detail": problem}, ensure_ascii=False) + "\n")
                continue
            sc = next(it)
            summary.scored += 1
            summary.count(sc)
            writer.row(line, rid, sc)
        done += len(seg)
        if progress:
            progress(len(seg), position=_tell(src))
        if on_flush:
            on_flush(done, summary)
    return summary


def _tell(fh: Any) -> int | None:
    try:
        return int(fh.tell())
    except (OSError, ValueError, AttributeError):
        return None


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, path)


def score_file(src: str, output: str, scorer: Scorer | ScorerSpec, *, fmt: str,
               out_fmt: str = "jsonl", text_col: str = "text", id_col: str = "id",
               group_col: str | None = None,
               batch_size: int = 64, rejects: str | None = None, workers: int = 1,
               overwrite: bool = False,
               progress_factory: Callable[[int | None], Any] | None = None) -> Summary:
    """Score file ``src`` (or ``-``) into ``output`` (or ``-``), resuming an unfinished run of
    the same command (see the module docstring for the rule)."""
    start = time.perf_counter()
    resumable = src != "-" and output != "-"
    state_path = Path(output + STATE_SUFFIX)
    with ScoringPool(scorer, workers) as pool:
        summary = Summary(model=pool.name, version=pool.version, workers=pool.workers)
        identity: dict[str, Any] = {}
        state: dict[str, Any] | None = None
        if resumable:
            st = Path(src).stat()
            identity = {"input": str(Path(src).resolve()), "input_size": st.st_size,
                        "input_mtime_ns": st.st_mtime_ns, "format": fmt, "text_column": text_col,
                        "id_column": id_col, "output_format": out_fmt, "model": pool.name,
                        "version": pool.version, "group_column": group_col}
            if Path(output).exists() and not overwrite:
                state = _read_state(state_path)
                if state is None:
                    raise InputError(f"{output} exists and is not an unfinished run of this "
                                     "command; use --overwrite to replace it")
                diff = [k for k in _IDENTITY if state.get(k) != identity[k]]
                if diff:
                    raise InputError(f"{output} holds a run with another {', '.join(diff)}; "
                                     "use --overwrite to start again")
        skip = int(state["rows_done"]) if state else 0
        if state:
            summary.skipped = dict(state.get("skipped", {}))
            summary.note = (f"already complete: {skip} rows" if state.get("complete")
                            else f"resumed after row {skip}")
            if state.get("complete"):
                summary.seconds = time.perf_counter() - start
                return summary
            _truncate(output, int(state["out_bytes"]))
            if rejects:
                _truncate(rejects, int(state.get("rejects_bytes", 0)))
        mode = "a" if state else "w"
        fin = open(src, "rb") if src != "-" else _stdin()  # noqa: SIM115
        fout = open(output, mode, encoding="utf-8", newline="") if output != "-" else _stdout()  # noqa: SIM115
        rej = open(rejects, mode, encoding="utf-8") if rejects else None  # noqa: SIM115
        last = [0.0]
        rows_done = [skip]

        def on_flush(done: int, s: Summary, final: bool = False) -> None:
            rows_done[0] = done
            if not resumable or (not final and time.monotonic() - last[0] < STATE_EVERY_S):
                return
            fout.flush()
            if rej:
                rej.flush()
            _write_state(state_path, {**identity, "rows_done": done, "out_bytes": fout.tell(),
                                      "rejects_bytes": rej.tell() if rej else 0,
                                      "skipped": s.skipped, "complete": final})
            last[0] = time.monotonic()

        size = _tell_size(fin) if src != "-" else None
        prog = progress_factory(size) if progress_factory else None
        try:
            if prog is not None:
                prog.__enter__()
            score_stream(fin, fout, pool, fmt=fmt, out_fmt=out_fmt, text_col=text_col,
                         id_col=id_col, group_col=group_col, batch_size=batch_size,
                         rejects=rej, skip_rows=skip,
                         summary=summary, header=not state, on_flush=on_flush,
                         progress=prog.advance if prog is not None else None)
            on_flush(rows_done[0], summary, final=True)
        finally:
            if prog is not None:
                prog.__exit__(None, None, None)
            for fh in (fin, fout, rej):
                if fh is not None and fh not in (_stdin(), _stdout()):
                    fh.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _truncate(path: str, size: int) -> None:
    try:
        with open(path, "r+b") as fh:
            fh.truncate(size)
    except FileNotFoundError:
        if size:
            raise InputError(f"{path}: the file of an unfinished run is gone; use --overwrite")
        Path(path).touch()


def _tell_size(fh: Any) -> int | None:
    try:
        return os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return None


def _stdin() -> Any:
    import sys

    return sys.stdin.buffer


def _stdout() -> Any:
    import sys

    return sys.stdout
