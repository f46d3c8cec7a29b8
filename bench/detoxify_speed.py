"""Detoxify's own predict (batches of 32, arrival order) against our engine, same checkpoint.

    .venv/bin/python bench/detoxify_speed.py [--set news|mixed] [--n 384] [--rounds 2]
                                             [--batch-size N] [--device cpu]

Comments with realistic lengths are sampled from ../shared/data/toxicity: ``--set news`` (the
default) takes Civil Comments news comments (toxic_spans), as issue #20 measures; ``--set
mixed`` adds Wikipedia talk comments (jigsaw2018), with more length spread. The model is a bert-base-sized BERT (768 hidden, 12 layers, 30522-token vocab)
with random weights, saved in Detoxify's checkpoint format beside a WordPiece vocabulary
trained on the same comments: compute does not depend on the weights' values. Four paths run
in one process on the same thread count, alternating in rounds (ABCD, DCBA) so that the load of
a shared machine falls on all alike: naive predict, ours in fp32 (exact), ours in fp32 with
the whole last layer computed (as before ``moderation/scoring/clsonly.py``) and ours with
``--precision bf16`` (opt-in; its score difference here is on random weights, whose logits sit
near 0 — tests/test_precision.py checks the trained builtin model). Prints comments/s for each, the ratio, and the
largest score difference on every comment that fits in one 512-token window (our ``labels``
are Detoxify's own; a de-obfuscated copy's scores are a field of their own); comments past
512 tokens (truncated by Detoxify, windowed by us) may only score higher, reported
separately. JSON goes to bench/results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speedlib import NEWS, TOXICITY, cpu_name, read_column, write_result

SOURCES = [(NEWS, "comment_text"), (TOXICITY / "jigsaw2018" / "train_head.csv", "comment_text")]
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def load_comments(which: str = "news") -> list[str]:
    texts: list[str] = []
    for path, column in SOURCES if which == "mixed" else SOURCES[:1]:
        texts.extend(read_column(path, column))
    return texts


def build_checkpoint(out: Path, corpus: list[str]) -> Path:
    """bert-base-sized Detoxify checkpoint with random weights, plus HF config and tokenizer."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import WordPieceTrainer
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(corpus, WordPieceTrainer(vocab_size=30522, special_tokens=specials))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    tok.decoder = decoders.WordPiece()
    hf_tok = BertTokenizer(vocab=tok.get_vocab(), do_lower_case=True, model_max_length=512)
    hf_tok.save_pretrained(str(out))
    config = BertConfig(num_labels=len(CLASSES))  # bert-base: 768 x 12 layers, vocab 30522
    torch.manual_seed(0)
    model = BertForSequenceClassification(config).eval()
    config.save_pretrained(str(out))
    ckpt = {
        "config": {
            "arch": {
                "args": {
                    "model_type": str(out),
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": len(CLASSES),
                }
            },
            "dataset": {"args": {"classes": CLASSES}},
        },
        "state_dict": model.state_dict(),
    }
    torch.save(ckpt, out / "bench-bert-base.ckpt")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="which", choices=("news", "mixed"), default="news",
                        help="news: Civil Comments (default); mixed: plus Wikipedia talk")
    parser.add_argument("--n", type=int, default=384, help="comments to score (default 384)")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="our batch size (default: engine's)"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--fast-precision", default="bf16", choices=("bf16", "fp16"),
                        help="the third path's precision (default bf16; fp16 needs a GPU)")
    parser.add_argument("--min-fill", type=float, default=None, help="engine min_fill override")
    args = parser.parse_args()

    import torch
    from detoxify import Detoxify

    from moderation.scoring import clsonly, load_scorer
    from moderation.scoring.engine import set_cpu_threads, window_starts

    pool = load_comments(args.which)
    texts = random.Random(args.seed).sample(pool, args.n)
    with tempfile.TemporaryDirectory(prefix="detoxify-bench-") as tmp:
        t0 = time.perf_counter()
        model_dir = build_checkpoint(Path(tmp), pool)
        print(f"built bert-base checkpoint in {time.perf_counter() - t0:.1f}s", file=sys.stderr)

        ours = load_scorer(f"detoxify:{model_dir}", device=args.device, batch_size=args.batch_size,
                           precision="fp32")
        # the opt-in fast path: bf16 weights (scores within about 0.01, not exact)
        fast = load_scorer(f"detoxify:{model_dir}", device=args.device,
                           batch_size=args.batch_size, precision=args.fast_precision)
        # ours before the last layer was cut to [CLS]: the same engine, the whole last layer
        clsonly.ENABLED = False
        full = load_scorer(f"detoxify:{model_dir}", device=args.device, batch_size=args.batch_size,
                           precision="fp32")
        clsonly.ENABLED = True
        if args.min_fill is not None:
            ours.engine.min_fill = fast.engine.min_fill = full.engine.min_fill = args.min_fill
        threads = set_cpu_threads() if args.device == "cpu" else None
        naive = Detoxify(
            checkpoint=str(model_dir / "bench-bert-base.ckpt"),
            huggingface_config_path=str(model_dir),
            device=args.device,
        )
        lengths = [len(ids) for ids in naive.tokenizer(texts, verbose=False)["input_ids"]]
        warm = texts[:4]
        naive.predict(warm)
        ours.score(warm)
        fast.score(warm)
        full.score(warm)

        # The machine is shared: load changes over minutes. Texts go in rounds (each a whole
        # number of naive batches, in arrival order), and the two paths alternate which runs
        # first (ABBA), so drifting load falls on both alike. CPU time is reported too.
        ref: dict[str, list[float]] = {label: [] for label in ours.labels}
        results = []
        fast_results = []
        fast_s = full_s = 0.0
        full_results = []
        naive_s = ours_s = naive_cpu = ours_cpu = 0.0
        step = 32 * max(1, -(-len(texts) // (32 * args.rounds)))
        for r, start in enumerate(range(0, len(texts), step)):
            group = texts[start : start + step]
            paths = ("naive", "ours", "full", "fast")
            for path in paths if r % 2 == 0 else paths[::-1]:
                t0, c0 = time.perf_counter(), time.process_time()
                if path == "naive":
                    for b in range(0, len(group), 32):
                        out = naive.predict(group[b : b + 32])
                        for label, column in ref.items():
                            value = out[label]
                            column.extend(value if isinstance(value, list) else [value])
                    naive_s += time.perf_counter() - t0
                    naive_cpu += time.process_time() - c0
                elif path == "full":
                    full_results.extend(full.score(group))
                    full_s += time.perf_counter() - t0
                elif path == "fast":
                    fast_results.extend(fast.score(group))
                    fast_s += time.perf_counter() - t0
                else:
                    results.extend(ours.score(group))
                    ours_s += time.perf_counter() - t0
                    ours_cpu += time.process_time() - c0

    from moderation.scoring.normalize import normalize

    # Every text within one window scores exactly as Detoxify's predict (the de-obfuscated
    # copy's scores are a field of their own); texts past 512 tokens may only score higher.
    changed = {i for i, t in enumerate(texts) if normalize(t).text != t.lower()}
    long_ = [i for i, n in enumerate(lengths) if n > 512]
    same = [i for i in range(len(texts)) if lengths[i] <= 512]
    max_diff = max(abs(results[i].labels[k] - ref[k][i]) for i in same for k in ref)
    full_diff = max(abs(full_results[i].labels[k] - results[i].labels[k])
                    for i in range(len(texts)) for k in ref)
    fast_diff = max(abs(fast_results[i].labels[k] - ref[k][i]) for i in same for k in ref)
    higher = sorted(long_)
    long_below = min((results[i].labels[k] - ref[k][i] for i in higher for k in ref), default=0.0)
    # Load-independent: tokens each path pushes through the model, padding included.
    naive_tokens = sum(
        len(lengths[b : b + 32]) * max(lengths[b : b + 32]) for b in range(0, len(texts), 32)
    )
    ours_tokens = 0
    for start in range(0, len(texts), step):
        group = texts[start : start + step]
        alts = [normalize(t).text for t in group if normalize(t).text != t.lower()]
        ids = ours.engine.tokenizer(group + alts, add_special_tokens=False, verbose=False)[
            "input_ids"
        ]
        eng = ours.engine
        wl = [
            min(len(x), eng.width) + len(eng.prefix) + len(eng.suffix)
            for x in ids
            for _ in window_starts(len(x), eng.width, eng.overlap)
        ]
        order = sorted(range(len(wl)), key=lambda w: -wl[w])
        ours_tokens += sum(len(b) * wl[b[0]] for b in eng._batches(order, wl))
    report = {
        "set": args.which,
        "comments": len(texts),
        "naive_padded_tokens": naive_tokens,
        "ours_padded_tokens": ours_tokens,
        "token_ratio": naive_tokens / ours_tokens,
        "tokens_mean": sum(lengths) / len(lengths),
        "tokens_max": max(lengths),
        "comments_over_512_tokens": len(long_),
        "windows_total": sum(r.windows for r in results),
        "device": args.device,
        "torch_threads": threads or torch.get_num_threads(),
        "our_batch_size": ours.batch_size,
        "our_min_fill": ours.engine.min_fill,
        "naive_comments_per_s": len(texts) / naive_s,
        "ours_comments_per_s": len(texts) / ours_s,
        "ratio": naive_s / ours_s,
        "full_last_layer_comments_per_s": len(texts) / full_s,
        "full_last_layer_ratio": naive_s / full_s,
        "cls_only_speedup": full_s / ours_s,
        "cls_only_max_abs_diff": full_diff,
        "fast_precision": args.fast_precision,
        "fast_comments_per_s": len(texts) / fast_s,
        "fast_ratio": naive_s / fast_s,
        "fast_max_abs_diff": fast_diff,
        "rounds": args.rounds,
        "naive_cpu_seconds": naive_cpu,
        "ours_cpu_seconds": ours_cpu,
        "ratio_cpu_time": naive_cpu / ours_cpu,
        "comments_compared_for_equality": len(same),
        "comments_with_normalized_copy": len(changed),
        "max_abs_diff": max_diff,
        "windowed_or_normalized_min_ours_minus_naive": long_below,
        "naive_seconds": naive_s,
        "ours_seconds": ours_s,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
    }
    print(f"machine: {report['cpu']}, {report['cores']} cores, torch {torch.__version__}, "
          f"{report['torch_threads']} threads, device {args.device}")
    print(
        f"comments: {len(texts)} (mean {report['tokens_mean']:.0f} tokens, max {max(lengths)}, "
        f"{len(long_)} over 512 -> {report['windows_total']} windows in all)"
    )
    print(
        f"naive Detoxify.predict, batches of 32 in arrival order: {report['naive_comments_per_s']:.2f} comments/s"
    )
    print(
        f"ours (length-sorted, batch {ours.batch_size}, windows):        {report['ours_comments_per_s']:.2f} comments/s"
    )
    print(
        f"ours, whole last layer (before [CLS]-only): {report['full_last_layer_comments_per_s']:.2f} comments/s, "
        f"{report['full_last_layer_ratio']:.2f}x naive; [CLS]-only is {report['cls_only_speedup']:.2f}x "
        f"faster, max |diff| {full_diff:.1e}"
    )
    print(
        f"ours, --precision {args.fast_precision} (not exact):          "
        f"{report['fast_comments_per_s']:.2f} comments/s, {report['fast_ratio']:.2f}x naive, "
        f"max |diff| {fast_diff:.4f}"
    )
    print(
        f"ratio (fp32, exact): {report['ratio']:.2f}x (CPU time: {report['ratio_cpu_time']:.2f}x; tokens through "
        f"the model, padding included: {naive_tokens} vs {ours_tokens}, {report['token_ratio']:.2f}x)\n"
        f"max |diff| on {len(same)} comments: {max_diff:.2e}   "
        f"{len(higher)} windowed: min(ours - naive) {long_below:+.2e}   "
        f"{len(changed)} also scored on a de-obfuscated copy (kept apart)"
    )
    write_result("detoxify_speed", report)


if __name__ == "__main__":
    main()
