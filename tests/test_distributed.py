"""Scoring on Ray Data for real (a local Ray on this machine): equal to score-file, to and from
the store, and resumed after SIGKILL to the driver or to an actor without duplicates."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from moderation.batch import ScorerSpec  # noqa: E402
from moderation.distributed import shards  # noqa: E402
from moderation.distributed.runner import Job, score_dataset  # noqa: E402
from moderation.scorefile import score_file  # noqa: E402

TESTS = Path(__file__).resolve().parent
WORDS = ("idiot", "moron", "nice", "bridge", "stupid", "thanks", "council", "vote")


def write_jsonl(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(i % 5 + 1))
            fh.write(json.dumps({"id": i, "text": f"comment {i}: {words}"}) + "\n")


def ids_in(outdir: Path) -> list[int]:
    return [int(r["id"]) for r in shards.read_results(outdir)]


@pytest.fixture(scope="module")
def local_ray():
    from moderation.distributed.runner import _init_ray

    _init_ray(None)
    yield
    ray.shutdown()


def test_results_equal_score_file_on_2000_rows(local_ray: None, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 2_000)
    spec = ScorerSpec("builtin:linear-tox", device="cpu")
    summary = score_dataset(Job(str(src), tmp_path / "out", spec, actors=2, batch_size=100))
    assert summary["scored"] == 2_000
    score_file(str(src), str(tmp_path / "sf.jsonl"), spec, fmt="jsonl", text_col="text",
               id_col="id")
    theirs = {r["id"]: r for r in map(json.loads, (tmp_path / "sf.jsonl").open())}
    ours = {int(r["id"]): r for r in shards.read_results(tmp_path / "out")}
    assert sorted(ours) == sorted(theirs) == list(range(2_000))
    for rid, row in theirs.items():
        mine = ours[rid]
        assert (mine["status"], mine["model"], mine["version"]) == (
            row["status"], row["model"], row["version"])
        for label in ("toxicity", "insult", "obscene", "threat", "identity_attack"):
            assert mine[label] == pytest.approx(row[label], abs=1e-9)
    again = score_dataset(Job(str(src), tmp_path / "out", spec))
    assert again == {"already_done": 2_000, "scored": 0, "outdir": str(tmp_path / "out"),
                     "warnings": []}


def test_export_score_import_equals_moderation_score(local_ray: None, tmp_path: Path) -> None:
    from conftest import SAMPLE

    from moderation.store import Store

    def make(name: str) -> Store:
        store = Store(tmp_path / name)
        store.ingest(SAMPLE)
        return store
    direct, via_ray = make("direct.db"), make("ray.db")
    spec = ScorerSpec("builtin:linear-tox", device="cpu")
    scorer = spec.load()
    rows = direct.unscored(scorer.name, scorer.version)
    direct.save_scores(list(zip([r[0] for r in rows], scorer.score([r[1] for r in rows]),
                                strict=True)))
    n, files = shards.export_unscored(via_ray, tmp_path / "todo", scorer.name, scorer.version)
    assert (n, files) == (5, 1)
    score_dataset(Job(str(tmp_path / "todo"), tmp_path / "done", spec))
    first = shards.import_scores(via_ray, tmp_path / "done")
    assert first == {"rows": 5, "saved": 5, "skipped": 0, "unknown_comment": 0, "invalid": 0,
                     "warnings": []}
    second = shards.import_scores(via_ray, tmp_path / "done")
    assert second["saved"] == 0

    def scores(store: Store) -> list[tuple]:
        return sorted((r["comment_id"], r["model"], r["version"], r["label"],
                       round(r["value"], 12)) for r in store.query("SELECT * FROM scores"))
    assert scores(via_ray) == scores(direct)
    assert via_ray.unscored(scorer.name, scorer.version) == []
    direct.close()
    via_ray.close()


def test_group_column_gives_each_article_its_language_context(local_ray: None,
                                                             tmp_path: Path) -> None:
    """A batch holds many articles' comments. Without --group-column a short English comment
    in a batch that is mostly German takes the batch's language; with it, its own article's,
    as `moderation score` and `score-file --group-column` do (stop 41). export-unscored writes
    the article column it needs; a source without the column is refused, naming it."""
    from test_multilingual import ENGLISH_PAGE, GERMAN_PAGE

    from moderation.errors import InputError

    rows = [("radwege", t) for t in GERMAN_PAGE] + [("massoud", t) for t in ENGLISH_PAGE]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "article": a, "text": t}, ensure_ascii=False)
                           + "\n" for i, (a, t) in enumerate(rows)), encoding="utf-8")
    spec = ScorerSpec("builtin:minilm-tox", device="cpu", other_languages="builtin:multi-tox")

    def models(out: str, **kw: str) -> list[str]:
        score_dataset(Job(str(src), tmp_path / out, spec, batch_size=64, **kw))
        got = {int(r["id"]): r["model"] for r in shards.read_results(tmp_path / out)}
        return [got[i] for i in range(len(rows))]

    assert models("plain")[-1] == "builtin:multi-tox"  # the batch is mostly German
    grouped = models("grouped", group_column="article")
    assert grouped == ["builtin:multi-tox"] * 6 + ["builtin:minilm-tox"] * 3
    with pytest.raises(InputError, match="no column 'topic'.*--group-column"):
        score_dataset(Job(str(src), tmp_path / "bad", spec, group_column="topic"))


def test_export_unscored_writes_each_comments_article(tmp_path: Path) -> None:
    from conftest import SAMPLE

    from moderation.store import Store

    store = Store(tmp_path / "s.db")
    store.ingest(SAMPLE)
    shards.export_unscored(store, tmp_path / "todo", "builtin:linear-tox", "1")
    import pyarrow.parquet as pq

    table = pq.read_table(next((tmp_path / "todo").glob("*.parquet")))
    assert table.column_names == ["id", "text", "article"]
    articles = {r["id"]: r["article_id"] for r in store.query("SELECT id, article_id FROM comments")}
    assert [articles[i] for i in table.column("id").to_pylist()] == table.column(
        "article").to_pylist()
    store.close()


def run_job(src: Path, out: Path, *, delay: str = "0") -> subprocess.Popen[str]:
    env = dict(os.environ, WORDLIST_DELAY=delay,
               PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "moderation", "score-dataset", str(src),
                             "-o", str(out), "--model", "python:wordlist_scorer:WordList",
                             "--batch-size", "50", "--actors", "2", "--shard-rows", "200"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def wait_for(cond, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return False


def test_the_command_routes_other_languages_as_score_file_does(tmp_path: Path) -> None:
    """`moderation score-dataset` loads scoring.other_languages as score-file does: German rows
    are scored by multi-tox on Ray too (it once loaded the English model alone)."""
    src = tmp_path / "in.jsonl"
    rows = ["Vielen Dank für den ausführlichen Artikel, die Hintergründe waren sehr interessant.",
            "Du bist ein dummer Idiot, halt endlich die Klappe, du erbärmlicher Versager!",
            "Thanks for the article, the background was very interesting to read."]
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(rows)))
    cli = [sys.executable, "-m", "moderation"]
    done = subprocess.run(cli + ["score-dataset", str(src), "-o", str(tmp_path / "out"),
                                 "--model", "builtin:linear-tox", "--actors", "1"],
                          check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = subprocess.run(cli + ["score-file", str(src), "-o", str(tmp_path / "sf.jsonl"),
                                 "--model", "builtin:linear-tox"],
                          check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ray_rows = {int(r["id"]): r for r in shards.read_results(tmp_path / "out")}
    file_rows = {r["id"]: r for r in map(json.loads, (tmp_path / "sf.jsonl").open())}
    assert [ray_rows[i]["model"] for i in range(3)] == [
        "builtin:multi-tox", "builtin:multi-tox", "builtin:linear-tox"]
    for i in range(3):
        assert (ray_rows[i]["model"], ray_rows[i]["status"]) == (
            file_rows[i]["model"], file_rows[i]["status"])
        assert ray_rows[i]["toxicity"] == pytest.approx(file_rows[i]["toxicity"], abs=1e-6)


def test_killed_driver_and_actor_then_resume_without_duplicates(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out"
    write_jsonl(src, 2_000)
    # 1. SIGKILL to one actor while it scores: Ray restarts it and retries its batch.
    job = run_job(src, out, delay="0.3")
    actor = []

    def actor_running() -> bool:
        found = subprocess.run(["pgrep", "-f", "ScoreBatch"], capture_output=True, text=True,
                               check=False).stdout.split()
        actor[:] = found
        return bool(found)
    def kill_an_actor() -> bool:
        if not actor_running():
            return False
        for pid in actor:
            try:
                os.kill(int(pid), signal.SIGKILL)
                return True
            except ProcessLookupError:  # gone between the look-up and the kill
                continue
        return False
    assert wait_for(actor_running, 120), "no actor process appeared"
    time.sleep(1.0)
    assert wait_for(kill_an_actor, 60), "could not kill an actor process"
    # 2. SIGKILL to the driver once some shards are written.
    wait_for(lambda: len(shards.shard_files(out)) >= 2, 120)
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    # Nothing writes into OUTDIR once the driver is gone (Ray's own write tasks once finished
    # shards after it, and the resumed run then scored those rows again).
    snapshot = {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()}
    time.sleep(3.0)
    assert {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()} == snapshot
    partial = len(set(ids_in(out))) if out.exists() else 0
    # 3. The same command again: only what is missing, no duplicates.
    again = run_job(src, out)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    summary = json.loads(err.strip().splitlines()[-1])
    assert summary["already_done"] + summary["scored"] == 2_000
    assert summary["already_done"] == partial  # shards are whole: nothing set aside
    got = ids_in(out)
    assert len(got) == len(set(got)) == 2_000
    # 4. A third run writes nothing.
    before = sorted(p.name for p in shards.shard_files(out))
    third = run_job(src, out)
    _, err = third.communicate(timeout=300)
    assert third.returncode == 0 and json.loads(err.strip().splitlines()[-1])["scored"] == 0
    assert sorted(p.name for p in shards.shard_files(out)) == before


def test_incomplete_shard_is_set_aside_and_rescored(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "half.parquet").write_bytes(b"PAR1" + b"\x00" * 100)  # no footer: cut off mid-write
    done, warnings = shards.done_ids(out)
    assert done == set() and "half.parquet: incomplete" in warnings[0]
    assert (out / "_incomplete" / "half.parquet").exists()


def test_missing_column_is_named(local_ray: None, tmp_path: Path) -> None:
    from moderation.errors import InputError

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "body": "x"}\n')
    with pytest.raises(InputError, match="no column 'text'"):
        score_dataset(Job(str(src), tmp_path / "out", ScorerSpec("builtin:linear-tox")))


def test_import_leaves_out_broken_shards_lines_and_scores_and_names_them(tmp_path: Path) -> None:
    """Shards handed over from elsewhere: a broken Parquet file, a line that is no JSON and a
    score outside 0-1 are each left out with a warning (a traceback before, or a 'toxicity'
    of 2.5 stored); the good rows are stored; exit 1."""
    from conftest import SAMPLE

    from moderation.store import Store

    with Store(tmp_path / "m.db") as store:
        store.ingest(SAMPLE)
        ids = [r["id"] for r in store.query("SELECT id FROM comments ORDER BY id")][:3]
    done = tmp_path / "done"
    done.mkdir()
    row = {"model": "builtin:linear-tox", "version": "1", "status": "ok"}
    (done / "part-00000.jsonl").write_text("".join(json.dumps(r) + "\n" for r in (
        {**row, "id": ids[0], "toxicity": 0.25}, {**row, "id": ids[1], "toxicity": 2.5})
    ) + "{broken\n" + json.dumps({**row, "id": ids[2], "toxicity": 0.75}) + "\n")
    (done / "part-00001.parquet").write_bytes(b"PAR1 cut short")
    res = subprocess.run([sys.executable, "-m", "moderation", "--db", str(tmp_path / "m.db"),
                          "import-scores", str(done)], capture_output=True, text=True,
                         timeout=300, check=False, cwd=tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    for says in ("part-00000.jsonl: line 3 is not JSON", "a score outside 0-1: toxicity=2.5",
                 "part-00001.parquet: cannot be read"):
        assert says in res.stderr
    with sqlite3.connect(tmp_path / "m.db") as db:
        stored = db.execute("SELECT comment_id, value FROM scores WHERE model = ? ORDER BY 1",
                            ("builtin:linear-tox",)).fetchall()
    assert stored == [(ids[0], 0.25), (ids[2], 0.75)]


@pytest.mark.parametrize(("lines", "says"), [
    ('{"id": 1, "text": "fine"}\n{"id": 2, "text": "ok"}\n{broken\n{"id": 4, "text": "x"}\n',
     "in.jsonl: line 3 is not JSON (Expecting property name"),
    ('{"id": 1, "text": "a", "article": {"n": 1}}\n{"id": 2, "text": "b", "article": "x"}\n',
     "in.jsonl: line 2: 'article' is 'x' (str), where the lines above hold a dict"),
], ids=["malformed", "type-change"])
def test_an_unreadable_line_is_named_once(local_ray: None, tmp_path: Path, lines: str,
                                          says: str) -> None:
    """Ray Data reads a JSON Lines source whole and fails on one bad line with its own
    message (which points into the file read as one document): the job names the line."""
    from moderation.errors import InputError

    src = tmp_path / "in.jsonl"
    src.write_text(lines)
    with pytest.raises(InputError, match=re.escape(says)):
        score_dataset(Job(str(src), tmp_path / "out", ScorerSpec("builtin:linear-tox")))


def test_a_broken_parquet_file_or_a_missing_source_is_named(local_ray: None,
                                                           tmp_path: Path) -> None:
    from moderation.errors import InputError

    (tmp_path / "in.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"in\.parquet: cannot be read \(ArrowInvalid"):
        score_dataset(Job(str(tmp_path / "in.parquet"), tmp_path / "out",
                          ScorerSpec("builtin:linear-tox")))
    with pytest.raises(InputError, match="gone.jsonl: no such file or folder"):
        score_dataset(Job(str(tmp_path / "gone.jsonl"), tmp_path / "out2",
                          ScorerSpec("builtin:linear-tox")))


def test_the_command_reports_a_bad_line_in_one_line(tmp_path: Path) -> None:
    """Exit 2 and one error line, not Ray's tracebacks (about 300 lines before)."""
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "fine"}\n{"id": 2 "text": "no comma"}\n')
    done = subprocess.run([sys.executable, "-m", "moderation", "score-dataset", str(src), "-o",
                           str(tmp_path / "out"), "--model", "builtin:linear-tox"],
                          check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 3, done.stderr
    assert "in.jsonl: line 2 is not JSON (Expecting ',' delimiter)" in done.stderr


def test_without_the_extra_says_how_to_install(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "ray"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('not installed')\n")
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "x"}\n')
    done = subprocess.run([sys.executable, "-m", "moderation", "score-dataset", "in.jsonl",
                           "-o", "out"], cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path / "shadow")))
    assert done.returncode == 2 and "pip install 'moderation[ray]'" in done.stderr
    assert "Traceback" not in done.stderr


HOLD_LOCK = """
import sys, time
from pathlib import Path
from moderation.distributed import shards
held = shards.lock(Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(120)
"""


def test_a_second_job_is_refused_while_one_writes_and_a_killed_ones_lock_is_freed(
        tmp_path: Path) -> None:
    from moderation.errors import InputError

    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        (out / ".x-00000.parquet.tmp").write_bytes(b"PAR1")  # as a killed driver leaves it
        with pytest.raises(InputError, match="another score-dataset is writing into it"):
            shards.lock(out)
        cli = subprocess.run([sys.executable, "-m", "moderation", "score-dataset", "in.jsonl",
                              "-o", str(out)], cwd=tmp_path, capture_output=True, text=True,
                             check=False, timeout=300)
        assert cli.returncode == 2 and f"{out}: another score-dataset" in cli.stderr, cli.stderr
        assert (out / ".x-00000.parquet.tmp").exists()  # a live job's file is left alone
    finally:
        holder.kill()
        holder.wait()
    held = shards.lock(out)  # the kernel dropped the dead process's lock
    held.close()
    assert not list(out.glob(".*.tmp"))  # and its temporary files are gone


def test_shard_writer_writes_whole_shards_of_the_asked_size(tmp_path: Path) -> None:
    import pyarrow as pa

    def rows(start: int, n: int) -> pa.Table:
        return pa.Table.from_pylist([{"id": i, "toxicity": 0.5 if i % 2 else float("nan"),
                                      "status": "ok"} for i in range(start, start + n)])
    for fmt in ("parquet", "jsonl"):
        out = tmp_path / fmt
        out.mkdir()
        writer = shards.ShardWriter(out, fmt, shard_rows=100, flush_seconds=3600)
        for start in range(0, 250, 50):
            writer.add(rows(start, 50))
        assert writer.shards == 2 and writer.rows == 200  # 50 rows wait for the next flush
        writer.flush()
        files = shards.shard_files(out)
        assert len(files) == 3 and not list(out.glob(".*"))
        got = list(shards.read_results(out))
        assert sorted(r["id"] for r in got) == list(range(250))
        first = next(r["toxicity"] for r in got if r["id"] == 0)
        assert first is None if fmt == "jsonl" else math.isnan(first)  # JSON has no NaN: null
        if fmt == "jsonl":
            for line in files[0].read_text().splitlines():
                json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    out = tmp_path / "timed"
    out.mkdir()
    writer = shards.ShardWriter(out, "parquet", shard_rows=10_000, flush_seconds=0.0)
    writer.add(rows(0, 3))
    assert writer.shards == 1  # time is up at once: a shard per batch
    mixed = shards.ShardWriter(out, "parquet", shard_rows=10)
    mixed.add(pa.Table.from_pylist([{"id": 1, "language": None}]))  # a null-typed column
    mixed.add(pa.Table.from_pylist([{"id": 2, "language": "de"}]))
    mixed.flush()
    assert sorted((r["id"], r["language"]) for r in shards.read_results(out) if "language" in r
                  ) == [(1, None), (2, "de")]
