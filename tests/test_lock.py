"""The locks match pyproject.toml, and a pyproject.toml edited without refreshing them is
caught with the command that refreshes them (.ci/pyproject_deps.py, run by tests/run.sh and
.ci/run before anything installs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

LOCKS = ("requirements.lock", "requirements-test.lock")


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(root / ".ci" / "pyproject_deps.py"), "check",
                           *LOCKS], capture_output=True, text=True, check=False, timeout=60)


def copy_project(tmp: Path) -> Path:
    (tmp / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "pyproject_deps.py", tmp / ".ci")
    for name in ("pyproject.toml", *LOCKS):
        shutil.copy(REPO / name, tmp / name)
    return tmp


def test_the_committed_locks_match_pyproject() -> None:
    done = check(REPO)
    assert done.returncode == 0, done.stderr


def test_an_edited_pyproject_fails_with_the_refresh_command(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    py = root / "pyproject.toml"
    py.write_text(py.read_text().replace('"click>=8.1",', '"click>=8.1",\n    "attrs>=23",'))
    done = check(root)
    assert done.returncode == 1
    assert "refresh them with `bash .ci/lock.sh`" in done.stderr
    assert "requirements.lock was locked for another pyproject.toml" in done.stderr


def test_a_missing_lock_is_named(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "requirements.lock").unlink()
    done = check(root)
    assert done.returncode == 1 and "requirements.lock is missing" in done.stderr


def test_every_pin_is_exact_and_hashed() -> None:
    for name in LOCKS:
        entries = [line for line in (REPO / name).read_text().splitlines()
                   if line and not line[0].isspace() and not line.startswith("#")]
        assert entries, name
        for line in entries:
            assert "==" in line and line.rstrip().endswith("\\"), (name, line)
