"""Reduced precision (bf16 / fp16) for the neural models: opt-in on a CPU, default on a GPU, scores
within 0.01 of fp32; fp32 stays exact; bad settings are one clear error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import tiny_detoxify as td

from moderation.config import load_config
from moderation.errors import ConfigError, ScorerError
from moderation.scoring import load_scorer

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXTS = [
    "Thanks for the clear write-up, I learned a lot from it.",
    "You are a complete idiot and everyone here knows it.",
    "The council should publish the budget before the vote, not after.",
    "Shut up, you worthless piece of garbage.",
    "I disagree with the author about the tax plan, but the numbers are fair.",
    "go back to where you came from, nobody wants your kind here",
    "f*ck this article and f*ck you",
    "Interesting. " * 120,  # several windows
]


def seed_comments() -> list[str]:
    return [p.read_text(encoding="utf-8")[:2000] for p in sorted(SEEDS.glob("*.txt"))]


def max_diff(a, b) -> float:
    return max(abs(x.labels[k] - y.labels[k]) for x, y in zip(a, b, strict=True) for k in x.labels)


def test_builtin_encoder_in_bf16_scores_within_001_of_fp32() -> None:
    exact = load_scorer("builtin:minilm-tox", device="cpu", precision="fp32")
    fast = load_scorer("builtin:minilm-tox", device="cpu", precision="bf16")
    assert exact.engine.precision == "fp32" and fast.engine.precision == "bf16"
    assert next(iter(fast.engine.model.buffers())).dtype == torch.bfloat16
    texts = TEXTS + seed_comments()
    a, b = exact.score(texts), fast.score(texts)
    assert [r.status for r in a] == [r.status for r in b]
    assert max_diff(a, b) <= 0.01
    # the same comments cross the same thresholds: the insult stays flagged, the civil one not
    assert b[1].labels["toxicity"] > 0.5 > b[0].labels["toxicity"]


def test_detoxify_checkpoint_in_bf16_is_close_and_fp32_is_the_default_on_cpu(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tiny = td.shared_checkpoint(tmp_path_factory)
    default = load_scorer(f"detoxify:{tiny}", device="cpu")
    fast = load_scorer(f"detoxify:{tiny}", device="cpu", precision="bf16")
    assert default.engine.precision == "fp32"  # exact Detoxify unless asked otherwise
    a, b = default.score(TEXTS), fast.score(TEXTS)
    assert max_diff(a, b) <= 0.01
    # the de-obfuscated copy is scored in the same precision and kept apart
    assert b[6].deobfuscated is not None and a[6].deobfuscated is not None


def test_auto_is_bf16_for_the_embedded_model_only_where_the_cpu_has_bf16(monkeypatch) -> None:
    from moderation.scoring.engine import cpu_has_bf16

    want = "bf16" if cpu_has_bf16() else "fp32"
    assert load_scorer("builtin:minilm-tox", device="cpu").engine.precision == want
    assert load_scorer("builtin:minilm-tox", device="cpu", precision="auto").engine.precision == want
    monkeypatch.setenv("MODERATION_BUILTIN_DTYPE", "fp32")
    assert load_scorer("builtin:minilm-tox", device="cpu").engine.precision == "fp32"


def test_fp16_on_a_cpu_and_unknown_precisions_are_clear_errors() -> None:
    with pytest.raises(ScorerError, match="fp16 needs a GPU"):
        load_scorer("builtin:minilm-tox", device="cpu", precision="fp16")
    with pytest.raises(ScorerError, match="unknown precision 'fp8'"):
        load_scorer("builtin:minilm-tox", device="cpu", precision="fp8")


def test_config_precision_is_checked(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[scoring]\nprecision = "fp64"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="scoring.precision must be one of"):
        load_config(cfg)
    cfg.write_text('[scoring]\nprecision = "bf16"\n', encoding="utf-8")
    assert load_config(cfg).precision == "bf16"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MODERATION_TORCH_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "moderation", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300, check=False)


def test_score_file_precision_option_end_to_end(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(TEXTS)),
                   encoding="utf-8")
    outs = {}
    for precision in ("fp32", "bf16"):
        out = tmp_path / f"{precision}.jsonl"
        r = run_cli("score-file", str(src), "-o", str(out), "--model", "builtin:minilm-tox",
                    "--device", "cpu", "--precision", precision, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        outs[precision] = [json.loads(line) for line in out.read_text().splitlines()]
    assert [o["id"] for o in outs["bf16"]] == list(range(len(TEXTS)))
    diff = max(abs(a["toxicity"] - b["toxicity"]) for a, b in zip(outs["fp32"], outs["bf16"]))
    assert diff <= 0.01
    r = run_cli("score-file", str(src), "-o", str(tmp_path / "x.jsonl"), "--model",
                "builtin:minilm-tox", "--device", "cpu", "--precision", "fp16", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "fp16 needs a GPU" in r.stderr


def test_fp32_after_a_lossy_cast_is_refused_and_a_preferred_default_never_casts_early() -> None:
    fast = load_scorer("builtin:minilm-tox", device="cpu", precision="bf16")
    fast.score(["warm"])
    with pytest.raises(ScorerError, match="was cast to bf16; load it again for fp32"):
        fast.engine.set_precision("fp32")
    # the embedded model's own bf16 default waits for the first score: fp32 asked before it
    # gets the untouched fp32 weights
    lazy = load_scorer("builtin:minilm-tox", device="cpu")
    lazy.engine.set_precision("fp32")
    assert next(iter(lazy.engine.model.buffers())).dtype == torch.float32
