"""moderation calibrate: thresholds from decisions, charts, and config.toml edited in place."""

from __future__ import annotations

import json
import shutil
import struct
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import calibrate as cb
from moderation.cli import cli
from moderation.config import load_config
from moderation.store import Store

from conftest import REPO
from test_stats import decided

HIDDEN = [0.9, 0.8, 0.7, 0.6, 0.35]
APPROVED = [0.65, 0.3, 0.2, 0.1, 0.05]


def worked_example(store: Store) -> Store:
    return decided(store, [({"toxicity": v}, "hidden") for v in HIDDEN]
                   + [({"toxicity": v}, "approved") for v in APPROVED])


def brute_force(pos: list[float], neg: list[float], t: float) -> tuple[int, int]:
    return sum(v >= t for v in pos), sum(v >= t for v in neg)


def test_worked_example_precision_target(store: Store) -> None:
    worked_example(store)
    # t <= 0.35 flags every hidden comment and one approved (0.65): precision 5/6, recall 1.
    (tox,) = cb.calibrate(store, {"toxicity": 0.5}, target=0.8).labels
    assert tox.status == "ok"
    # Halfway between the highest score left out (0.30) and the lowest flagged (0.35).
    assert tox.chosen.threshold == 0.325
    assert (tox.chosen.tp, tox.chosen.fp) == (5, 1)
    assert tox.current_point is not None and (tox.current_point.tp, tox.current_point.fp) == (4, 1)
    # A stricter target: only thresholds above 0.65 keep precision at 100%.
    (strict,) = cb.calibrate(store, {"toxicity": 0.5}, target=1.0).labels
    assert strict.chosen.threshold == 0.675 and (strict.chosen.tp, strict.chosen.fp) == (3, 0)


def test_worked_example_recall_target(store: Store) -> None:
    worked_example(store)
    (tox,) = cb.calibrate(store, {}, metric="recall", target=0.6).labels
    # Recall 0.6 needs 3 of 5 hidden; t in (0.65, 0.7] gets them with no approved one.
    assert (tox.chosen.tp, tox.chosen.fp) == (3, 0) and tox.chosen.threshold == 0.675
    (tox,) = cb.calibrate(store, {}, metric="recall", target=0.8).labels
    # Recall 0.8: t in (0.35, 0.6] has precision 4/5, t <= 0.35 has 5/6 (and recall 1): the
    # better precision wins.
    assert (tox.chosen.tp, tox.chosen.fp) == (5, 1) and tox.chosen.threshold == 0.325


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30),
       st.lists(st.floats(0, 1), min_size=1, max_size=30),
       st.sampled_from(["precision", "recall"]), st.floats(0.05, 1.0))
def test_choice_is_optimal_on_every_candidate(pos: list[float], neg: list[float], metric: str,
                                              target: float) -> None:
    samples = cb._Samples([(v, True) for v in pos] + [(v, False) for v in neg])
    point = cb.choose(samples, metric, target)
    grid = sorted({cb._floor(v) for v in pos + neg} | {i / 1000 for i in range(1001)})

    def metrics(t: float) -> tuple[float | None, float | None]:
        tp, fp = brute_force(pos, neg, t)
        return (tp / (tp + fp) if tp + fp else None), tp / len(pos)

    feasible = [(t, *metrics(t)) for t in grid
                if (m := metrics(t)[0 if metric == "precision" else 1]) is not None
                and m >= target - 1e-12 and sum(brute_force(pos, neg, t))]
    if not feasible:
        assert point is None
        return
    assert point is not None
    assert (point.tp, point.fp) == brute_force(pos, neg, point.threshold)
    prec, rec = metrics(point.threshold)
    got, other = (prec, rec) if metric == "precision" else (rec, prec)
    assert got is not None and got >= target - 1e-12
    best_other = max((r if metric == "precision" else p) or 0 for _, p, r in feasible)
    assert (other or 0) >= best_other - 1e-12


def test_too_few_and_unreachable_keep_the_current_threshold(store: Store) -> None:
    decided(store, [({"toxicity": 0.9, "threat": 0.1}, "hidden")] * 2
            + [({"toxicity": 0.95, "threat": 0.2}, "approved")] * 6
            + [({"toxicity": 0.1, "threat": 0.3}, "hidden")] * 4)
    result = cb.calibrate(store, {"toxicity": 0.5, "threat": 0.5}, target=0.9)
    by = {c.label: c for c in result.labels}
    # toxicity: every hidden comment scores below an approved one at 0.95, the rest below.
    assert by["toxicity"].status == "unreachable" and by["toxicity"].chosen is None
    assert "no threshold reaches precision 90%" in by["toxicity"].message
    few = cb.calibrate(store, {"toxicity": 0.5}, labels=["toxicity"], min_decisions=7).labels[0]
    assert few.status == "too_few_decisions" and "need at least 7 of each" in few.message
    assert result.proposed == {"threat": 0.25}  # 0.3 hidden above 0.2 approved: a clean cut


def test_model_choice_and_errors(store: Store) -> None:
    with pytest.raises(cb.CalibrationError, match="no decided comments with scores"):
        cb.calibrate(store, {})
    worked_example(store)
    decided(store, [({"toxicity": 0.9}, "hidden"), ({"toxicity": 0.1}, "approved")],
            model="other", version="7")
    assert cb.calibrate(store, {}).model == "m"  # the model that scored most decisions
    other = cb.calibrate(store, {}, model="other", min_decisions=1)
    assert (other.model, other.version, other.labels[0].positives) == ("other", "7", 1)
    with pytest.raises(cb.CalibrationError, match="no decided comments scored by nope"):
        cb.calibrate(store, {}, model="nope")
    with pytest.raises(cb.CalibrationError, match="target precision must be above 0"):
        cb.calibrate(store, {}, target=0)


def test_text_chart_marks_the_thresholds(store: Store) -> None:
    worked_example(store)
    (tox,) = cb.calibrate(store, {"toxicity": 0.5}, target=0.8).labels
    chart = cb.text_chart(tox, width=51, height=10)
    assert len(chart) == 13
    plot = [ln[6:] for ln in chart[:11]]
    assert all(len(row) == 51 for row in plot)
    chosen_col, current_col = round(0.325 * 50), round(0.5 * 50)
    assert sum(row[chosen_col] == "|" for row in plot) >= 8
    assert sum(row[current_col] == ":" for row in plot) >= 8
    # At threshold 0 recall is 100% (top row) and precision 50% (middle row).
    assert plot[0][0] in "R*" and plot[5][0] in "P*"
    text = cb.format_text(cb.calibrate(store, {"toxicity": 0.5}, target=0.8))
    assert "proposed: 0.325: precision 83%, recall 100%" in text


# -- config.toml ------------------------------------------------------------------------------

def test_real_config_keeps_every_comment_and_other_key(tmp_path: Path) -> None:
    original = (REPO / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(original, encoding="utf-8")
    cb.write_thresholds(path, {"toxicity": 0.8125, "insult": 0.6, "brand_new": 0.33})
    text = path.read_text(encoding="utf-8")
    before, after = tomllib.loads(original), tomllib.loads(text)
    assert after["thresholds"]["toxicity"] == 0.812  # written with 3 decimals
    assert after["thresholds"]["brand_new"] == 0.33
    assert {k: v for k, v in after.items() if k != "thresholds"} == {
        k: v for k, v in before.items() if k != "thresholds"}
    assert [ln for ln in original.splitlines() if "#" in ln and "toxicity =" not in ln] == [
        ln for ln in text.splitlines() if "#" in ln and "toxicity =" not in ln]
    old_line = next(ln for ln in original.splitlines() if ln.startswith("toxicity ="))
    new_line = next(ln for ln in text.splitlines() if ln.startswith("toxicity ="))
    assert new_line.index("#") == old_line.index("#")  # the comment stays in its column
    assert load_config(path).thresholds["toxicity"] == 0.812


def test_toml_edits_in_awkward_layouts() -> None:
    crlf = "# top\r\n[thresholds]\r\n'toxicity'=0.5 # quoted key\r\n\r\n[queue]\r\nstatus = \"all\"\r\n"
    out = cb.update_thresholds_text(crlf, {"toxicity": 0.25, "threat": 0.9})
    assert out == ("# top\r\n[thresholds]\r\n'toxicity'=0.25 # quoted key\r\nthreat = 0.9\r\n"
                   "\r\n[queue]\r\nstatus = \"all\"\r\n")
    assert cb.update_thresholds_text("[scoring]\nmodel = \"builtin\"", {"toxicity": 0.5}) == (
        "[scoring]\nmodel = \"builtin\"\n\n[thresholds]\ntoxicity = 0.5\n")
    assert cb.update_thresholds_text("", {"a": 1}) == "[thresholds]\na = 1.0\n"


def test_a_layout_it_cannot_edit_safely_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = "thresholds = { toxicity = 0.5 }  # inline table\n"
    path.write_text(text)
    with pytest.raises(cb.CalibrationError, match="set them by hand: toxicity = 0.7"):
        cb.write_thresholds(path, {"toxicity": 0.7})
    assert path.read_text() == text
    path.write_text("[thresholds\n")
    with pytest.raises(cb.CalibrationError, match="cannot read it"):
        cb.write_thresholds(path, {"toxicity": 0.7})


# -- the command ------------------------------------------------------------------------------

def run(tmp_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(tmp_path / "config.toml"),
                                    "--db", str(tmp_path / "cal.db"), "calibrate", *args])


@pytest.fixture
def cal_dir(tmp_path: Path) -> Path:
    shutil.copy(REPO / "config.toml", tmp_path / "config.toml")
    with Store(tmp_path / "cal.db") as store:
        worked_example(store)
    return tmp_path


def test_cli_write_updates_config(cal_dir: Path) -> None:
    before = (cal_dir / "config.toml").read_text()
    result = run(cal_dir, "--target-precision", "0.8", "--write")
    assert result.exit_code == 0, result.stderr
    assert "toxicity: 5 hidden, 5 approved" in result.stdout and "┤" in result.stdout
    assert "wrote 1 threshold(s)" in result.stderr and "toxicity = 0.325" in result.stderr
    after = (cal_dir / "config.toml").read_text()
    assert load_config(cal_dir / "config.toml").thresholds["toxicity"] == 0.325
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert len(changed) == 1 and changed[0][1].startswith("toxicity = 0.325 ")


def test_cli_json_and_option_errors(cal_dir: Path) -> None:
    result = run(cal_dir, "--target-recall", "0.6", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["proposed"] == {"toxicity": 0.675}
    both = run(cal_dir, "--target-recall", "0.8", "--target-precision", "0.9")
    assert both.exit_code == 2 and "not both" in both.stderr
    assert run(cal_dir, "--target-precision", "1.5").exit_code == 2


def test_cli_plot_writes_a_png(cal_dir: Path) -> None:
    pytest.importorskip("matplotlib")
    out = cal_dir / "curves.png"
    result = run(cal_dir, "--plot", str(out), "--min-decisions", "1")
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 300 and height > 200
    assert [p.name for p in cal_dir.iterdir() if p.name.startswith(".")] == []


def test_cli_plot_without_matplotlib_is_a_clear_error(cal_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Make the optional dependency absent: the import machinery then raises ImportError.
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = cal_dir / "curves.png"
    result = run(cal_dir, "--plot", str(out))
    assert result.exit_code == 2
    assert "--plot needs matplotlib" in result.stderr and "moderation[plot]" in result.stderr
    assert not out.exists()


def test_write_through_a_symlink_updates_the_target(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("[thresholds]\ntoxicity = 0.5\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    cb.write_thresholds(link, {"toxicity": 0.75})
    assert link.is_symlink() and real.read_text() == "[thresholds]\ntoxicity = 0.75\n"


def test_hides_for_ignored_reasons_are_left_out(cal_dir: Path) -> None:
    with Store(cal_dir / "cal.db") as store:  # the worked example, plus two spam hides
        # with low toxicity that would drag the recall down if they counted.
        decided(store, [({"toxicity": 0.01}, None), ({"toxicity": 0.02}, None)])
        for cid in (11, 12):
            store.record_decision(cid, "hide", "ann", reason="spam")
        with_spam = cb.calibrate(store, {}, target=0.8).labels[0]
        without = cb.calibrate(store, {}, target=0.8,
                               ignore_reasons=("spam", "off_topic")).labels[0]
    assert (with_spam.positives, without.positives) == (7, 5)
    assert without.chosen.threshold == 0.325 and without.chosen.recall == 1.0
    assert with_spam.chosen.recall == 5 / 7

    def positives(*args: str) -> int:
        result = run(cal_dir, "--label", "toxicity", "--json", *args)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)["labels"][0]["positives"]

    assert (positives(), positives("--ignore-reason", "spam")) == (7, 5)
