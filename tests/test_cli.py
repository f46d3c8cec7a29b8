"""The command line end to end, as real subprocesses in a temporary directory."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO

SEEDS = REPO / "seeds"


def mod(*args: str, cwd: Path, check: bool = False,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MODERATION_MODERATOR="tester")
    env.pop("MODERATION_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "moderation", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=check, input=stdin, timeout=300)


def table_count(db: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_parse_seeds_equals_gold(tmp_path: Path) -> None:
    gold = json.loads((FIXTURES / "seeds_gold.json").read_text())
    for name in ("000_3085d7b6e1beafaf.txt", "004_d4341341fef19c32.txt"):
        out = mod("parse", str(SEEDS / name), cwd=tmp_path, check=True)
        (article,) = json.loads(out.stdout)["articles"]
        assert article["title"] == gold[name]["title"]
        assert article["byline"] == gold[name]["byline"]
        got = [{"author": c["author"], "text": c["text"]} for c in article["comments"]]
        assert got == gold[name]["comments"]
        assert all(c["parent"] is None and c["parent_known"] is False
                   for c in article["comments"])
    assert not (tmp_path / "moderation.db").exists()


def test_ingest_is_idempotent(tmp_path: Path) -> None:
    mod("ingest", str(SEEDS), cwd=tmp_path, check=True)
    assert table_count(tmp_path / "moderation.db", "comments") == 10
    again = mod("ingest", str(SEEDS), cwd=tmp_path, check=True)
    assert "0 new" in again.stderr
    assert table_count(tmp_path / "moderation.db", "comments") == 10
    assert table_count(tmp_path / "moderation.db", "articles") == 2


def _missing(d: Path) -> Path:
    return d / "missing.txt"


def _empty(d: Path) -> Path:
    (d / "empty.txt").write_text("")
    return d / "empty.txt"


def _binary(d: Path) -> Path:
    (d / "blob.bin").write_bytes(bytes(range(256)) * 8)
    return d / "blob.bin"


def _empty_dir(d: Path) -> Path:
    (d / "nothing").mkdir()
    return d / "nothing"


@pytest.mark.parametrize("make, message", [
    (_missing, "no such file"), (_empty, "empty"), (_binary, "binary"),
    (_empty_dir, "no readable pages"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path: Path, make, message) -> None:
    mod("ingest", str(SEEDS), cwd=tmp_path, check=True)
    path = make(tmp_path)
    res = mod("ingest", str(path), cwd=tmp_path)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(path.name) in lines[0] and message in lines[0]
    assert "Traceback" not in res.stderr
    assert table_count(tmp_path / "moderation.db", "comments") == 10


def test_run_decide_export_end_to_end(tmp_path: Path) -> None:
    res = mod("run", "--no-queue", str(SEEDS), cwd=tmp_path, check=True)
    summary = json.loads(res.stderr.splitlines()[2])
    assert summary["scored"] == 10
    flagged_ids = [int(line.split()[0][1:]) for line in res.stdout.splitlines()
                   if line.startswith("#")]
    assert flagged_ids, res.stdout
    assert "why:" in res.stdout
    worst = flagged_ids[0]
    out = mod("decide", str(worst), "hide", "--reason", "abuse", cwd=tmp_path, check=True)
    assert json.loads(out.stdout)["new_status"] == "hidden"
    mod("decide", str(worst), "note", "--note", "=cmd|' /C calc'!A0", cwd=tmp_path, check=True)
    bad = mod("decide", "99999", "approve", cwd=tmp_path)
    assert bad.returncode == 2 and "no comment with id 99999" in bad.stderr
    exported = mod("export", "--format", "csv", cwd=tmp_path, check=True)
    rows = list(csv.DictReader(io.StringIO(exported.stdout, newline="")))
    assert [r["action"] for r in rows] == ["hide", "note"]
    assert rows[0]["moderator"] == "tester" and rows[0]["reason"] == "abuse"
    assert rows[1]["note"].startswith("'=")
    assert json.loads(rows[0]["scores"])["toxicity"] > 0.5
    out_file = tmp_path / "log.jsonl"
    mod("export", "--format", "jsonl", "-o", str(out_file), cwd=tmp_path, check=True)
    assert [json.loads(x)["action"] for x in out_file.read_text().splitlines()] == ["hide", "note"]
    # Scoring again scores nothing twice.
    again = mod("score", cwd=tmp_path, check=True)
    assert json.loads(again.stdout)["scored"] == 0


def test_help_and_version(tmp_path: Path) -> None:
    assert "queue" in mod("-h", cwd=tmp_path, check=True).stdout
    assert "0.1.0" in mod("--version", cwd=tmp_path, check=True).stdout


def test_a_labels_json_beside_the_pages_is_refused_not_read_as_comments(tmp_path: Path) -> None:
    """`moderation ingest ../shared/seeds` met gold.json beside the dumps and read it as a text
    dump: its quoted lines became ten "comments", scored and flagged (stop 41). A JSON document
    that holds no list of comment objects is now refused, named, and the pages still go in."""
    import shutil

    pages = tmp_path / "pages"
    shutil.copytree(SEEDS, pages)
    shutil.copy(FIXTURES / "seeds_gold.json", pages / "gold.json")
    run = mod("ingest", str(pages), cwd=tmp_path)
    assert run.returncode == 2
    assert "gold.json: a JSON document but no comment export" in run.stderr
    assert table_count(tmp_path / "moderation.db", "comments") == 10
    assert table_count(tmp_path / "moderation.db", "articles") == 2
