"""SHA-256 of files, read in 1 MiB blocks (model manifests, checkpoints, the training base)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from moderation.errors import ScorerError


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file at ``path``, in bounded memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(path: Path, want: str, owner: str, shown: str | None = None) -> None:
    """A ScorerError naming ``owner`` and the file (``shown``, default its name) when the
    file is missing or its SHA-256 is not ``want``: the embedded models' one checksum error."""
    shown = shown or path.name
    if not path.is_file():
        raise ScorerError(f"{owner}: missing file {shown}")
    got = file_sha256(path)
    if got != want:
        raise ScorerError(f"{owner}: checksum mismatch for {shown} (sha256 {got[:12]}..., "
                          f"manifest {want[:12]}...)")
