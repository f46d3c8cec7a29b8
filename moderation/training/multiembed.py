"""Embed training texts with the multilingual encoder, exactly as the runtime does, cached.

The cache (one ``.npy`` per source, named by a digest of the texts and the encoder file) lets
the head fitting be rerun in seconds; delete the work directory to start over.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAX_LENGTH = 256


def truncate(ids: list[list[int]], width: int) -> list[list[int]]:
    """Token ids cut to ``width``, keeping the closing special token."""
    return [x if len(x) <= width else x[: width - 1] + x[-1:] for x in ids]


def pad(tok: Any, ids: list[list[int]], rows: list[int]) -> tuple[Any, Any]:
    """Input ids and attention mask of ``rows``, padded to the longest of them."""
    import torch

    w = max(len(ids[i]) for i in rows)
    x = torch.full((len(rows), w), tok.pad_token_id, dtype=torch.long)
    m = torch.zeros((len(rows), w), dtype=torch.long)
    for r, i in enumerate(rows):
        x[r, : len(ids[i])] = torch.tensor(ids[i])
        m[r, : len(ids[i])] = 1
    return x, m


def embed_texts(texts: Sequence[str], *, batch_tokens: int = 4096, progress: str = "",
                trunk: Path | None = None, layers: int | None = None,
                pool_layers: Sequence[int] | None = None) -> np.ndarray:
    """L2-normalized embeddings (n, 384) of the first window of each text, as float32, through
    the encoder with the tuned top layers of ``trunk`` when given, or its first ``layers``;
    with ``pool_layers``, (n, 384 per layer): each layer's pool side by side."""
    import torch

    from moderation.scoring import multilingual

    enc = multilingual.load_encoder(trunk=trunk, layers=layers, pool_layers=pool_layers)
    tok = enc.tokenizer
    ids = truncate(tok(list(texts))["input_ids"], MAX_LENGTH)
    order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
    out = np.zeros((len(ids), 384 * max(1, len(pool_layers or ()))), dtype=np.float32)
    start, done, t0 = 0, 0, time.time()
    with torch.inference_mode():
        while start < len(order):
            w = len(ids[order[start]])
            n = max(1, min(128, batch_tokens // w))
            rows = order[start : start + n]
            x, m = pad(tok, ids, rows)
            out[rows] = enc.forward(x, m).float().numpy()
            start += n
            done += len(rows)
            if progress and (done // 2000) != ((done - len(rows)) // 2000):
                rate = done / max(time.time() - t0, 1e-9)
                print(f"  {progress}: {done}/{len(ids)} ({rate:.0f}/s)", file=sys.stderr, flush=True)
    return out


def cached(work: Path, name: str, texts: Sequence[str], trunk: Path | None = None,
           layers: int | None = None, pool_layers: Sequence[int] | None = None) -> np.ndarray:
    from moderation.checksums import file_sha256
    from moderation.scoring import e5_weights

    work.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256(e5_weights.FILE_SHA256.encode())
    if trunk is not None:
        h.update(file_sha256(trunk).encode())
    h.update(str(MAX_LENGTH).encode())
    if layers is not None:
        h.update(f"layers={layers}".encode())
    if pool_layers:
        h.update(f"pool={','.join(str(k) for k in pool_layers)}".encode())
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass") + b"\x00")
    path = work / f"{name}-{h.hexdigest()[:16]}.npy"
    if path.is_file():
        return np.load(path)
    emb = embed_texts(texts, progress=name, trunk=trunk, layers=layers, pool_layers=pool_layers)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, emb)
    tmp.replace(path)
    return emb
