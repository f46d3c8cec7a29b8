"""Shared inference engine for BERT-family sequence classifiers: length-sorted batches, windows.

Usage (any HF-style classifier whose ``forward(input_ids, attention_mask)`` returns logits or an
object with ``.logits``, plus a Hugging Face *fast* tokenizer)::

    engine = InferenceEngine(
        model, tokenizer, labels=("toxicity", "insult"),
        name="builtin:minilm", version="sha256:1234abcd",
        activation="sigmoid",        # or "softmax"
        device="auto",               # cpu | cuda | mps | auto (or cuda:N)
        batch_size=None,             # None: a default for the device (cap on windows per pass)
        max_batch_tokens=None,       # None: a default for the device (cap on padded tokens)
        supported_languages=None,    # e.g. {"en"}: other languages get status unsupported_language
    )
    results = engine.score(["first comment", "second comment"])   # list[Scores], input order

What it does, and why:

* Texts are tokenized once, without special tokens, then cut into windows; windows from all
  texts are sorted by length and batched, so a batch pads to nearly its own length (padding is
  most of the wasted compute when comment lengths vary). Results come back in input order.
* A text longer than the model's limit is scored in overlapping windows over its token sequence
  and each label keeps its maximum over windows (``Scores.windows`` records how many). The first
  window is exactly what a truncating tokenizer would feed the model, so short texts score the
  same as a plain ``tokenizer(..., truncation=True)`` call.
* ``torch.inference_mode`` throughout; on CPU the thread count is set to the CPUs this process
  may actually use (affinity and cgroup quota), overridable with ``MODERATION_TORCH_THREADS``.
* Empty or whitespace-only text is never scored: status ``empty``, no labels.
* A text needing more than ``max_windows`` windows (about 100 KB) is scored on its first and
  last windows and gets status ``too_long`` (for human review), never a silent cut.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from moderation.documents import Scores
from moderation.errors import ScorerError
from moderation.scoring.devices import (  # noqa: F401 (re-exported: callers import them here)
    cpu_has_bf16,
    resolve_device,
    set_cpu_threads,
    usable_cpus,
)

# Models whose position ids start after the padding index (RoBERTa family): two positions fewer.
_POSITION_OFFSET_MODELS = {"roberta", "xlm-roberta", "camembert", "longformer", "bertweet"}
# Texts are processed in chunks of this many, each sorted on its own, to bound memory.
CHUNK_SIZE = 4096
# Padded tokens per forward pass on a CPU (max_batch_tokens' default there).
CPU_BATCH_TOKENS = 1024


def window_starts(n_tokens: int, width: int, overlap: int) -> list[int]:
    """Start offsets of windows of ``width`` tokens covering ``n_tokens``, overlapping by
    ``overlap``; the last window is aligned to the end so every window is full."""
    if n_tokens <= width:
        return [0]
    step = max(1, width - overlap)
    starts = list(range(0, n_tokens - width, step))
    starts.append(n_tokens - width)
    return starts


class InferenceEngine:
    """Scores texts with a sequence classifier; see the module docstring for the contract."""

    # Texts a caller should hand ``score`` at once: length sorting can only pack windows of
    # similar length together within one call (32 news comments in arrival order leave
    # about 1.4x the tokens of the same 32 sorted among 512; bench/detoxify_speed.py).
    rows_per_call = 512

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        labels: Sequence[str],
        *,
        name: str,
        version: str,
        activation: str | Callable[[Any], Any] = "sigmoid",
        device: str | None = "auto",
        batch_size: int | None = None,
        max_length: int | None = None,
        max_batch_tokens: int | None = None,
        overlap: int | None = None,
        supported_languages: Iterable[str] | None = None,
        max_windows: int = 64,
        min_fill: float | None = None,
    ) -> None:
        """
        model: torch module, ``forward(input_ids=, attention_mask=)`` -> logits | ``.logits``.
        tokenizer: HF fast tokenizer (``__call__`` with ``add_special_tokens``, ``pad_token_id``).
        labels: one name per output column, in order.
        name, version: stored in every Scores (e.g. "detoxify:original", "c1212f89").
        activation: "sigmoid" (multi-label), "softmax", or a callable on the logits tensor.
        device: cpu | cuda | cuda:N | mps | auto.
        batch_size: at most this many windows per forward pass (default 64 on CPU, 128 on GPU).
        max_length: tokens per window including special tokens (default: the model's limit).
        max_batch_tokens: at most this many padded tokens per forward pass (default 1024 on
            CPU, 32768 on GPU), so short comments batch widely and long ones a few at a time.
            On the 2-core bench (bench/encoder_speed.py, bench/batch_tokens.py) 1024 against
            4096 was 1.1x faster in torch fp32 and bf16 and 1.15-1.2x in ONNX Runtime: the
            activations of a smaller batch stay in the CPU's caches.
        overlap: tokens shared by consecutive windows (default: a quarter of a window).
        supported_languages: ISO 639-1 codes the model covers; None disables the check.
        max_windows: windows scored per text at most (64 x 510 tokens, about 100 KB of text);
            a longer text gets its first and last halves of that scored and status "too_long",
            which sends it to a person instead of spending minutes of CPU on one comment.
        min_fill: a window joins a batch only if it is at least this fraction of the batch's
            longest (default 0: on the 2-core bench, 0.5 cut padded tokens by a further 18%
            but ran slower than fewer, fuller batches).
        """
        import torch

        self.name = name
        self.version = version
        self.labels = tuple(labels)
        self.device = resolve_device(device)
        if self.device.type == "cpu":
            set_cpu_threads()
        self.batch_size = (
            int(batch_size) if batch_size else (128 if self.device.type == "cuda" else 64)
        )
        if self.batch_size < 1:
            raise ScorerError(f"batch size must be at least 1, got {batch_size}")
        self.max_batch_tokens = int(
            max_batch_tokens or (32768 if self.device.type == "cuda" else CPU_BATCH_TOKENS)
        )
        self.model = model.to(self.device).eval()
        self.precision = self._cast = "fp32"
        self._pending: str | None = None  # a model's own default, applied at the first score
        self.oom_splits = 0  # batches halved after running out of device memory
        if self.device.type == "cuda":
            self.set_precision("auto")
        self.tokenizer = tokenizer
        if isinstance(activation, str):
            if activation == "sigmoid":
                self._activation: Callable[[Any], Any] = torch.sigmoid
            elif activation == "softmax":
                self._activation = lambda x: torch.softmax(x, dim=-1)
            else:
                raise ScorerError(f"unknown activation {activation!r}: use sigmoid or softmax")
        else:
            self._activation = activation
        self.prefix, self.suffix = _special_tokens(tokenizer)
        self.max_length = max_length or _model_max_length(model, tokenizer)
        self.width = self.max_length - len(self.prefix) - len(self.suffix)
        if self.width < 8:
            raise ScorerError(f"window of {self.max_length} tokens is too small for this model")
        self.overlap = self.width // 4 if overlap is None else int(overlap)
        if not 0 <= self.overlap < self.width:
            raise ScorerError(f"overlap must be in [0, {self.width}), got {overlap}")
        self.min_fill = 0.0 if min_fill is None else float(min_fill)
        self.max_windows = int(max_windows)
        if self.max_windows < 2:
            raise ScorerError(f"max_windows must be at least 2, got {max_windows}")
        pad = getattr(tokenizer, "pad_token_id", None)
        self.pad_id = int(pad) if pad is not None else 0
        self.supported_languages = (
            frozenset(supported_languages) if supported_languages is not None else None
        )

    # -- public -------------------------------------------------------------------------------

    def set_precision(self, precision: str | None) -> None:
        """Weights and activations in ``fp32`` (exact: a Detoxify model then returns Detoxify's
        own scores), ``bf16`` or ``fp16`` (within about 0.01 of fp32; tests check it). ``auto``:
        bf16 on CUDA, fp32 elsewhere. On a CPU with bf16 instructions (avx512_bf16, AMX) bf16
        is several times faster; on one without, slower: measure with bench/detoxify_speed.py."""
        import torch

        p = (precision or "auto").strip().lower()
        if p == "auto":
            p = "bf16" if self.device.type == "cuda" else "fp32"
        dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
        if p not in dtypes:
            raise ScorerError(f"unknown precision {precision!r}: use auto, fp32, bf16 or fp16")
        if p == "fp16" and self.device.type == "cpu":
            raise ScorerError("precision fp16 needs a GPU; on a CPU use bf16 or fp32")
        self._pending = None
        # A model that switches autocast on and off (multi-tox) loses nothing either way.
        lossless = getattr(self.model, "lossless_precision", False)
        if not lossless and self._cast != "fp32" and p != self._cast:
            # the weights were rounded: casting them up would not restore them
            raise ScorerError(f"model {self.name} was cast to {self._cast}; load it again for {p}")
        if lossless or p != self._cast:
            self.model = self.model.to(dtypes[p])
            self._cast = "fp32" if lossless else p
        self.precision = p

    def prefer_precision(self, precision: str) -> None:
        """A model's own default (the embedded encoder: bf16 on CPUs with bf16 instructions),
        applied at the first score unless ``set_precision`` comes first, so that an explicit
        fp32 never follows a lossy cast."""
        self._pending = self.precision = precision

    def score(
        self, texts: Sequence[str], alternates: Mapping[int, str] | None = None
    ) -> list[Scores]:
        """One Scores per text, in input order; always a list.

        ``alternates`` maps a text's index to another version of it (e.g. de-obfuscated): both
        are scored in the same sorted batches; the text's own scores stay in ``labels`` and the
        other version's go to ``Scores.deobfuscated`` (never mixed).
        """
        if isinstance(texts, str):
            texts = [texts]
        alternates = alternates or {}
        out: list[Scores] = []
        for start in range(0, len(texts), CHUNK_SIZE):
            chunk = list(texts[start : start + CHUNK_SIZE])
            alts = {i - start: t for i, t in alternates.items() if start <= i < start + len(chunk)}
            out.extend(self._score_chunk(chunk, alts))
        return out

    def predict(self, texts: Sequence[str]) -> tuple[list[list[float]], list[int]]:
        """Raw per-text probabilities (max over windows) and window counts, no statuses.

        Empty texts are scored as the tokenizer encodes them (special tokens only), as a plain
        model call would; ``score`` is the entry point that refuses to call them clean.
        """
        probs, counts, _ = self._predict(texts)
        return probs, counts

    def _predict(self, texts: Sequence[str]) -> tuple[list[list[float]], list[int], list[bool]]:
        """``predict`` plus, per text, whether it needed more than ``max_windows`` windows (then
        the first and last ``max_windows // 2`` are scored, and ``score`` says so)."""
        import torch

        if self._pending:
            self.set_precision(self._pending)
        encoded = self.tokenizer(
            list(texts),
            add_special_tokens=False,
            truncation=False,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,
        )["input_ids"]
        windows: list[tuple[int, list[int]]] = []  # (text index, token ids with specials)
        counts = [0] * len(encoded)
        cut = [False] * len(encoded)
        for i, ids in enumerate(encoded):
            starts = window_starts(len(ids), self.width, self.overlap)
            if len(starts) > self.max_windows:
                half = self.max_windows // 2
                starts, cut[i] = starts[:half] + starts[-(self.max_windows - half) :], True
            for s in starts:
                windows.append((i, self.prefix + ids[s : s + self.width] + self.suffix))
                counts[i] += 1
        # Longest first: the largest batch runs first, so running out of memory shows at once.
        order = sorted(range(len(windows)), key=lambda w: -len(windows[w][1]))
        best: list[list[float]] = [[-math.inf] * len(self.labels) for _ in encoded]
        with torch.inference_mode():
            for batch_ids in self._batches(order, [len(ids) for _, ids in windows]):
                batch = [windows[w] for w in batch_ids]
                probs = self._forward_splitting([ids for _, ids in batch])
                for (owner, _), row in zip(batch, probs):
                    best[owner] = [max(a, p) for a, p in zip(best[owner], row)]
        return best, counts, cut

    # -- internals ------------------------------------------------------------------------------

    def _batches(self, order: list[int], lengths: list[int]) -> Iterable[list[int]]:
        """Consecutive runs of the length-sorted windows, at most ``batch_size`` windows and
        ``max_batch_tokens`` padded tokens each (and, with ``min_fill`` > 0, none padded to
        more than 1/``min_fill`` of its length): many short comments share one forward pass,
        long windows go a few at a time."""
        batch: list[int] = []
        for w in order:
            width = lengths[batch[0]] if batch else lengths[w]  # longest first: batch[0] is widest
            if batch and (
                len(batch) >= self.batch_size
                or (len(batch) + 1) * width > self.max_batch_tokens
                or lengths[w] < width * self.min_fill
            ):
                yield batch
                batch = []
            batch.append(w)
        if batch:
            yield batch

    def _forward_splitting(self, batch: list[list[int]]) -> list[list[float]]:
        """``_forward``, halving a batch that runs out of device memory until it fits; the caps
        shrink to what fitted, so later batches do not fail the same way. One window that
        does not fit alone is a ScorerError naming the device."""
        import torch

        try:
            return self._forward(batch).tolist()  # type: ignore[no-any-return]
        except torch.OutOfMemoryError as exc:
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            if len(batch) == 1:
                raise ScorerError(
                    f"model {self.name}: one window of {len(batch[0])} tokens does not fit in "
                    f"{self.device} memory; use --device cpu or a smaller --batch-size"
                ) from exc
            half = len(batch) // 2
            self.batch_size = max(1, min(self.batch_size, half))
            self.max_batch_tokens = max(1, min(self.max_batch_tokens,
                                               half * max(len(ids) for ids in batch)))
            self.oom_splits += 1
            return self._forward_splitting(batch[:half]) + self._forward_splitting(batch[half:])

    def _forward(self, batch: list[list[int]]) -> Any:
        import torch

        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[row, : len(ids)] = 1
        out = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device))
        logits = getattr(out, "logits", None)
        if logits is None:
            logits = out[0] if isinstance(out, (tuple, list)) else out
        probs = self._activation(logits.float()).cpu()
        if probs.shape[-1] != len(self.labels):
            raise ScorerError(
                f"model {self.name} returned {probs.shape[-1]} outputs for "
                f"{len(self.labels)} labels {self.labels}"
            )
        return probs

    def _score_chunk(self, texts: list[str], alts: dict[int, str]) -> list[Scores]:
        from moderation.scoring import language

        results: list[Scores | None] = [None] * len(texts)
        todo: list[int] = []
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                results[i] = Scores(
                    labels={}, model=self.name, version=self.version, windows=0, status="empty"
                )
            else:
                todo.append(i)
        if todo:
            extra = [i for i in todo if isinstance(alts.get(i), str) and alts[i].strip()]
            probs, counts, cut = self._predict([texts[i] for i in todo] + [alts[i] for i in extra])
            row = {i: j for j, i in enumerate(todo)}
            alt_probs: dict[int, list[float]] = {}
            for k, i in enumerate(extra, start=len(todo)):
                j = row[i]
                alt_probs[j] = probs[k]
                cut[j] = cut[j] or cut[k]
            for j, i in enumerate(todo):
                status, lang = "ok", None
                if self.supported_languages is not None:
                    # A sample is enough to tell the language of a very long text.
                    lang, covered = language.check(texts[i][:20000], self.supported_languages)
                    status = language.status_of(texts[i], covered)
                if cut[j]:
                    status = "too_long"  # middle windows not scored: a person must read it
                results[i] = Scores(
                    labels={label: float(p) for label, p in zip(self.labels, probs[j])},
                    model=self.name,
                    version=self.version,
                    windows=counts[j],
                    status=status,
                    language=lang,
                    deobfuscated=({label: float(p) for label, p in zip(self.labels, alt_probs[j])}
                                  if j in alt_probs else None),
                )
        return [r for r in results if r is not None]


def _special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids a tokenizer puts before and after a single sequence ([CLS] ... [SEP], <s> ... </s>)."""
    probe = "hello world"
    bare = tokenizer(probe, add_special_tokens=False)["input_ids"]
    full = tokenizer(probe, add_special_tokens=True)["input_ids"]
    for k in range(len(full) - len(bare) + 1):
        if full[k : k + len(bare)] == bare:
            return list(full[:k]), list(full[k + len(bare) :])
    raise ScorerError("cannot tell where this tokenizer puts its special tokens")


def _model_max_length(model: Any, tokenizer: Any) -> int:
    """Tokens per window: the tokenizer's limit, capped by the model's position embeddings."""
    config = getattr(model, "config", None)
    limits = []
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max < 1_000_000:
        limits.append(tok_max)
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        if getattr(config, "model_type", "") in _POSITION_OFFSET_MODELS:
            positions -= 2
        limits.append(positions)
    return min(limits) if limits else 512
