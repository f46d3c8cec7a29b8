"""The core stays light: importing it pulls in neither textual nor torch."""

from __future__ import annotations

import subprocess
import sys

CORE = ["moderation", "moderation.store", "moderation.triage", "moderation.export",
        "moderation.actions", "moderation.batch", "moderation.ingest", "moderation.scoring",
        "moderation.cli"]


def test_core_imports_neither_textual_nor_torch() -> None:
    code = (
        "import sys\n"
        f"for name in {CORE!r}: __import__(name)\n"
        "bad = sorted(m for m in ('textual', 'torch', 'transformers', 'detoxify')"
        " if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
