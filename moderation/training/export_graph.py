"""Export an embedded model's encoder graph for ONNX Runtime (``moderation/scoring/onnx_graph.py``).

    python -m moderation.training.export_graph models/minilm-tox [models/multi-tox ...]

For each model directory: builds the torch module the scorer runs (``kind`` encoder: the BERT
classifier; ``multilingual``: the e5 encoder with the manifest's layers and trunk), traces its
forward pass with torch's ONNX exporter (opset 17, batch and length dynamic, no constant
folding, so every weight stays an initializer under the module's own name), turns every weight
into an external initializer with no data (the scorer supplies the module's tensors at load),
checks that ONNX Runtime over the result matches torch on random batches, writes
``encoder.onnx`` and records it in the manifest as ``runtime_graph`` (file, SHA-256, the
torch that exported it, the largest difference measured). Needs the ``onnx`` package (the
``test`` extra has it); the scorer needs only onnxruntime.

Rerun it after changing a scorer's forward code; ``tests/test_onnx_graph.py`` fails until then.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import sys
import warnings
from pathlib import Path
from typing import Any

EXTERNAL = "supplied-at-load"  # the external-data location: never read, the scorer supplies it
OPSET = 17


def scorer_module(model_dir: Path) -> Any:
    """The torch module whose forward the scorer in ``model_dir`` runs."""
    from moderation.scoring.builtin import _bert_classifier, read_manifest

    manifest = read_manifest(model_dir)
    if manifest.get("kind") == "encoder":
        return _bert_classifier(model_dir)
    if manifest.get("kind") == "multilingual":
        from moderation.scoring.multilingual import encoder_of

        return encoder_of(model_dir, manifest).model
    raise SystemExit(f"{model_dir}: kind {manifest.get('kind')!r} has no encoder graph")


def export(module: Any) -> bytes:
    """The module's forward pass as ONNX bytes, every module tensor an external initializer."""
    import onnx
    import torch
    from onnx.external_data_helper import set_external_data

    from moderation.scoring.onnx_graph import INPUTS, graph_tensors, module_tensors

    # Traced on a copy whose every float tensor is random: the exporter merges tensors of equal
    # value into one initializer (a freshly initialised model's zero biases), which would tie
    # the graph to this model's values; with distinct values every tensor keeps its own name.
    gen = torch.Generator().manual_seed(0)
    traced = copy.deepcopy(module)
    with torch.no_grad():
        for t in module_tensors(traced).values():
            if t.is_floating_point():
                t.copy_(torch.randn(t.shape, generator=gen, dtype=t.dtype) * 0.02)
    traced.forward = traced.from_words  # the graph starts after the word lookup
    words = traced.words(torch.ones((2, 16), dtype=torch.long)).detach()
    mask = torch.ones((2, 16), dtype=torch.long)
    buf = io.BytesIO()
    # The TorchScript exporter (deprecated for torch.export, still in torch < 2.14, which
    # pyproject caps) traces the plain forward code without onnxscript; its notices are noise.
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(traced, (words, mask), buf, input_names=list(INPUTS), output_names=["output"],
                          dynamic_axes={k: {0: "batch", 1: "tokens"} for k in INPUTS},
                          opset_version=OPSET, do_constant_folding=False, dynamo=False)
    graph = onnx.load_from_string(buf.getvalue())
    names = set(graph_tensors(module))
    found = set()
    for init in graph.graph.initializer:
        if init.name in names:
            set_external_data(init, location=EXTERNAL)
            init.ClearField("raw_data")
            found.add(init.name)
    if found != names:  # the scorer hands ONNX Runtime every tensor: each must be in the graph
        raise SystemExit(f"the exported graph lacks the module's tensors {sorted(names - found)[:3]}")
    graph.producer_name = f"moderation.training.export_graph (torch {torch.__version__})"
    return graph.SerializeToString()


def max_difference(graph: Path, module: Any, trials: int = 4, seed: int = 0) -> float:
    """Largest absolute difference between ONNX Runtime over ``graph`` and torch, on random
    token ids with random padding."""
    import torch

    from moderation.scoring.onnx_graph import GraphRunner, module_tensors

    runner = GraphRunner(graph, module, torch.get_num_threads(), graph.parent.name)
    emb = module_tensors(module)[module.word_tensor_name]
    g = torch.Generator().manual_seed(seed)
    worst = 0.0
    for t in range(trials):
        b, n = 1 + 3 * t, 5 + 17 * t
        ids = torch.randint(0, emb.shape[0], (b, n), generator=g)
        mask = torch.ones((b, n), dtype=torch.long)
        for row in range(1, b):
            mask[row, int(torch.randint(1, n + 1, (1,), generator=g)):] = 0
        with torch.inference_mode():
            want = module(ids, mask).float()
        worst = max(worst, float((runner(ids, mask) - want).abs().max()))
    return worst


def after_training(model_dir: Path) -> None:
    """Called by the training commands on the directory they wrote: its graph, where the onnx
    package is installed; else a note (the model then runs in torch, as fast as before)."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        print(f"{model_dir}: no ONNX Runtime graph (the onnx package is not installed); it runs "
              f"in torch. Add one: python -m moderation.training.export_graph {model_dir}",
              file=sys.stderr)
        return
    if main([str(model_dir)]) != 0:
        raise SystemExit(f"{model_dir}: the ONNX Runtime graph does not match torch")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dirs", nargs="+", type=Path)
    ap.add_argument("--out", default="encoder.onnx", help="file name inside each model directory")
    ap.add_argument("--no-manifest", action="store_true", help="write the graph only")
    args = ap.parse_args(argv)
    try:
        import onnx  # noqa: F401
    except ImportError:
        print("export_graph needs the onnx package: pip install onnx", file=sys.stderr)
        return 2
    import torch

    from moderation.checksums import file_sha256

    for d in args.model_dirs:
        module = scorer_module(d)
        path = d / args.out
        path.write_bytes(export(module))
        diff = max_difference(path, module)
        if diff > 1e-4:
            print(f"{path}: ONNX Runtime differs from torch by {diff:.2e}; not recorded", file=sys.stderr)
            return 1
        print(f"{path}: {path.stat().st_size} bytes, max |ORT - torch| {diff:.1e}")
        if args.no_manifest:
            continue
        mf = d / "manifest.json"
        manifest = json.loads(mf.read_text(encoding="utf-8"))
        manifest["runtime_graph"] = {
            "file": args.out, "sha256": file_sha256(path), "opset": OPSET,
            "exported_with": f"torch {torch.__version__}",
            "max_abs_difference": float(f"{diff:.1e}"),
        }
        mf.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
