"""Every model behind one interface: ``load_scorer(name) -> Scorer``.

Names:
  ``builtin`` (or ``default``)   the embedded model named in config.toml, from ``models/``
  ``builtin:NAME``               ``models/NAME/``
  ``detoxify:original`` ...      a Detoxify model (``original``, ``unbiased``, ``multilingual``,
                                 ``original-small``, ``unbiased-small``)
  ``detoxify:DIR``               a local Detoxify-format checkpoint directory

torch, transformers and detoxify are imported lazily, inside the loaders, so that
``import moderation`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from moderation.documents import Scores
from moderation.errors import ScorerError

DETOXIFY_NAMES = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")


@runtime_checkable
class Scorer(Protocol):
    """A loaded model. ``score`` returns one ``Scores`` per text, in order, always a list."""

    name: str
    version: str
    labels: tuple[str, ...]

    def score(self, texts: Sequence[str]) -> list[Scores]: ...


def models_dir() -> Path:
    """Where the embedded models live: $MODERATION_MODELS_DIR, else inside the installed package
    (a wheel carries them as ``moderation/models``), else the checkout's top-level ``models/``
    (a clone or an editable install)."""
    env = os.environ.get("MODERATION_MODELS_DIR")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parent.parent
    packaged = package / "models"
    if packaged.is_dir():
        return packaged
    return package.parent / "models"


def default_builtin_name() -> str:
    """The embedded model used when none is named: models/DEFAULT, else the first model found."""
    root = models_dir()
    marker = root / "DEFAULT"
    if marker.is_file():
        return marker.read_text(encoding="utf-8").strip()
    found = sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []
    if not found:
        raise ScorerError(f"no embedded model found in {root} (expected models/NAME/manifest.json)")
    return found[0]


def load_scorer(name: str = "builtin", *, device: str = "auto", batch_size: int | None = None,
                other_languages: str | None = None, precision: str | None = None,
                language: str | None = None) -> Scorer:
    """Load a model once; its ``score`` can then be called many times.

    ``other_languages`` names a model (``builtin:multi-tox``) for comments in languages the
    first one does not cover; each comment then goes to the model of its language
    (``routing.RoutedScorer``). Empty or None: no routing. ``precision``: auto | fp32 | bf16 |
    fp16 for the neural models (``InferenceEngine.set_precision``); the linear model ignores it.
    ``language``: most readers' language (config scoring.language), where a comment too short
    to identify goes when the comments scored with it show no language of their own; a
    language no loaded model covers is an error.
    """
    scorer = _load_one(name, device=device, batch_size=batch_size)
    _set_precision(scorer, precision)
    from moderation.scoring import routing

    own = routing.primary_languages(scorer)
    if other_languages and own is not None:  # None: the model takes every comment itself
        other = _load_one(other_languages, device=device, batch_size=batch_size)
        _set_precision(other, precision)
        if not hasattr(other, "languages") or not other.languages:
            raise ScorerError(f"{other_languages}: not a model with per-language routing")
        routed = routing.RoutedScorer(scorer, other, default=language or None)
        if language and language not in routed.languages:
            raise ScorerError(f"scoring.language {language!r}: no model here covers it "
                              f"(covered: {', '.join(sorted(routed.languages))})")
        return routed
    if language and own is not None and language not in own:
        raise ScorerError(f"scoring.language {language!r}: {name} covers only "
                          f"{', '.join(sorted(own))}; set scoring.other_languages to a model "
                          "that covers it")
    return scorer


def _set_precision(scorer: Any, precision: str | None) -> None:
    engine = getattr(scorer, "engine", None)
    # "auto" leaves each model's own default (fp32 on a CPU for the engine; the multilingual
    # encoder uses bf16 autocast where the CPU has bf16 instructions, as it was measured).
    if precision and precision != "auto" and engine is not None and hasattr(engine, "set_precision"):
        engine.set_precision(precision)


def _load_one(name: str, *, device: str, batch_size: int | None) -> Scorer:
    kind, _, arg = name.partition(":")
    if kind in ("builtin", "default"):
        from moderation.scoring import builtin

        return builtin.load(arg or default_builtin_name(), device=device, batch_size=batch_size)
    if kind == "detoxify":
        if not arg:
            raise ScorerError(
                "detoxify needs a model: detoxify:NAME with NAME one of "
                + ", ".join(DETOXIFY_NAMES)
                + ", or detoxify:DIR for a local checkpoint directory"
            )
        from moderation.scoring import detoxify

        return detoxify.load(arg, device=device, batch_size=batch_size)
    raise ScorerError(
        f"unknown model {name!r}: use builtin, builtin:NAME, detoxify:NAME "
        f"({', '.join(DETOXIFY_NAMES)}) or detoxify:DIR"
    )
