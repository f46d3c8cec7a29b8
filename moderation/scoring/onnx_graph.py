"""An embedded encoder's forward pass in ONNX Runtime, for fp32 scoring on a CPU.

A model directory may ship ``encoder.onnx``: the graph of the torch module's forward pass
after the word lookup (``module.from_words``; ``python -m moderation.training.export_graph``),
exported with every weight left out: each weight is an external initializer, named as the
module names it. At load the module's own tensors, already checked against the manifest's
SHA-256, are handed to ONNX Runtime under those names. The weights have one source, and the
graph (about 0.2 MB) is the only added file. ONNX Runtime keeps its own copy of what it is
handed (measured: the whole of it), so the word table, most of the multilingual encoder's
weights (96 M of 118 M parameters), stays out: torch looks the words up (``module.words``)
and the graph starts from their vectors. That costs nothing measurable and keeps the session
to about a fifth of the encoder's size. The manifest names it under ``runtime_graph`` with its SHA-256, checked
before use, outside ``files``: the graph changes how the scores are computed, not what they are,
so the model's version string (and which stored scores count as stale) stays the same. A
protobuf graph is data: ONNX Runtime runs only its own operators.

Why: ONNX Runtime fuses the graph (layer norms, GELU, attention) and pre-packs the matrices for
the CPU it runs on. On this project's 2-core AMD EPYC (AVX2, no bf16) it embeds German tweets
1.8x faster than torch eager, within 1e-6 of torch's fp32 output (``bench/encoder_speed.py``,
``tests/test_onnx_graph.py``).

It serves only fp32 on a CPU. CUDA, bf16 (autocast, or a module cast to bf16) and a module
whose layers differ from the graph's run torch, as before. ``MODERATION_CPU_RUNTIME=torch``
forces torch everywhere (the benches' baseline).
"""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import Any

from moderation.errors import ScorerError

GRAPH_FILE = "encoder.onnx"
INPUTS = ("words", "attention_mask")  # the word vectors (batch, tokens, hidden), the mask


def enabled() -> bool:
    """False when $MODERATION_CPU_RUNTIME says torch."""
    return os.environ.get("MODERATION_CPU_RUNTIME", "").strip().lower() not in ("torch", "pytorch")


def module_tensors(module: Any) -> dict[str, Any]:
    """The module's parameters and buffers by name."""
    out = dict(module.named_parameters())
    out.update(module.named_buffers())
    return out


def graph_tensors(module: Any) -> dict[str, Any]:
    """The tensors the graph takes as initializers: all but the word table."""
    word = getattr(module, "word_tensor_name", None)
    return {k: v for k, v in module_tensors(module).items() if k != word}


class GraphRunner:
    """``runner(input_ids, attention_mask)`` -> the module's output as a float32 torch tensor,
    computed by ONNX Runtime over ``graph`` with ``module``'s tensors as its weights."""

    def __init__(self, graph: Path, module: Any, threads: int, name: str):
        try:
            import onnxruntime as ort
        except ImportError as e:  # a declared dependency; a broken install says so
            raise ScorerError(f"{name}: onnxruntime is not importable ({e}); reinstall moderation "
                              "or set MODERATION_CPU_RUNTIME=torch") from e
        so = ort.SessionOptions()
        so.intra_op_num_threads = max(1, int(threads))
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3  # errors only: its warnings are not the user's business
        # Between batches the process tokenizes and runs numpy; spinning threads would take
        # those cores. On the 2-core bench, spinning on against off was within noise (multi-tox
        # 165.5 against 158.9 comments/s, minilm-tox 193.5 against 202.8, alternating rounds);
        # off holds up when other work shares the CPU.
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if not (callable(getattr(module, "words", None)) and callable(getattr(module, "from_words", None))):
            raise ScorerError(f"{name}: this model's module has no words/from_words to run in ONNX Runtime")
        tensors = {k: v.detach().cpu().contiguous().numpy() for k, v in graph_tensors(module).items()}
        values = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in tensors.items()}
        so.add_external_initializers(list(values), list(values.values()))
        # Views of the module's tensors (copies where one was not contiguous): kept alive for
        # the session's lifetime whether or not ONNX Runtime copies them (1.32 does).
        self._keep = (tensors, values)
        try:
            self.session = ort.InferenceSession(graph.read_bytes(), so, providers=["CPUExecutionProvider"])
        except Exception as e:  # ORT raises its own types (Fail, InvalidArgument, ...)
            raise ScorerError(f"{name}: {graph.name} does not fit the model's tensors ({e}); "
                              "re-export it with python -m moderation.training.export_graph "
                              "or set MODERATION_CPU_RUNTIME=torch") from e
        got = tuple(i.name for i in self.session.get_inputs())
        if got != INPUTS:
            raise ScorerError(f"{name}: {graph.name} takes inputs {got}, expected {INPUTS}")
        self.graph = graph
        self.module = module

    def __call__(self, input_ids: Any, attention_mask: Any) -> Any:
        import torch

        with torch.inference_mode():
            words = self.module.words(input_ids).float().contiguous().numpy()
        out = self.session.run(None, {
            "words": words, "attention_mask": attention_mask.to(torch.int64).numpy(),
        })[0]
        return torch.from_numpy(out)


def runs_here(module: Any) -> bool:
    """Whether the module sits on the CPU in float32 (so ONNX Runtime may stand in for it)."""
    import torch

    t = next(itertools.chain(module.parameters(), module.buffers()), None)
    return t is not None and t.device.type == "cpu" and t.dtype == torch.float32


class LazyRunner:
    """A GraphRunner built at the first fp32 CPU call, once, so that a process scoring in bf16
    or on a GPU never pays for it; None for every call when the manifest names no graph or
    $MODERATION_CPU_RUNTIME says torch. The graph's SHA-256 is checked against the manifest's
    when the runner is built: a damaged or replaced file is a ScorerError naming it."""

    def __init__(self, model_dir: Path, manifest: dict[str, Any], name: str):
        entry = manifest.get("runtime_graph") or {}
        if entry and not (isinstance(entry, dict) and isinstance(entry.get("file"), str)
                          and isinstance(entry.get("sha256"), str)):
            raise ScorerError(f"{model_dir.name}: manifest runtime_graph needs 'file' and 'sha256'")
        self.graph = model_dir / entry["file"] if entry and enabled() else None
        self.sha256 = entry.get("sha256", "")
        self.name = name
        self._runner: GraphRunner | None = None
        self._lock = threading.Lock()

    def get(self, module: Any) -> GraphRunner | None:
        if self.graph is None or not runs_here(module):
            return None
        if self._runner is not None:  # built: no lock on the scoring path
            return self._runner
        with self._lock:
            if self._runner is None:
                import torch

                from moderation.checksums import check_file

                check_file(self.graph, self.sha256, self.name)
                self._runner = GraphRunner(self.graph, module, torch.get_num_threads(), self.name)
            return self._runner


def with_graph(module: Any, runner: LazyRunner) -> Any:
    """``module`` (forward(input_ids, attention_mask)) wrapped so that fp32 CPU calls go to
    ONNX Runtime; ``.to()`` and casts reach the inner module, after which torch runs it."""
    import torch

    class WithGraph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = module
            self.runner = runner
            self.config = getattr(module, "config", None)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            r = self.runner.get(self.inner)
            return r(input_ids, attention_mask) if r else self.inner(input_ids, attention_mask)

    return WithGraph()
