"""Golden files pin both export formats byte for byte (regenerate: UPDATE_GOLDEN=1 pytest ...)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation import export as ex
from moderation.actions import decide, undo_last
from moderation.cli import cli
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.store import Store

GOLDEN = Path(__file__).resolve().parent / "golden"
# Fixed here, not taken from config defaults, so that a new default does not move the goldens.
THRESHOLDS = {"toxicity": 0.5, "insult": 0.6, "identity_attack": 0.5, "threat": 0.5}

THREAD = ParseResult(
    format="text",
    source="golden.txt",
    articles=(
        Article(title="Council votes on the new bridge", comments=(
            Comment("Great reporting, thank you.", author="Ann", position=0),
            Comment("You are a complete idiot and a moron.", author="Troll", position=1),
            Comment("=HYPERLINK(\"http://evil\",\"click\")", author="@attacker", position=2),
            Comment("line one\r\nline two \u2028 sep \u2029 para \u0085 nel \"quoted\", comma",
                    author="\uff1dwide", position=3),
            Comment("I will find where you live.", author="Anon", position=4),
        )),
        Article(title="-Second article", comments=(
            Comment("Go back where you came from.", author="Hater", position=0),
            Comment("nul\x00byte and tab\tinside", author="\tTabby", position=1),
        )),
    ),
)
SCORES = {
    1: {"toxicity": 0.02, "insult": 0.01},
    2: {"toxicity": 0.97, "insult": 0.93},
    3: {"toxicity": 0.05, "insult": 0.02},
    4: {"toxicity": 0.4, "insult": 0.3},
    5: {"toxicity": 0.7, "threat": 0.91},
    6: {"toxicity": 0.88, "identity_attack": 0.77},
    7: {"toxicity": 0.125, "insult": 0.0625},
}


def fixed_clock(start: str = "2026-03-01T09:00:00") -> Callable[[], str]:
    """A clock that ticks 90 seconds per call, from ``start`` (UTC)."""
    now = datetime.fromisoformat(start).replace(tzinfo=UTC)

    def tick() -> str:
        nonlocal now
        now += timedelta(seconds=90)
        return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return tick


def build_golden_db(path: Path) -> Store:
    """The deterministic database behind the goldens: every action of the vocabulary a
    moderator can take, a system entry, hostile text, two articles, over two days."""
    store = Store(path, clock=fixed_clock())
    store.ingest(THREAD)
    store.save_scores([(cid, Scores(labels, "fixture", "1.0")) for cid, labels in SCORES.items()])
    decide(store, 2, "hide", "ann", THRESHOLDS, reason="abuse", note="name-calling")
    decide(store, 1, "approve", "ann", THRESHOLDS)
    decide(store, 3, "hide", "=bob", THRESHOLDS, reason="spam", note="+formula in a note")
    decide(store, 4, "approve", "bob", THRESHOLDS)
    decide(store, 5, "hide", "ann", THRESHOLDS, reason="threat")
    undo_last(store, "ann", THRESHOLDS)
    decide(store, 5, "hide", "carol", THRESHOLDS, reason="threat", note="reported to police")
    store.clock = fixed_clock("2026-03-02T14:00:00")
    decide(store, 6, "note", "carol", THRESHOLDS, note="check the author's history")
    decide(store, 6, "hide", "carol", THRESHOLDS, reason="hate")
    decide(store, 7, "approve", "dave", THRESHOLDS, note="-1 for style, but fine")
    store.record_decision(7, "hide", "system", reason="spam", note="auto-hide: spam rule",
                          automated=True, evidence={"model": "rules", "version": "1",
                                                    "scores": {}, "thresholds": {},
                                                    "flagged": []})
    return store


@pytest.fixture
def golden_db(tmp_path: Path):
    store = build_golden_db(tmp_path / "golden.db")
    yield store
    store.close()


def check_golden(name: str, produced: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(produced)
    assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 once and review it"
    assert produced == path.read_bytes(), f"{name} differs from the golden file"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_matches_golden(golden_db: Store, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"log.{fmt}"
    assert ex.export_to_file(golden_db.log_rows(), fmt, out) == 11
    check_golden(f"log.{fmt}", out.read_bytes())


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_cli_export_to_stdout_matches_golden(golden_db: Store, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["--db", golden_db.path, "export", "--format", fmt])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == (GOLDEN / f"log.{fmt}").read_bytes()


def test_filtered_export_is_a_subset_of_the_golden(golden_db: Store) -> None:
    result = CliRunner().invoke(cli, ["--db", golden_db.path, "export", "--format", "jsonl",
                                      "--since", "2026-03-02", "--moderator", "carol"])
    golden = (GOLDEN / "log.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    assert result.stdout.splitlines(keepends=True) == [
        line for line in golden if '"moderator": "carol"' in line and '"at": "2026-03-02' in line]
    assert len(result.stdout.splitlines()) == 2


def test_golden_csv_header_is_the_documented_column_list() -> None:
    header = (GOLDEN / "log.csv").read_bytes().decode("utf-8").split("\r\n", 1)[0]
    assert header == ",".join(ex.COLUMNS)
    doc = (Path(__file__).resolve().parent.parent / "docs" / "schema.md").read_text()
    for column in ex.COLUMNS:
        assert f"| `{column}` |" in doc, f"export column {column} is not documented"
