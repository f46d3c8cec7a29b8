"""Shared fixtures: a real SQLite store in a temp dir, filled with a small scored thread."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from moderation.config import Config
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.store import Store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = REPO.parent / "shared"

SAMPLE = ParseResult(
    format="text",
    source="sample.txt",
    articles=(
        Article(
            title="Council votes on the new bridge",
            byline="By A. Reporter",
            body="The council met on Tuesday.\n\nIt voted 5 to 2.",
            comments=(
                Comment("Great reporting, thank you.", author="Ann", position=0),
                Comment("You are a complete idiot and a moron.", author="Troll", position=1),
                Comment("Shut up, nobody asked you, stupid.", author="Troll", position=2),
                Comment("I disagree with the vote but fair enough.", author="Bob", position=3),
                Comment("Go back where you came from, vermin.", author="Hater", position=4),
            ),
        ),
    ),
)

# Hand-set scores for the sample, so store and queue tests do not depend on a model.
SAMPLE_SCORES = {
    1: {"toxicity": 0.02, "insult": 0.01},
    2: {"toxicity": 0.97, "insult": 0.93},
    3: {"toxicity": 0.81, "insult": 0.40},
    4: {"toxicity": 0.10, "insult": 0.05},
    5: {"toxicity": 0.88, "identity_attack": 0.77},
}


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run fastest on one thread, and the test machine is shared; restored after.

    Modules that score with tiny torch models opt in with
    ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    torch = pytest.importorskip("torch")
    before_env = os.environ.get("MODERATION_TORCH_THREADS")
    before = torch.get_num_threads()
    os.environ["MODERATION_TORCH_THREADS"] = "1"
    yield
    if before_env is None:
        os.environ.pop("MODERATION_TORCH_THREADS", None)
    else:
        os.environ["MODERATION_TORCH_THREADS"] = before_env
    torch.set_num_threads(before)


@contextmanager
def mounted_tmpfs(mnt: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of ``size`` at ``mnt`` for the duration (a full disk for real); skips the
    test when this machine cannot mount one (needs root and mount permission)."""
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def scored_store(store: Store) -> Store:
    store.ingest(SAMPLE)
    store.save_scores([(cid, Scores(labels, "fixture", "1")) for cid, labels in SAMPLE_SCORES.items()])
    return store
