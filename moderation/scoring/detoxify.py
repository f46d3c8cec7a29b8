"""Detoxify models (``detoxify:NAME``) and local Detoxify checkpoints (``detoxify:DIR``), loaded safely.

Detoxify's own loader unpickles checkpoints with ``torch.load(weights_only=False)``, which runs
whatever code a tampered file carries. Here a checkpoint is read with ``weights_only=True``;
the model is then built by Detoxify's own ``get_model_and_tokenizer`` from the state dict, and
scored by the shared engine (length-sorted batches, windows over long texts), on the raw text
(Detoxify's own probabilities) and, where it differs, on a de-obfuscated copy, whose scores are
kept apart (``Scores.deobfuscated``).

* ``detoxify:NAME`` (original, unbiased, multilingual, original-small, unbiased-small): the
  checkpoint is taken from torch.hub's cache (where Detoxify itself caches it) or downloaded
  from Detoxify's release URL with bounded timeouts, and must match the hash prefix in its
  published file name; the base model's HF config and tokenizer come from the Hugging Face
  cache or hub. ``MODERATION_OFFLINE=1`` (or ``HF_HUB_OFFLINE=1``) forbids any network access.
* ``detoxify:DIR``: DIR holds one ``*.ckpt`` (a dict with ``config`` and ``state_dict``) and the
  HF config and tokenizer files of its base model; loaded fully offline.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from moderation.checksums import file_sha256
from moderation.documents import Scores
from moderation.errors import ScorerError
from moderation.scoring import DETOXIFY_NAMES

# Languages each released model was trained on (Detoxify's README); others go to review.
MULTILINGUAL = ("en", "fr", "es", "it", "pt", "tr", "ru")
LANGUAGES = {
    "original": ("en",),
    "unbiased": ("en",),
    "original-small": ("en",),
    "unbiased-small": ("en",),
    "multilingual": MULTILINGUAL,
}
# Detoxify's load_checkpoint renames these classes; its code only runs after an unsafe load,
# so the same table is applied here.
CLASS_RENAMES = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}
# torch.hub's convention: "name-<sha256 prefix>.ext".
HASH_IN_NAME = re.compile(r"-([a-f0-9]{6,64})\.")
# Globals that Lightning checkpoints carry in hyper-parameters and callback state. They are
# replaced by inert placeholders (never imported, never called); anything else is refused.
INERT_GLOBAL_PREFIXES = (
    "pytorch_lightning.",
    "lightning.",
    "lightning_fabric.",
    "omegaconf.",
    "argparse.Namespace",
    "numpy.",
    "_codecs.encode",
)
# Files a base model's HF config and tokenizer may need.
HF_FILES = [
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
    "added_tokens.json",
]
TOKENIZER_FILES = [
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
]
HOW_TO_SUPPLY = (
    "To run offline, use --model detoxify:DIR where DIR holds the Detoxify checkpoint (*.ckpt) "
    "beside its base model's Hugging Face files (config.json and the tokenizer files)."
)


def load(arg: str, *, device: str = "auto", batch_size: int | None = None) -> DetoxifyScorer:
    """Load a Detoxify model by name or from a checkpoint directory; returns a Scorer."""
    if arg in DETOXIFY_NAMES:
        return _load_named(arg, device=device, batch_size=batch_size)
    path = Path(arg).expanduser()
    if path.is_dir():
        return _load_dir(path, device=device, batch_size=batch_size)
    if path.is_file() and path.suffix == ".ckpt":
        return _load_dir(path.parent, ckpt=path, device=device, batch_size=batch_size)
    raise ScorerError(
        f"unknown Detoxify model {arg!r}: use one of {', '.join(DETOXIFY_NAMES)}, "
        "or detoxify:DIR with DIR a directory holding a *.ckpt and its Hugging Face files "
        f"({'no such directory' if not path.exists() else 'not a directory'}: {path})"
    )


# -- checkpoints --------------------------------------------------------------------------------




def check_hash(path: Path, digest: str | None = None) -> str:
    """The file's sha256; a ScorerError if its name carries a hash prefix it does not match."""
    digest = digest or file_sha256(path)
    m = HASH_IN_NAME.search(path.name)
    if m and not digest.startswith(m.group(1)):
        raise ScorerError(
            f"checksum mismatch for {path}: its name says sha256 {m.group(1)}..., the file has "
            f"{digest[: len(m.group(1))]}...; it is corrupt or not the published checkpoint "
            "(delete it to download it again)"
        )
    return digest


def safe_load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a Detoxify checkpoint without running code from it; returns its config and weights."""
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL (\S+?)( was not| whose)", str(exc))
        if found is None:
            detail = re.search(r"WeightsUnpickler error:\s*(.+?)\s*(\n|$)", str(exc))
            raise ScorerError(
                f"cannot read checkpoint {path}: not a plain torch checkpoint of tensors and data "
                f"({detail.group(1) if detail else type(exc).__name__})"
            ) from None
        if not found.group(1).startswith(INERT_GLOBAL_PREFIXES):
            raise ScorerError(
                f"refusing to load {path}: it holds a pickled object that is not plain data or "
                f"tensors ({found.group(1)}); a checkpoint needs only 'config' and 'state_dict'"
            ) from None
        loaded = _load_with_inert_globals(path)
    except (RuntimeError, OSError, EOFError, ValueError) as exc:
        raise ScorerError(f"cannot read checkpoint {path}: {exc}") from None
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise ScorerError(
            f"{path} is not a Detoxify checkpoint: it needs a dict with 'config' (the config it "
            "was trained with) and 'state_dict'"
        )
    config, state = loaded["config"], loaded["state_dict"]
    try:
        arch = dict(config["arch"]["args"])
        classes = list(config["dataset"]["args"]["classes"])
    except (KeyError, TypeError) as exc:
        raise ScorerError(
            f"{path}: config lacks {exc} (needs arch.args and dataset.args.classes)"
        ) from None
    for key in ("model_type", "model_name", "tokenizer_name", "num_classes"):
        if not isinstance(arch.get(key), (str, int)):
            raise ScorerError(f"{path}: config.arch.args lacks {key!r}")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ScorerError(f"{path}: state_dict is not a mapping of names to tensors")
    return {
        "arch": arch,
        "classes": [CLASS_RENAMES.get(c, c) for c in classes],
        "state_dict": state,
    }


class _Inert(dict):  # type: ignore[type-arg]
    """Stands in for a refused-to-import class: swallows construction and state, runs nothing."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def __setstate__(self, state: Any) -> None:
        pass


def _load_with_inert_globals(path: Path) -> Any:
    """Second try for Lightning checkpoints: torch's own weights-only globals are allowed, the
    ``INERT_GLOBAL_PREFIXES`` ones become ``_Inert``, and any other global is refused."""
    import torch
    from torch._weights_only_unpickler import _get_allowed_globals

    allowed = _get_allowed_globals()

    class RestrictedUnpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            full = f"{module}.{name}"
            if full in allowed:
                return allowed[full]
            if full.startswith(INERT_GLOBAL_PREFIXES):
                return _Inert
            raise pickle.UnpicklingError(f"global {full} is not allowed in a checkpoint")

    class RestrictedPickle:
        Unpickler = RestrictedUnpickler
        __name__ = "moderation_restricted_pickle"

        @staticmethod
        def load(fh: Any, **kwargs: Any) -> Any:
            return RestrictedUnpickler(fh, **kwargs).load()

    try:
        return torch.load(
            path, map_location="cpu", weights_only=False, pickle_module=RestrictedPickle
        )
    except pickle.UnpicklingError as exc:
        raise ScorerError(f"refusing to load {path}: {exc}") from None


def _verify_state_dict(model: Any, state: dict[str, Any], source: Path) -> None:
    """Refuse a checkpoint whose weights did not all reach the model: transformers leaves
    unmatched parameters randomly initialised with only a log line, and Detoxify does not check."""
    import torch

    provided = {
        k.replace("LayerNorm.gamma", "LayerNorm.weight").replace(
            "LayerNorm.beta", "LayerNorm.bias"
        ): v
        for k, v in state.items()
    }
    missing, differing = [], []
    for key, own in model.state_dict().items():
        if key.endswith(("position_ids", "token_type_ids")):
            continue  # buffers rebuilt by the model, not weights
        given = provided.get(key)
        if given is None and "." in key:
            given = provided.get(key.split(".", 1)[1])  # a checkpoint of the base model's keys
        if given is None:
            missing.append(key)
        elif given.shape != own.shape or not torch.equal(given.to(own.dtype), own.cpu()):
            differing.append(key)
    if missing or differing:
        sample = ", ".join((missing or differing)[:3])
        raise ScorerError(
            f"{source}: the checkpoint's weights do not match {type(model).__name__}: "
            f"{len(missing)} tensors missing and {len(differing)} not loaded (e.g. {sample})"
        )


def _build(loaded: dict[str, Any], hf_dir: Path, source: Path) -> tuple[Any, Any]:
    """Detoxify's own model construction, pointed at a local directory of HF files."""
    import logging

    from detoxify.detoxify import get_model_and_tokenizer
    from transformers.utils import logging as hf_logging

    arch = loaded["arch"]
    if not any((hf_dir / f).is_file() for f in TOKENIZER_FILES):
        raise ScorerError(
            f"{hf_dir} has no tokenizer files (one of {', '.join(TOKENIZER_FILES)}). {HOW_TO_SUPPLY}"
        )
    if int(arch["num_classes"]) != len(loaded["classes"]):
        raise ScorerError(
            f"{source}: {arch['num_classes']} outputs but {len(loaded['classes'])} class names"
        )
    verbosity, bar = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity(logging.ERROR)  # "some weights newly initialized": checked below
    hf_logging.disable_progress_bar()
    try:
        model, tokenizer = get_model_and_tokenizer(
            model_type=str(hf_dir),
            model_name=arch["model_name"],
            tokenizer_name=arch["tokenizer_name"],
            num_classes=int(arch["num_classes"]),
            state_dict=loaded["state_dict"],
        )
    except AttributeError as exc:
        raise ScorerError(
            f"{source}: unknown model or tokenizer class in checkpoint: {exc}"
        ) from None
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise ScorerError(
            f"cannot build the model from {hf_dir}: {exc}. The directory needs the base model's "
            f"Hugging Face config.json and tokenizer files. {HOW_TO_SUPPLY}"
        ) from None
    finally:
        hf_logging.set_verbosity(verbosity)
        if bar:
            hf_logging.enable_progress_bar()
    _verify_state_dict(model, loaded["state_dict"], source)
    vocab = getattr(model.config, "vocab_size", 0) or 0
    if len(tokenizer) < vocab // 2:
        # transformers builds an empty tokenizer rather than fail when its files are unusable.
        raise ScorerError(
            f"the tokenizer in {hf_dir} has {len(tokenizer)} tokens but the model has {vocab}: "
            f"wrong or incomplete tokenizer files. {HOW_TO_SUPPLY}"
        )
    return model, tokenizer


def _engine(
    model: Any,
    tokenizer: Any,
    loaded: dict[str, Any],
    *,
    name: str,
    version: str,
    languages: tuple[str, ...],
    device: str,
    batch_size: int | None,
) -> DetoxifyScorer:
    from moderation.scoring import clsonly
    from moderation.scoring.engine import InferenceEngine

    if not getattr(tokenizer, "is_fast", True):
        raise ScorerError(f"{name}: a fast (tokenizers-backed) tokenizer is needed")
    engine = InferenceEngine(
        clsonly.wrap(model),  # the last layer for [CLS] only: what the classifier reads
        tokenizer,
        loaded["classes"],
        name=name,
        version=version,
        activation="sigmoid",
        device=device,
        batch_size=batch_size,
        supported_languages=languages,
    )
    return DetoxifyScorer(engine)


class DetoxifyScorer:
    """A loaded Detoxify model. ``score`` runs the raw text through the engine: ``labels`` are
    Detoxify's own probabilities (equal to its predict for texts within 512 tokens). For the
    few texts whose de-obfuscated copy differs (f*ck, f.u.c.k, look-alikes, fullwidth, f4ck),
    that copy is scored too and kept apart in ``Scores.deobfuscated``, never folded in."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.name: str = engine.name
        self.version: str = engine.version
        self.labels: tuple[str, ...] = engine.labels
        self.batch_size: int = engine.batch_size
        self.rows_per_call: int = engine.rows_per_call

    def score(self, texts: Sequence[str]) -> list[Scores]:
        from moderation.scoring.normalize import normalize

        if isinstance(texts, str):
            texts = [texts]
        alternates: dict[int, str] = {}
        for i, text in enumerate(texts):
            if isinstance(text, str) and text.strip():
                norm = normalize(text).text
                if norm.strip() and norm != text.lower():
                    alternates[i] = norm
        return list(self.engine.score(texts, alternates=alternates))


# -- detoxify:DIR -------------------------------------------------------------------------------


def _load_dir(
    directory: Path, *, ckpt: Path | None = None, device: str, batch_size: int | None
) -> Any:
    if ckpt is None:
        found = sorted(directory.glob("*.ckpt"))
        if not found:
            raise ScorerError(f"no Detoxify checkpoint (*.ckpt) in {directory}. {HOW_TO_SUPPLY}")
        if len(found) > 1:
            raise ScorerError(
                f"{directory} holds {len(found)} checkpoints ({', '.join(p.name for p in found)}); "
                "name one: --model detoxify:DIR/FILE.ckpt"
            )
        ckpt = found[0]
    if not (directory / "config.json").is_file():
        raise ScorerError(
            f"{directory} lacks config.json (the base model's Hugging Face config). {HOW_TO_SUPPLY}"
        )
    digest = check_hash(ckpt)
    known = _known_by_hash(digest)
    loaded = safe_load_checkpoint(ckpt)
    model, tokenizer = _build(loaded, directory, ckpt)
    if known:
        name, languages = f"detoxify:{known}", LANGUAGES[known]
    else:
        name = f"detoxify:{directory.name}"
        base = str(loaded["arch"]["model_type"]).lower()
        languages = MULTILINGUAL if ("xlm" in base or "multilingual" in base) else ("en",)
    return _engine(
        model,
        tokenizer,
        loaded,
        name=name,
        version=digest[:8],
        languages=languages,
        device=device,
        batch_size=batch_size,
    )


def _known_by_hash(digest: str) -> str | None:
    from detoxify.detoxify import MODEL_URLS

    for name, url in MODEL_URLS.items():
        m = HASH_IN_NAME.search(url.rsplit("/", 1)[-1])
        if m and digest.startswith(m.group(1)):
            return name
    return None


# -- detoxify:NAME ------------------------------------------------------------------------------


def offline() -> bool:
    """True when the user forbade network access (MODERATION_OFFLINE, HF_HUB_OFFLINE)."""
    return any(
        os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on")
        for var in ("MODERATION_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def download_timeout() -> float:
    try:
        return float(os.environ.get("MODERATION_DOWNLOAD_TIMEOUT", "20"))
    except ValueError:
        return 20.0


def _load_named(name: str, *, device: str, batch_size: int | None) -> Any:
    import torch.hub
    from detoxify.detoxify import MODEL_URLS

    url = MODEL_URLS[name]
    filename = url.rsplit("/", 1)[-1]
    cached = Path(torch.hub.get_dir()) / "checkpoints" / filename
    if not cached.is_file():
        if offline():
            raise ScorerError(
                f"detoxify:{name} weights are not cached ({cached} is missing) and network access "
                f"is off (MODERATION_OFFLINE/HF_HUB_OFFLINE). Download {url} to that path, or: "
                f"{HOW_TO_SUPPLY}"
            )
        _download(url, cached, name)
    check_hash(cached)
    loaded = safe_load_checkpoint(cached)
    hf_dir = _hf_snapshot(str(loaded["arch"]["model_type"]), name)
    model, tokenizer = _build(loaded, hf_dir, cached)
    m = HASH_IN_NAME.search(filename)
    return _engine(
        model,
        tokenizer,
        loaded,
        name=f"detoxify:{name}",
        version=m.group(1) if m else "",
        languages=LANGUAGES[name],
        device=device,
        batch_size=batch_size,
    )


def _download(url: str, dest: Path, name: str) -> None:
    """Fetch url to dest (via a temporary file), with a timeout on connect and on each read."""
    timeout = download_timeout()
    dest.parent.mkdir(parents=True, exist_ok=True)
    print(f"downloading detoxify:{name} weights from {url}", file=sys.stderr)
    tmp = None
    try:
        with (
            urllib.request.urlopen(url, timeout=timeout) as resp,
            tempfile.NamedTemporaryFile(dir=dest.parent, suffix=".partial", delete=False) as fh,
        ):
            tmp = Path(fh.name)
            for block in iter(lambda: resp.read(1 << 20), b""):
                fh.write(block)
        digest = file_sha256(tmp)
        m = HASH_IN_NAME.search(dest.name)
        if m and not digest.startswith(m.group(1)):
            raise ScorerError(f"downloaded detoxify:{name} weights fail their checksum ({url})")
        os.replace(tmp, dest)
        tmp = None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ScorerError(
            f"detoxify:{name} weights are not cached ({dest} is missing) and could not be "
            f"downloaded from {url}: {reason}. Copy the file there from a machine with network "
            f"access, or: {HOW_TO_SUPPLY}"
        ) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _hf_snapshot(repo_id: str, name: str) -> Path:
    """A local directory with the base model's HF config and tokenizer: cache first, then hub."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, allow_patterns=HF_FILES, local_files_only=True))
    except Exception as exc:  # noqa: BLE001 -- huggingface_hub raises several unrelated types
        cache_error = exc
    if offline():
        raise ScorerError(
            f"detoxify:{name} needs the Hugging Face config and tokenizer of {repo_id}, which are "
            f"not cached, and network access is off. {HOW_TO_SUPPLY}"
        ) from None
    try:
        return Path(
            snapshot_download(repo_id, allow_patterns=HF_FILES, etag_timeout=download_timeout())
        )
    except Exception as exc:  # noqa: BLE001
        raise ScorerError(
            f"detoxify:{name} needs the Hugging Face config and tokenizer of {repo_id}: not cached "
            f"({type(cache_error).__name__}) and not downloadable ({type(exc).__name__}: {exc}). "
            f"{HOW_TO_SUPPLY}"
        ) from None
