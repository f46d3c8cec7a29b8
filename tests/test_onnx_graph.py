"""The embedded models' encoder graphs in ONNX Runtime (moderation/scoring/onnx_graph.py): the
same scores as torch in fp32, the graph checksummed, torch wherever ONNX Runtime does not apply."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from moderation.errors import ScorerError
from moderation.scoring import builtin, models_dir, onnx_graph

TEXTS = [
    "You are a complete idiot and everyone knows it.",
    "Thanks for the article, the second half was especially clear.",
    "Das ist doch völliger Unsinn, du Depp.",
    "Merci pour cet article très intéressant.",
    "ok",
    "x " * 300,  # longer than one window: several windows, padded batches
]


def _fp32(scorer):
    scorer.engine.set_precision("fp32")
    return scorer


def _labels(results):
    return [r.labels for r in results]


@pytest.mark.parametrize("name", ["minilm-tox", "multi-tox"])
def test_onnx_runtime_gives_torchs_fp32_scores(name, monkeypatch):
    """Every shipped encoder model names its graph, and scoring through it equals torch's
    fp32 scores (to 1e-5) on texts of many lengths and languages."""
    manifest = json.loads((models_dir() / name / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runtime_graph"]["file"] == onnx_graph.GRAPH_FILE
    fast = _fp32(builtin.load(name))
    got = fast.score(TEXTS)
    runner = _runner_of(fast)
    assert runner._runner is not None, "fp32 on a CPU must run ONNX Runtime"
    monkeypatch.setenv("MODERATION_CPU_RUNTIME", "torch")
    slow = _fp32(builtin.load(name))
    want = slow.score(TEXTS)
    assert _runner_of(slow).graph is None
    for g, w in zip(_labels(got), _labels(want)):
        assert g.keys() == w.keys()
        for k in g:
            assert g[k] == pytest.approx(w[k], abs=1e-5), (name, k)


def _runner_of(scorer) -> onnx_graph.LazyRunner:
    runner = scorer.engine.model.runner
    assert isinstance(runner, onnx_graph.LazyRunner)
    return runner


def test_bf16_runs_torch_not_the_graph():
    """A module cast to bf16 is no longer what the graph computes: torch runs it."""
    s = builtin.load("minilm-tox")
    s.engine.set_precision("bf16")
    s.score(TEXTS[:2])
    assert _runner_of(s)._runner is None


def _copy_model(tmp_path: Path, name: str) -> Path:
    dst = tmp_path / "models" / name
    shutil.copytree(models_dir() / name, dst)
    return dst


def _english(d: Path, manifest: dict) -> builtin.EncoderScorer:
    """The English scorer over a copied directory (no span explainer beside it), in fp32."""
    manifest.pop("explainer", None)
    return _fp32(builtin.EncoderScorer(d, manifest, "cpu", None))


def test_a_damaged_graph_is_the_checksum_error(tmp_path):
    d = _copy_model(tmp_path, "minilm-tox")
    raw = bytearray((d / "encoder.onnx").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (d / "encoder.onnx").write_bytes(bytes(raw))
    # the graph is not in 'files': the load is unaffected, the first fp32 score is not
    s = _english(d, builtin.read_manifest(d))
    with pytest.raises(ScorerError, match="checksum mismatch for encoder.onnx"):
        s.score(TEXTS[:1])


def test_a_graph_of_another_model_is_refused_by_name(tmp_path):
    """multi-tox's graph under minilm-tox's weights (checksum made to match): one error naming
    the file, not wrong scores."""
    from moderation.checksums import file_sha256

    d = _copy_model(tmp_path, "minilm-tox")
    shutil.copy(models_dir() / "multi-tox" / "encoder.onnx", d / "encoder.onnx")
    manifest = builtin.read_manifest(d)
    manifest["runtime_graph"]["sha256"] = file_sha256(d / "encoder.onnx")
    s = _english(d, manifest)
    with pytest.raises(ScorerError, match="encoder.onnx does not fit"):
        s.score(TEXTS[:1])


def test_a_manifest_without_a_graph_runs_torch(tmp_path):
    d = _copy_model(tmp_path, "minilm-tox")
    manifest = builtin.read_manifest(d)
    del manifest["runtime_graph"]
    s = _english(d, manifest)
    assert s.score(TEXTS[:1])[0].status == "ok"
    assert _runner_of(s).graph is None


def test_a_malformed_graph_entry_is_refused(tmp_path):
    d = _copy_model(tmp_path, "minilm-tox")
    manifest = builtin.read_manifest(d)
    manifest["runtime_graph"] = {"file": "encoder.onnx"}
    with pytest.raises(ScorerError, match="runtime_graph needs 'file' and 'sha256'"):
        builtin.EncoderScorer(d, manifest, "cpu", None)


def test_the_export_tool_reproduces_a_graph_that_matches_torch(tmp_path):
    """export_graph on the shipped English model: ONNX Runtime over the new graph equals the
    torch module (so the shipped graph can be rebuilt from the code)."""
    pytest.importorskip("onnx")
    from moderation.training import export_graph

    module = builtin._bert_classifier(models_dir() / "minilm-tox")
    out = tmp_path / "encoder.onnx"
    out.write_bytes(export_graph.export(module))
    assert out.stat().st_size < 1_000_000  # the weights are not in it
    assert export_graph.max_difference(out, module) < 1e-4
