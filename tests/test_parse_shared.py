"""The sample pages in ../shared (skipped where a clone does not have them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from moderation.parse import parse_file

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO.parent / "shared" / "data" / "pages"
pytestmark = pytest.mark.skipif(not PAGES.is_dir(), reason="../shared/data/pages not present")


def _bench():
    sys.path.insert(0, str(REPO / "bench"))
    import parse_quality

    return parse_quality


@pytest.mark.slow
def test_html_pages_meet_the_quality_targets() -> None:
    pq = _bench()
    rows = []
    for f in sorted((PAGES / "html").glob("*.html")):
        silver = json.loads((PAGES / "silver_comments" / f"{f.stem}.json").read_text())
        rows.append(pq.score_page(f.stem, silver, parse_file(f).articles[0]))
    overall = pq.prf(rows)
    assert overall["f1"] >= 0.95
    assert overall["false_comments_on_no_comment_pages"] == 0
    assert overall["comment_chrome_lines"] == 0


@pytest.mark.slow
def test_text_dumps_meet_the_quality_targets() -> None:
    pq = _bench()
    rows = []
    for f in sorted((PAGES / "text_dumps").glob("*.txt")):
        silver = json.loads((PAGES / "silver_comments" / f"{f.stem}.json").read_text())
        text = f.read_text(encoding="utf-8")
        sh, n = pq.shingles(text), pq.norm(text)
        present = [g for g in silver if g.get("text") and pq.contained(g["text"], sh, n)]
        row = pq.score_page(f.stem, present, parse_file(f).articles[0])
        row["false_comments"] = row["got"] if not silver else 0
        row["unlabeled"] = bool(silver) and not any(g.get("text") for g in silver)
        rows.append(row)
    overall = pq.prf(rows)
    assert overall["f1"] >= 0.85
    assert overall["false_comments_on_no_comment_pages"] == 0


def test_exports_parse_with_every_comment() -> None:
    for f in sorted((PAGES / "exports").glob("wxr_*.xml")):
        result = parse_file(f)
        count = sum(len(a.comments) for a in result.articles)
        assert count == f.read_bytes().count(b"<wp:comment>"), f.name
    theme = parse_file(PAGES / "exports" / "wxr_themeunittestdata.wordpress.xml")
    kinds = [c.kind for a in theme.articles for c in a.comments]
    assert kinds.count("pingback") == 2 and kinds.count("trackback") == 2
