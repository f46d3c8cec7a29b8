"""config.toml: the shipped file is valid, defaults match it, errors name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from moderation.config import DEFAULTS, load_config
from moderation.errors import ConfigError

from conftest import REPO


def test_shipped_config_equals_defaults() -> None:
    cfg = load_config(REPO / "config.toml")
    assert cfg.data == DEFAULTS


def test_every_shipped_key_is_commented() -> None:
    lines = (REPO / "config.toml").read_text().splitlines()
    tomllib.loads("\n".join(lines))
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert " # " in line or lines[i - 1].lstrip().startswith("#"), f"uncommented: {line}"


@pytest.mark.parametrize("text, message", [
    ("[database]\npaht = 'x'\n", "unknown key database.paht"),
    ("[scoring]\nbatch_size = 'big'\n", "scoring.batch_size must be int"),
    ("[thresholds]\ntoxicity = 1.5\n", "thresholds.toxicity must be a number from 0 to 1"),
    ("[nope]\n", "unknown section"),
    ("[queue]\nstatus = 'later'\n", "queue.status must be one of"),
    ("[scoring]\nlanguage = 'Deutsch'\n", "scoring.language must be an ISO 639 code"),
    ("not toml ==\n", "not valid TOML"),
])
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml")


def test_moderator_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_MODERATOR", "Dana")
    assert load_config(REPO / "config.toml").moderator() == "Dana"
