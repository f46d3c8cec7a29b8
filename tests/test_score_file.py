"""`moderation score-file`: CSV/JSONL in and out, bad rows, stdin/stdout, kill -9 and resume."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDLIST = "python:wordlist_scorer:WordList"


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("WORDLIST_")}
    e.update(PYTHONPATH=str(REPO / "tests"), **extra)
    return e


def score_file(*args: str, stdin: bytes | None = None,
               **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "moderation", "score-file", *args,
                           "--model", WORDLIST], input=stdin, capture_output=True,
                          env=env(**extra), timeout=120, check=False)


def summary(r: subprocess.CompletedProcess[bytes]) -> dict:
    return json.loads(r.stderr.decode().strip().splitlines()[-1])


def make_jsonl(path: Path, n: int) -> Path:
    with path.open("wb") as fh:
        for i in range(n):
            text = f"row {i} you idiot" if i % 9 == 0 else f"row {i} is fine"
            fh.write(json.dumps({"id": i, "text": text}).encode() + b"\n")
    return path


def test_csv_to_csv_one_row_per_input_row_with_bad_rows_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b'id,text\n1,you idiot\n2,"multi\nline, fine"\n3,\n4,caf\xe9 bad bytes\n'
                    b"5," + b"x" * 200_001 + b"\n6,=SUM(A1) is a formula\n")
    out, rej = tmp_path / "out.csv", tmp_path / "rej.jsonl"
    r = score_file(str(src), "-o", str(out), "--rejects", str(rej))
    assert r.returncode == 1, r.stderr
    s = summary(r)
    assert s["scored"] == 3 and s["skipped"] == {"no_text": 1, "invalid_utf8": 1, "too_long": 1}
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert [r["status"] for r in rows] == ["ok", "ok", "skipped", "skipped", "skipped", "ok"]
    assert float(rows[0]["insult"]) > 0.4 and float(rows[1]["insult"]) < 0.1
    assert set(rows[0]) >= {"toxicity", "insult", "threat", "model", "version"}
    assert rows[3]["reason"].startswith("invalid_utf8")
    assert [json.loads(x)["reason"] for x in rej.read_text().splitlines()] == [
        "no_text", "invalid_utf8", "too_long"]


def test_jsonl_stdin_to_stdout_with_a_malformed_line(tmp_path: Path) -> None:
    data = b'{"id": "a", "text": "hello"}\n{broken\n[1, 2]\n{"id": "b", "text": "moron"}\n'
    r = score_file("-", "-o", "-", stdin=data)
    assert r.returncode == 1
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [(x["id"], x["status"]) for x in rows] == [
        ("a", "ok"), (None, "skipped"), (None, "skipped"), ("b", "ok")]
    assert rows[1]["reason"].startswith("malformed_json") and rows[3]["insult"] > 0.4
    assert summary(r)["skipped"] == {"malformed_json": 2}


def test_a_row_with_more_cells_than_the_header_is_skipped_and_an_empty_file_named(
        tmp_path: Path) -> None:
    """An unquoted comma splits a comment: its text cell holds part of it only, so the row is
    skipped with a reason, as `moderation ingest` skips it (it was scored as 'Great article')."""
    src = tmp_path / "in.csv"
    src.write_text("text,id\nGreat article, you idiot,2\nfine,3\n", encoding="utf-8")
    r = score_file(str(src), "-o", "-")
    assert r.returncode == 1, r.stderr
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [(x["line"], x["status"]) for x in rows] == [(2, "skipped"), (3, "ok")]
    assert rows[0]["reason"] == "malformed_csv: 1 more cell(s) than the header"
    (tmp_path / "empty.csv").write_bytes(b"")
    r = score_file(str(tmp_path / "empty.csv"), "-o", "-")
    assert r.returncode == 2 and b"empty.csv: file is empty" in r.stderr


def test_a_named_pipe_is_refused_as_such_not_as_a_missing_file(tmp_path: Path) -> None:
    """A run resumes by the input's size and time, so a pipe is refused; the message said
    "no such file" for a pipe that exists."""
    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)
    r = score_file(str(fifo), "-o", "-")
    assert r.returncode == 2
    assert b"in.jsonl: not a regular file" in r.stderr and b"standard input" in r.stderr


def test_text_and_id_columns_are_options_and_a_missing_column_is_named(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("comment_id,body\n7,stupid\n", encoding="utf-8")
    r = score_file(str(src), "--text-column", "body", "--id-column", "comment_id")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["id"] == "7"
    r = score_file(str(src), "-o", str(tmp_path / "o.jsonl"))
    assert r.returncode == 2 and b"'text'" in r.stderr and b"--text-column" in r.stderr


def test_kill_9_then_the_same_command_finishes_without_duplicates_or_gaps(tmp_path: Path) -> None:
    src = make_jsonl(tmp_path / "in.jsonl", 600)
    ref = tmp_path / "ref.jsonl"
    assert score_file(str(src), "-o", str(ref), "--batch-size", "20").returncode == 0
    out = tmp_path / "out.jsonl"
    calls = tmp_path / "calls"
    cmd = [sys.executable, "-m", "moderation", "score-file", str(src), "-o", str(out),
           "--batch-size", "20", "--model", WORDLIST]
    proc = subprocess.Popen(cmd, env=env(WORDLIST_DELAY="0.05", WORDLIST_CALLS=str(calls)),
                            stderr=subprocess.DEVNULL)
    state = Path(str(out) + ".progress.json")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        st = json.loads(state.read_text()) if state.exists() else {}
        if st.get("rows_done", 0) >= 200:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = json.loads(state.read_text())["rows_done"]
    assert 200 <= done_before < 600 and not json.loads(state.read_text())["complete"]
    r = subprocess.run(cmd, env=env(WORDLIST_CALLS=str(calls)), capture_output=True, timeout=120,
                       check=False)
    assert r.returncode == 0, r.stderr
    assert "resumed after row" in summary(r)["note"]
    assert out.read_bytes() == ref.read_bytes()  # every row once, in order, none lost
    scored = len(calls.read_text().splitlines())
    assert scored < 600 + 40  # at most the rows in flight at the kill were scored twice
    # a finished output is not scored again
    r = subprocess.run(cmd, env=env(WORDLIST_CALLS=str(calls)), capture_output=True, timeout=120,
                       check=False)
    assert r.returncode == 0 and summary(r)["scored"] == 0
    assert "already complete" in summary(r)["note"]
    assert len(calls.read_text().splitlines()) == scored


def test_changed_input_is_refused_and_overwrite_starts_again(tmp_path: Path) -> None:
    src = make_jsonl(tmp_path / "in.jsonl", 10)
    out = tmp_path / "out.jsonl"
    assert score_file(str(src), "-o", str(out)).returncode == 0
    make_jsonl(src, 12)
    r = score_file(str(src), "-o", str(out))
    assert r.returncode == 2 and b"--overwrite" in r.stderr
    assert len(out.read_text().splitlines()) == 10  # untouched
    r = score_file(str(src), "-o", str(out), "--overwrite")
    assert r.returncode == 0 and len(out.read_text().splitlines()) == 12
    other = tmp_path / "other.jsonl"
    other.write_text("not ours\n")
    r = score_file(str(src), "-o", str(other))
    assert r.returncode == 2 and other.read_text() == "not ours\n"


def test_two_workers_write_the_same_output_as_one(tmp_path: Path) -> None:
    src = make_jsonl(tmp_path / "in.jsonl", 300)
    outs = []
    for w in ("1", "2"):
        out = tmp_path / f"out{w}.csv"
        r = score_file(str(src), "-o", str(out), "--workers", w, "--batch-size", "16")
        assert r.returncode == 0, r.stderr
        assert summary(r)["workers"] == int(w)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert len(list(csv.reader(io.StringIO(outs[0].decode())))) == 301
