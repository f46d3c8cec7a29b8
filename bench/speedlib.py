"""What the speed benches share: the machine's name, news comments sampled from ../shared, and
writing a JSON result under bench/results/."""

from __future__ import annotations

import csv
import json
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TOXICITY = REPO.parent / "shared" / "data" / "toxicity"
NEWS = TOXICITY / "toxic_spans" / "comments.csv"  # Civil Comments news comments


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_column(path: Path, column: str) -> list[str]:
    """Every non-blank ``column`` of a CSV under ../shared; exits with a line naming a missing file."""
    if not path.is_file():
        sys.exit(f"missing {path}: the bench samples real comments from ../shared")
    csv.field_size_limit(10_000_000)
    with open(path, newline="", encoding="utf-8") as fh:
        return [row[column] for row in csv.DictReader(fh) if row.get(column, "").strip()]


def news_comments(n: int, seed: int = 0) -> list[str]:
    pool = read_column(NEWS, "comment_text")
    return random.Random(seed).sample(pool, min(n, len(pool)))


def write_result(name: str, report: dict[str, Any]) -> Path:
    out = REPO / "bench" / "results" / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)}")
    return out
