"""moderation stats: counts, and the current thresholds judged against moderators' decisions."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from moderation import stats as st
from moderation.actions import decide
from moderation.cli import cli
from moderation.config import load_config
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.store import Store

from test_golden_export import THRESHOLDS, build_golden_db


def decided(store: Store, items: list[tuple[dict[str, float], str | None]], *,
            model: str = "m", version: str = "1", moderator: str = "ann") -> Store:
    """Comments with these scores, then approved/hidden/left pending as given."""
    first = store.query("SELECT COUNT(*) AS n FROM comments")[0]["n"] + 1
    store.ingest(ParseResult("text", (Article(title=f"a{first}", comments=tuple(
        Comment(f"comment {first + i}", position=i) for i in range(len(items)))),),
        source=f"s{first}"))
    ids = range(first, first + len(items))
    store.save_scores([(cid, Scores(labels, model, version))
                       for cid, (labels, _) in zip(ids, items, strict=True)])
    for cid, (_, status) in zip(ids, items, strict=True):
        if status is not None:
            decide(store, cid, {"hidden": "hide", "approved": "approve"}[status], moderator, {},
                   reason="abuse" if status == "hidden" else None)
    return store


def test_golden_database_counts(tmp_path: Path) -> None:
    with build_golden_db(tmp_path / "g.db") as store:
        s = st.compute(store, THRESHOLDS)
    assert s.by_status == {"pending": 0, "approved": 2, "hidden": 5}
    assert s.by_moderator == {"=bob": {"hide": 1}, "ann": {"approve": 1, "hide": 2, "undo": 1},
                              "bob": {"approve": 1}, "carol": {"hide": 2, "note": 1},
                              "dave": {"approve": 1}, "system": {"hide": 1}}
    assert s.by_day == {"2026-03-01": {"approve": 2, "hide": 4, "undo": 1},
                        "2026-03-02": {"approve": 1, "hide": 2, "note": 1}}
    by_label = {a.label: a for a in s.labels}
    tox = by_label["toxicity"]
    # toxicity: hidden 2 (.97), 3 (.05), 5 (.7), 6 (.88), 7 (.125); approved 1 (.02), 4 (.4).
    assert (tox.scored, tox.flagged, tox.hidden, tox.approved) == (7, 3, 5, 2)
    assert (tox.true_pos, tox.false_pos, tox.false_neg) == (3, 0, 2)
    assert tox.precision == 1.0 and tox.recall == 0.6
    ins = by_label["insult"]
    assert (ins.hidden, ins.approved, ins.true_pos, ins.false_neg) == (3, 2, 1, 2)
    assert abs(ins.recall - 1 / 3) < 1e-12
    assert (s.any_label.true_pos, s.any_label.false_pos, s.any_label.false_neg) == (3, 0, 2)
    assert s.models == [{"model": "fixture", "version": "1.0", "n": 7}]


def test_pending_comments_are_counted_but_not_judged(store: Store) -> None:
    decided(store, [({"toxicity": 0.9}, None), ({"toxicity": 0.8}, "approved"),
                    ({"toxicity": 0.1}, "hidden"), ({"toxicity": 0.95}, None)])
    a = {x.label: x for x in st.compute(store, {"toxicity": 0.5}).labels}["toxicity"]
    assert (a.flagged, a.flagged_pending) == (3, 2)
    assert (a.true_pos, a.false_pos, a.false_neg) == (0, 1, 1)
    assert a.precision == 0.0 and a.recall == 0.0


def test_label_without_threshold_and_empty_database(store: Store) -> None:
    s = st.compute(store, {"toxicity": 0.5})
    assert s.by_status == {"pending": 0, "approved": 0, "hidden": 0}
    (tox,) = s.labels
    assert tox.scored == 0 and tox.precision is None and tox.recall is None
    assert "—" in st.format_text(s)
    decided(store, [({"toxicity": 0.9, "spam": 0.99}, "hidden")])
    labels = {a.label: a for a in st.compute(store, {"toxicity": 0.5}).labels}
    assert labels["spam"].threshold is None and labels["spam"].flagged == 0
    assert labels["spam"].hidden == 1 and labels["spam"].recall == 0.0


def test_agreement_matches_a_direct_count(store: Store) -> None:
    rng = random.Random(7)
    items = [({"toxicity": round(rng.random(), 3), "insult": round(rng.random(), 3)},
              rng.choice(["hidden", "approved", None])) for _ in range(120)]
    decided(store, items)
    thresholds = {"toxicity": 0.42, "insult": 0.7}
    labels = {a.label: a for a in st.compute(store, thresholds).labels}
    for label, t in thresholds.items():
        tp = sum(1 for sc, s in items if s == "hidden" and sc[label] >= t)
        fp = sum(1 for sc, s in items if s == "approved" and sc[label] >= t)
        fn = sum(1 for sc, s in items if s == "hidden" and sc[label] < t)
        a = labels[label]
        assert (a.true_pos, a.false_pos, a.false_neg) == (tp, fp, fn), label
        assert a.flagged == sum(1 for sc, _ in items if sc[label] >= t)


def test_rescored_comments_count_with_their_current_model(store: Store) -> None:
    decided(store, [({"toxicity": 0.9}, "hidden"), ({"toxicity": 0.2}, "approved")])
    store.save_scores([(1, Scores({"toxicity": 0.1}, "m", "2"))])  # new model misses it
    (tox,) = st.compute(store, {"toxicity": 0.5}).labels
    assert (tox.scored, tox.true_pos, tox.false_neg) == (2, 0, 1)


def test_cli_text_and_json(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[thresholds]\n" + "".join(f"{k} = {v}\n" for k, v in THRESHOLDS.items()))
    with build_golden_db(tmp_path / "g.db") as store:
        store.record_decision(1, "note", "\x1b]0;pwned\x07mallory", note="x")
        # The file's thresholds over the defaults, as the CLI loads them.
        expected = st.compute(store, load_config(config).thresholds).as_json()
    runner = CliRunner()
    base = ["--config", str(config), "--db", str(tmp_path / "g.db"), "stats"]
    as_json = runner.invoke(cli, [*base, "--json"])
    assert as_json.exit_code == 0, as_json.stderr
    assert json.loads(as_json.stdout) == json.loads(json.dumps(expected))
    text = runner.invoke(cli, base)
    assert text.exit_code == 0
    assert "Comments by status:" in text.stdout and "toxicity" in text.stdout
    assert "\x1b" not in text.stdout and "\x07" not in text.stdout
    assert "␛]0;pwned␇mallory" in text.stdout
    row = next(ln for ln in text.stdout.splitlines() if ln.strip().startswith("toxicity"))
    assert row.split()[-2:] == ["100%", "60%"]
