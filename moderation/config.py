"""Load and validate config.toml (tomllib); errors name the offending key."""

from __future__ import annotations

import copy
import getpass
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.errors import ConfigError

DEFAULTS: dict[str, dict[str, Any]] = {
    "database": {"path": "moderation.db", "busy_timeout_ms": 5000},
    "scoring": {"model": "builtin", "device": "auto", "batch_size": 32,
                "other_languages": "builtin:multi-tox", "precision": "auto", "language": ""},
    "thresholds": {
        "toxicity": 0.5,
        "severe_toxicity": 0.5,
        "obscene": 0.7,
        "threat": 0.5,
        "insult": 0.6,
        "identity_attack": 0.5,
        "sexual_explicit": 0.7,
        # per language (comments the multilingual model scores), as config.toml ships them
        "de": {"toxicity": 0.55},
        "da": {"toxicity": 0.2},
        "pl": {"toxicity": 0.2},
        "pt": {"toxicity": 0.55},
        "fr": {"toxicity": 0.8},
    },
    "queue": {
        "status": "pending",
        "flagged_only": True,
        "hide_reasons": [
            "abuse", "hate", "harassment", "spam", "threat", "off_topic", "personal_info", "other",
        ],
    },
    "moderator": {"name": ""},
    "serve": {"host": "127.0.0.1", "port": 8080, "rate_per_second": 10.0, "rate_burst": 20,
              "max_queue": 64, "max_batch": 16, "body_timeout_s": 10.0},
    "keys": {
        "next": "j",
        "previous": "k",
        "approve": "a",
        "hide": "h",
        "note": "n",
        "undo": "u",
        "mark": "space",
        "search": "slash",
        "mark_author": "m",
        "status": "s",
        "filter": "f",
        "clear": "c",
        "refresh": "r",
        "help": "question_mark",
        "quit": "q",
    },
}

QUEUE_STATUSES = ("pending", "approved", "hidden", "all")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class Thresholds(dict[str, float]):
    """label -> threshold, plus ``by_language``: language -> {label: threshold} for comments
    in that language (from ``[thresholds.de]`` tables; a label a language table leaves out
    takes the general value)."""

    def __init__(self, general: dict[str, float] | None = None,
                 by_language: dict[str, dict[str, float]] | None = None):
        super().__init__(general or {})
        self.by_language = {k: dict(v) for k, v in (by_language or {}).items()}

    def for_language(self, language: str | None) -> dict[str, float]:
        """The thresholds that apply to a comment in ``language``."""
        extra = self.by_language.get(language or "")
        return {**self, **extra} if extra else dict(self)
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")


@dataclass(frozen=True)
class Config:
    """Validated settings; ``source`` is the file they came from (None: defaults only)."""

    data: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULTS))
    source: Path | None = None

    @property
    def db_path(self) -> str:
        return str(self.data["database"]["path"])

    @property
    def busy_timeout_ms(self) -> int:
        return int(self.data["database"]["busy_timeout_ms"])

    @property
    def model(self) -> str:
        return str(self.data["scoring"]["model"])

    @property
    def device(self) -> str:
        return str(self.data["scoring"]["device"])

    @property
    def precision(self) -> str:
        return str(self.data["scoring"]["precision"])

    @property
    def batch_size(self) -> int:
        return int(self.data["scoring"]["batch_size"])

    @property
    def thresholds(self) -> Thresholds:
        raw = self.data["thresholds"]
        return Thresholds({k: float(v) for k, v in raw.items() if not isinstance(v, dict)},
                          {k: {lab: float(x) for lab, x in v.items()}
                           for k, v in raw.items() if isinstance(v, dict)})

    @property
    def other_languages(self) -> str:
        return str(self.data["scoring"]["other_languages"])

    @property
    def language(self) -> str:
        """Most readers' language ("" when not set): see config.toml [scoring] language."""
        return str(self.data["scoring"]["language"])

    @property
    def hide_reasons(self) -> list[str]:
        return list(self.data["queue"]["hide_reasons"])

    @property
    def serve(self) -> dict[str, Any]:
        return dict(self.data["serve"])

    @property
    def keys(self) -> dict[str, str]:
        return dict(self.data["keys"])

    def moderator(self) -> str:
        """The moderator's name: config, then $MODERATION_MODERATOR, then the OS user."""
        name = str(self.data["moderator"]["name"]).strip()
        if name:
            return name
        env = os.environ.get("MODERATION_MODERATOR", "").strip()
        if env:
            return env
        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "unknown"


def _check_type(key: str, value: Any, default: Any) -> None:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(f"config key {key} must be {type(default).__name__}, got {value!r}")


def validate(raw: dict[str, Any], source: str = "config") -> dict[str, dict[str, Any]]:
    """Merge ``raw`` over the defaults, refusing unknown sections/keys and wrong types."""
    data = copy.deepcopy(DEFAULTS)
    for section, values in raw.items():
        if section not in DEFAULTS:
            raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(DEFAULTS)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [{section}] must be a table")
        for key, value in values.items():
            full = f"{section}.{key}"
            if section == "thresholds" and isinstance(value, dict):
                if not _LANGUAGE.match(key):
                    raise ConfigError(f"{source}: [thresholds.{key}]: a language table needs an "
                                      "ISO 639 code such as de or pt")
                table = {}
                for label, x in value.items():
                    if not isinstance(x, (int, float)) or isinstance(x, bool) or not 0 <= x <= 1:
                        raise ConfigError(f"{source}: {full}.{label} must be a number from 0 to 1, "
                                          f"got {x!r}")
                    table[label] = float(x)
                data[section][key] = {**data[section].get(key, {}), **table} \
                    if isinstance(data[section].get(key), dict) else table
                continue
            if section == "thresholds":
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                    raise ConfigError(f"{source}: {full} must be a number from 0 to 1, got {value!r}")
                data[section][key] = float(value)
                continue
            if key not in DEFAULTS[section]:
                raise ConfigError(f"{source}: unknown key {full}")
            _check_type(f"{source}: {full}", value, DEFAULTS[section][key])
            data[section][key] = value
    if data["queue"]["status"] not in QUEUE_STATUSES:
        raise ConfigError(f"{source}: queue.status must be one of {', '.join(QUEUE_STATUSES)}")
    if data["scoring"]["device"] not in DEVICES:
        raise ConfigError(f"{source}: scoring.device must be one of {', '.join(DEVICES)}")
    if data["scoring"]["precision"] not in PRECISIONS:
        raise ConfigError(f"{source}: scoring.precision must be one of {', '.join(PRECISIONS)}")
    if data["scoring"]["batch_size"] < 1:
        raise ConfigError(f"{source}: scoring.batch_size must be at least 1")
    if data["scoring"]["language"] and not _LANGUAGE.match(data["scoring"]["language"]):
        raise ConfigError(f"{source}: scoring.language must be an ISO 639 code such as de or "
                          f"pt, or empty, got {data['scoring']['language']!r}")
    serve = data["serve"]
    if not 1 <= serve["port"] <= 65535:
        raise ConfigError(f"{source}: serve.port must be from 1 to 65535")
    if serve["rate_per_second"] <= 0 or serve["rate_burst"] < 1:
        raise ConfigError(f"{source}: serve.rate_per_second must be above 0 and "
                          "serve.rate_burst at least 1")
    if serve["body_timeout_s"] <= 0:
        raise ConfigError(f"{source}: serve.body_timeout_s must be above 0")
    if not 1 <= serve["max_batch"] <= serve["max_queue"]:
        raise ConfigError(f"{source}: serve.max_batch must be from 1 to serve.max_queue")
    if not data["queue"]["hide_reasons"]:
        raise ConfigError(f"{source}: queue.hide_reasons must name at least one reason")
    return data


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path``, else $MODERATION_CONFIG, else ./config.toml if present, else defaults."""
    explicit = path is not None or bool(os.environ.get("MODERATION_CONFIG"))
    candidate = Path(path or os.environ.get("MODERATION_CONFIG") or "config.toml")
    if not candidate.exists():
        if explicit:
            raise ConfigError(f"{candidate}: config file not found")
        return Config()
    try:
        raw = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{candidate}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{candidate}: cannot read: {exc}") from exc
    return Config(data=validate(raw, str(candidate)), source=candidate)
