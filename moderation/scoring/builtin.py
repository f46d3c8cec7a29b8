"""The embedded models in ``models/NAME/``: a hashed n-gram linear model (pure numpy) and a
fine-tuned BERT encoder, both checksum-verified at load, both explaining scores with spans."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from moderation.checksums import check_file
from moderation.documents import Scores, Span
from moderation.errors import ScorerError
from moderation.scoring import language
from moderation.scoring.ngram_features import Features, weighted_sums
from moderation.scoring.normalize import Normalized, normalize, normalize_many

# --- manifest and checksums ----------------------------------------------------------------------




def read_manifest(model_dir: Path) -> dict[str, Any]:
    """Read manifest.json and verify the SHA-256 of every file it lists."""
    mf = model_dir / "manifest.json"
    if not mf.is_file():
        raise ScorerError(f"{model_dir} has no manifest.json")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ScorerError(f"{mf}: unreadable manifest: {e}") from e
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise ScorerError(f"{mf}: no 'files' with checksums")
    for name, want in files.items():
        check_file(model_dir / name, want, model_dir.name, name)
    return manifest


def _version(manifest: dict[str, Any]) -> str:
    """Manifest version plus a digest of the file checksums: a retrained model with the same
    version number still gets a different version string in the stored scores."""
    digest = hashlib.sha256(json.dumps(manifest["files"], sort_keys=True).encode()).hexdigest()
    return f"{manifest.get('version', '0')}+{digest[:8]}"


def _platt(p: dict[str, Any], labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    params = (p or {}).get("params", {})
    a = np.array([params.get(lab, [1.0, 0.0])[0] for lab in labels], dtype=np.float64)
    b = np.array([params.get(lab, [1.0, 0.0])[1] for lab in labels], dtype=np.float64)
    return a, b


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def _empty(name: str, version: str) -> Scores:
    return Scores(labels={}, model=name, version=version, windows=0, status="empty")


# --- linear model ------------------------------------------------------------------------------


class LinearScorer:
    """Hashed word + char n-gram logistic regression on the normalized text, in numpy."""

    def __init__(self, model_dir: Path, manifest: dict[str, Any]):
        from safetensors.numpy import load_file

        t = load_file(str(model_dir / manifest["weights"]))
        self.W = t["W"].astype(np.float32)  # (buckets, labels)
        self.b = t["b"].astype(np.float64)
        self.idf = t["idf"].astype(np.float32)
        self.labels = tuple(manifest["labels"])
        self.name = f"builtin:{model_dir.name}"
        self.version = _version(manifest)
        f = manifest["features"]
        self.bits, self.char_ns, self.word_ns = int(f["bits"]), tuple(f["char_ns"]), tuple(f["word_ns"])
        self.ca, self.cb = _platt(manifest.get("calibration", {}), self.labels)
        self.languages = covered_languages(manifest)
        sp = manifest.get("spans", {})
        self.span_gate = float(sp.get("gate", 0.5))  # only explain texts at least this toxic
        self.span_tau = float(sp.get("tau", 0.1))  # a word's share of the logit to be flagged

    def logits(self, norm_texts: Sequence[str]) -> tuple[np.ndarray, Features, tuple]:
        feats = Features(norm_texts, self.bits, self.char_ns, self.word_ns)
        out, mat = weighted_sums(feats, self.idf, self.bits, self.W)  # W float32, as it ships
        return out + self.b, feats, mat

    def probs(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (n, labels); texts are normalized here."""
        z, _, _ = self.logits([n.text for n in normalize_many(texts)])
        return _sigmoid(self.ca * z + self.cb)

    def spans(self, norms: Sequence[Normalized], feats: Features, mat: tuple, rows: Sequence[int]) -> dict[int, tuple[Span, ...]]:
        """Words whose features push the toxicity logit up by at least ``tau`` of its positive
        mass, merged into runs and mapped to raw offsets."""
        _, _, _, counts, contrib = mat
        j = self.labels.index("toxicity")
        wanted = np.zeros(feats.n, dtype=bool)
        wanted[list(rows)] = True
        mine = np.flatnonzero(wanted[feats.row])  # occurrences in the rows to explain
        # Split a pair's weight over its occurrences (per pair first: one gather, not three).
        occ = (contrib[:, j] / counts)[feats.pair_of(mine)]
        # Spread each occurrence's contribution evenly over its characters; a double prefix sum
        # then gives any word's total in O(1).
        lo, hi = feats.lo[mine], feats.hi[mine]
        dens = occ / np.maximum(hi - lo, 1)
        diff = np.bincount(lo, weights=dens, minlength=len(feats.big) + 1)
        diff -= np.bincount(hi, weights=dens, minlength=len(feats.big) + 1)
        cum = np.concatenate([[0.0], np.cumsum(np.cumsum(diff))])
        ws, we, wr = feats.word_start, feats.word_end, feats.word_row
        score = cum[we] - cum[ws]
        pos = np.bincount(wr, weights=np.maximum(score, 0), minlength=feats.n)
        hit = np.flatnonzero(wanted[wr] & (score > 0) & (score >= self.span_tau * pos[wr]))
        out: dict[int, list[Span]] = {}
        last: dict[int, int] = {}  # row -> index of its last flagged word
        for k in hit.tolist():
            i = int(wr[k])
            base = int(feats.offsets[i])
            s, e = int(ws[k]) - base, int(we[k]) - base
            nz = norms[i]
            spans = out.setdefault(i, [])
            if spans and last.get(i) == k - 1 and not nz.text[spans[-1].end:s].strip(" "):
                prev = spans[-1]
                spans[-1] = Span(prev.start, e, "toxicity", prev.weight + float(score[k]))
            else:
                spans.append(Span(s, e, "toxicity", float(score[k])))
            last[i] = k
        res: dict[int, tuple[Span, ...]] = {}
        for i, spans in out.items():
            nz = norms[i]
            res[i] = tuple(Span(*nz.raw_span(sp.start, sp.end), "toxicity", sp.weight) for sp in spans)
        return res

    def score(self, texts: Sequence[str]) -> list[Scores]:
        if isinstance(texts, str):
            texts = [texts]
        todo = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
        norms = normalize_many([texts[i] for i in todo])
        results: list[Scores] = [_empty(self.name, self.version)] * len(texts)
        if not todo:
            return results
        z, feats, mat = self.logits([n.text for n in norms])
        p = _sigmoid(self.ca * z + self.cb)
        j = self.labels.index("toxicity")
        explain = np.flatnonzero(p[:, j] >= self.span_gate).tolist()
        spans = self.spans(norms, feats, mat, explain) if explain else {}
        for k, (i, row) in enumerate(zip(todo, p.tolist())):
            lang, covered = language.check(texts[i][:20000], self.languages)
            results[i] = Scores(labels=dict(zip(self.labels, row)),
                                model=self.name, version=self.version, spans=spans.get(k, ()),
                                status=language.status_of(texts[i], covered),
                                language=lang)
        return results


def covered_languages(manifest: dict[str, Any]) -> frozenset[str]:
    """Languages the model was trained on (manifest ``languages``; the shipped data is English).

    A comment in another language keeps its scores but gets status ``unsupported_language``,
    which sends it to a moderator instead of reporting it clean (hostile-input case 23).
    """
    return frozenset(manifest.get("languages", ["en"]))


# --- encoder -----------------------------------------------------------------------------------


class EncoderScorer:
    """Fine-tuned BertForSequenceClassification (fp16 on disk, fp32 in memory), scored through
    the shared inference engine on the raw text and, where it differs, the normalized text
    (label-wise maximum: part of this model's definition); spans come from the linear model
    named in the manifest."""

    def __init__(self, model_dir: Path, manifest: dict[str, Any], device: str, batch_size: int | None):
        import torch

        from moderation.scoring.engine import InferenceEngine

        self.labels = tuple(manifest["labels"])
        self.name = f"builtin:{model_dir.name}"
        self.version = _version(manifest)
        # fp16 on disk (half the repository size), upcast: fp16 matmuls are slow on CPUs.
        max_length = int(manifest.get("max_length", 128))
        from moderation.scoring.onnx_graph import LazyRunner, with_graph

        # fp32 on a CPU: ONNX Runtime over the shipped graph where the manifest names one.
        model = with_graph(_bert_classifier(model_dir), LazyRunner(model_dir, manifest, self.name))
        tok = _WordPiece(model_dir / "tokenizer.json", max_length)
        a, b = _platt(manifest.get("calibration", {}), self.labels)
        ta, tb = torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32)
        self.engine = InferenceEngine(
            model, tok, self.labels, name=self.name, version=self.version,
            activation=lambda x: torch.sigmoid(x * ta.to(x.device) + tb.to(x.device)),
            device=device, batch_size=batch_size, max_length=max_length,
            supported_languages=covered_languages(manifest))
        self.rows_per_call = self.engine.rows_per_call
        # Like multi-tox: bf16 weights where the CPU has bf16 instructions (about 1.8x faster,
        # scores within 0.01, bench/encoder_speed.py); --precision fp32 or
        # MODERATION_BUILTIN_DTYPE=fp32 keeps fp32.
        from moderation.scoring.devices import cpu_has_bf16

        if (self.engine.device.type == "cpu" and cpu_has_bf16()
                and os.environ.get("MODERATION_BUILTIN_DTYPE", "").lower() != "fp32"):
            self.engine.prefer_precision("bf16")
        self.explainer: LinearScorer | None = None
        ex = manifest.get("explainer")
        if ex:
            ex_dir = model_dir.parent / ex
            self.explainer = LinearScorer(ex_dir, read_manifest(ex_dir))
        self.span_gate = float(manifest.get("spans", {}).get("gate", 0.5))

    def score(self, texts: Sequence[str]) -> list[Scores]:
        if isinstance(texts, str):
            texts = [texts]
        norms = {i: normalize(t) for i, t in enumerate(texts) if isinstance(t, str) and t.strip()}
        # The de-obfuscated copy rides in the same length-sorted batches. This model's score
        # is defined as the label-wise maximum of the two (its calibration and every figure in
        # its card were measured so), unlike a Detoxify model, whose own score stays apart.
        alts = {i: n.text for i, n in norms.items() if n.text != texts[i].lower()}
        res = [replace(r, labels=r.effective(), deobfuscated=None) if r.deobfuscated else r
               for r in self.engine.score(texts, alternates=alts)]
        flagged = [i for i, r in enumerate(res)
                   if r.status != "empty" and i in norms and r.labels.get("toxicity", 0.0) >= self.span_gate]
        if self.explainer is None or not flagged:
            return list(res)
        nz = [norms[i] for i in flagged]
        _, feats, mat = self.explainer.logits([n.text for n in nz])
        got = self.explainer.spans(nz, feats, mat, range(len(flagged)))
        out = list(res)
        for k, spans in got.items():
            i = flagged[k]
            out[i] = replace(out[i], spans=spans)
        return out


# --- a dependency-light BERT runtime (torch + tokenizers, no transformers import) -----------------


class _WordPiece:
    """The slice of a Hugging Face fast tokenizer that the inference engine calls, over the
    ``tokenizers`` library directly (importing transformers costs seconds at load)."""

    def __init__(self, path: Path, model_max_length: int):
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        self._tok.no_truncation()
        self._tok.no_padding()
        self.pad_token_id = self._tok.token_to_id("[PAD]") or 0
        self.model_max_length = model_max_length

    def __call__(self, texts: str | Sequence[str], add_special_tokens: bool = True, **_: Any) -> dict[str, Any]:
        if isinstance(texts, str):
            return {"input_ids": self._tok.encode(texts, add_special_tokens=add_special_tokens).ids}
        enc = self._tok.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        return {"input_ids": [e.ids for e in enc]}


def _bert_classifier(model_dir: Path) -> Any:
    """BertForSequenceClassification's forward pass in plain torch over the saved tensors
    (same parameter names, fp16 on disk upcast to fp32); checked against transformers' own
    implementation in tests/test_builtin_model.py."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file

    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if cfg.get("model_type") != "bert" or cfg.get("hidden_act", "gelu") != "gelu":
        raise ScorerError(f"{model_dir.name}: expected a BERT classifier with gelu, got {cfg.get('model_type')}")
    state = {k: v.float() for k, v in load_file(str(model_dir / "model.safetensors")).items()}
    heads, eps, n_layers = int(cfg["num_attention_heads"]), float(cfg.get("layer_norm_eps", 1e-12)), int(cfg["num_hidden_layers"])
    hidden = int(cfg["hidden_size"])  # a constant, not x.shape: the ONNX export traces shapes

    class Bert(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for k, v in state.items():
                self.register_buffer(k.replace(".", "__"), v)
            self.config = SimpleNamespace(max_position_embeddings=cfg["max_position_embeddings"], model_type="bert")

        def p(self, name: str) -> Any:
            return getattr(self, name.replace(".", "__"))

        def lin(self, x: Any, name: str) -> Any:
            return F.linear(x, self.p(name + ".weight"), self.p(name + ".bias"))

        def ln(self, x: Any, name: str) -> Any:
            return F.layer_norm(x, (hidden,), self.p(name + ".weight"), self.p(name + ".bias"), eps)

        # The word lookup apart from the rest: ONNX Runtime runs from_words (onnx_graph).
        word_tensor_name = "bert__embeddings__word_embeddings__weight"

        def words(self, input_ids: Any) -> Any:
            return F.embedding(input_ids, self.p("bert.embeddings.word_embeddings.weight"))

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.from_words(self.words(input_ids), attention_mask)

        def from_words(self, words: Any, attention_mask: Any) -> Any:
            b, n = words.shape[:2]
            e = "bert.embeddings."
            x = (words + self.p(e + "position_embeddings.weight")[:n]
                 + self.p(e + "token_type_embeddings.weight")[0])
            x = self.ln(x, e + "LayerNorm")
            mask = attention_mask.bool()[:, None, None, :]
            for i in range(n_layers):
                L = f"bert.encoder.layer.{i}."
                k, v = (self.lin(x, L + "attention.self." + w).view(b, n, heads, -1).transpose(1, 2)
                        for w in ("key", "value"))
                if i == n_layers - 1:
                    # only [CLS] is read after the last layer (the pooler): its query, its
                    # feed-forward; keys and values still come from every token
                    x, n = x[:, :1], 1
                q = self.lin(x, L + "attention.self.query").view(b, n, heads, -1).transpose(1, 2)
                a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
                a = a.transpose(1, 2).reshape(b, n, -1)
                x = self.ln(x + self.lin(a, L + "attention.output.dense"), L + "attention.output.LayerNorm")
                h = F.gelu(self.lin(x, L + "intermediate.dense"))
                x = self.ln(x + self.lin(h, L + "output.dense"), L + "output.LayerNorm")
            pooled = torch.tanh(self.lin(x[:, 0], "bert.pooler.dense"))
            return self.lin(pooled, "classifier")

    return Bert().eval()


def load(name: str, *, device: str = "auto", batch_size: int | None = None) -> Any:
    """Load ``models/NAME`` (checksums verified); its manifest says linear or encoder."""
    from moderation.scoring import models_dir

    root = models_dir()
    model_dir = root / name
    if not (model_dir / "manifest.json").is_file():
        found = sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []
        raise ScorerError(f"no embedded model {name!r} in {root}; available: {', '.join(found) or 'none'}")
    manifest = read_manifest(model_dir)
    kind = manifest.get("kind")
    if kind == "linear":
        return LinearScorer(model_dir, manifest)
    if kind == "encoder":
        return EncoderScorer(model_dir, manifest, device, batch_size)
    if kind == "multilingual":
        from moderation.scoring.multilingual import MultilingualScorer

        return MultilingualScorer(model_dir, manifest, device, batch_size)
    raise ScorerError(f"{model_dir.name}: unknown model kind {kind!r} (expected linear, encoder or multilingual)")
