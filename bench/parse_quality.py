"""Parser quality and speed on ../shared/data/pages, with trafilatura's comments as baseline.

usage: .venv/bin/python bench/parse_quality.py [--pages DIR] [--seeds DIR] [--out FILE]

Per page and overall: comment precision/recall/F1 (one-to-one matching of comment texts by
token overlap), author and parent accuracy on matched comments, comment text leaked into the
body, chrome/boilerplate lines in body and comments, false comments on pages without comments;
trafilatura's comment recall and body leakage on the same HTML pages; our HTML parse time
against trafilatura's extraction of the same pages, and text-dump throughput.

The labels in silver_comments/ are rule-based ("silver"); where a silver comment has no text
it cannot be matched and the page is reported as unlabeled. For text dumps, only silver
comments whose text survived the rendering into the dump can be found; recall is reported
against those ("present") and against all.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from moderation.parse import bylines, chrome, parse_bytes, parse_file

ROOT = Path(__file__).resolve().parents[1]

MATCH = 0.5  # token Dice similarity for two texts to be the same comment
_SAYS = re.compile(r"\s*(?:says|sagt|dit|dice|schreibt)\s*:?\s*$", re.IGNORECASE)


def norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").lower()).split())


def dice(a: str, b: str) -> float:
    ta, tb = Counter(norm(a).split()), Counter(norm(b).split())
    total = sum(ta.values()) + sum(tb.values())
    return 2 * sum((ta & tb).values()) / total if total else 0.0


def match(gold: list[dict], got: list) -> list[tuple[int, int]]:
    """Greedy one-to-one matching, best pairs first."""
    pairs = []
    for i, g in enumerate(gold):
        for j, c in enumerate(got):
            s = dice(g["text"], c.text)
            if s >= MATCH:
                pairs.append((s, i, j))
    pairs.sort(reverse=True)
    used_g, used_c, out = set(), set(), []
    for _s, i, j in pairs:
        if i not in used_g and j not in used_c:
            used_g.add(i)
            used_c.add(j)
            out.append((i, j))
    return out


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = norm(text).split()
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def contained(text: str, haystack_shingles: set, haystack_norm: str) -> bool:
    """Most of ``text`` appears in the haystack (5-word shingles; whole text if short)."""
    words = norm(text).split()
    if len(words) < 5:
        return bool(words) and f" {norm(text)} " in f" {haystack_norm} "
    own = shingles(text)
    return sum(s in haystack_shingles for s in own) / len(own) >= 0.5


def chrome_lines(text: str | None) -> list[str]:
    return [line for line in (text or "").split("\n") if norm(line) and (
        chrome.is_boilerplate(line) or chrome.is_widget_line(line) or chrome.is_zone_end(line))]


def score_page(name: str, silver: list[dict], article, source_text: str | None = None) -> dict:
    got = [c for c in article.comments if c.kind == "comment"]
    labeled = [g for g in silver if g.get("text")]
    unlabeled = bool(silver) and not labeled
    pairs = match(labeled, got)
    tp = len(pairs)
    authors = [(labeled[i], got[j]) for i, j in pairs if labeled[i].get("author")]
    author_ok = sum(norm(_SAYS.sub("", g["author"])) == norm(c.author) for g, c in authors)
    # text dumps often lose the name (linked names are dropped in rendering): also score only
    # the comments whose author name survived in the dump as a line of its own
    kept = authors
    if source_text is not None:
        lines = {norm(line) for line in source_text.split("\n")}
        kept = [(g, c) for g, c in authors if norm(_SAYS.sub("", g["author"])) in lines]
    kept_ok = sum(norm(_SAYS.sub("", g["author"])) == norm(c.author) for g, c in kept)
    # parents count only where the source has them and the parser claims to know them
    has_parents = any(g.get("parent") for g in labeled) and any(c.parent_known for c in got)
    parent_ok = sum((labeled[i].get("parent") or None) == got[j].parent for i, j in pairs)
    body = article.body or ""
    body_norm = norm(body)
    body_sh = shingles(body)
    leaked = sum(1 for g in labeled if len(norm(g["text"]).split()) >= 5
                 and contained(g["text"], body_sh, body_norm))
    comment_chrome = [ln for c in got for ln in chrome_lines(c.text)]
    return {
        "page": name, "silver": len(silver), "labeled": len(labeled), "got": len(got),
        "tp": tp, "unlabeled": unlabeled, "no_comment_page": not silver,
        "false_comments": len(got) if not silver else 0,
        "author_n": len(authors), "author_ok": author_ok,
        "author_kept_n": len(kept), "author_kept_ok": kept_ok,
        "parent_n": tp if has_parents else 0, "parent_ok": parent_ok if has_parents else 0,
        "leaked_into_body": leaked, "body_chrome_lines": chrome_lines(body)[:10],
        "comment_chrome_lines": comment_chrome[:10],
        "n_body_chrome": len(chrome_lines(body)), "n_comment_chrome": len(comment_chrome),
    }


def prf(rows: list[dict], gold_key: str = "labeled") -> dict:
    rows = [r for r in rows if not r["unlabeled"]]
    tp = sum(r["tp"] for r in rows)
    got = sum(r["got"] for r in rows)
    gold = sum(r[gold_key] for r in rows)
    p = tp / got if got else 1.0
    r = tp / gold if gold else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    an = sum(x["author_n"] for x in rows)
    kn = sum(x["author_kept_n"] for x in rows)
    pn = sum(x["parent_n"] for x in rows)
    return {
        "precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3),
        "author_accuracy": round(sum(x["author_ok"] for x in rows) / an, 3) if an else None,
        "author_accuracy_where_source_kept_name": (
            round(sum(x["author_kept_ok"] for x in rows) / kn, 3) if kn else None),
        "parent_accuracy": round(sum(x["parent_ok"] for x in rows) / pn, 3) if pn else None,
        "leaked_into_body": sum(x["leaked_into_body"] for x in rows),
        "body_chrome_lines": sum(x["n_body_chrome"] for x in rows),
        "comment_chrome_lines": sum(x["n_comment_chrome"] for x in rows),
        "false_comments_on_no_comment_pages": sum(x["false_comments"] for x in rows),
    }


def trafilatura_baseline(html: str, silver: list[dict]) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(html, include_comments=True, with_metadata=True)
    blob = (doc.comments if doc else "") or ""
    body = (doc.text if doc else "") or ""
    labeled = [g for g in silver if g.get("text")]
    bsh, bn = shingles(blob), norm(blob)
    tsh, tn = shingles(body), norm(body)
    found = sum(contained(g["text"], bsh, bn) for g in labeled)
    leaked = sum(1 for g in labeled if len(norm(g["text"]).split()) >= 5
                 and contained(g["text"], tsh, tn))
    return {"labeled": len(labeled), "found": found, "leaked": leaked,
            "blob_chars": len(blob)}


def bench_html(pages: Path) -> tuple[list[dict], dict, dict]:
    import trafilatura

    rows, base, ours_t, traf_t = [], [], 0.0, 0.0
    files = sorted((pages / "html").glob("*.html"))
    # Warm both sides once (imports, lazy tables) before timing.
    warm = files[0].read_bytes()
    parse_bytes(warm, files[0].name)
    trafilatura.extract(warm.decode("utf-8", "replace"))
    for f in files:
        silver = json.loads((pages / "silver_comments" / f"{f.stem}.json").read_text())
        data = f.read_bytes()
        html = data.decode("utf-8", "replace")
        # CPU time of this process: the machine may be shared, wall time would measure the load
        t0 = time.process_time()
        result = parse_bytes(data, f.name)
        t1 = time.process_time()
        trafilatura.extract(html)
        t2 = time.process_time()
        ours_t += t1 - t0
        traf_t += t2 - t1
        row = score_page(f.stem, silver, result.articles[0])
        row["ms"] = round((t1 - t0) * 1000, 1)
        row["trafilatura_ms"] = round((t2 - t1) * 1000, 1)
        rows.append(row)
        b = trafilatura_baseline(html, silver)
        b["page"] = f.stem
        base.append(b)
    labeled = sum(b["labeled"] for b in base)
    baseline = {
        "comment_recall": round(sum(b["found"] for b in base) / labeled, 3) if labeled else None,
        "comments_leaked_into_body": sum(b["leaked"] for b in base),
        "pages": base,
    }
    speed = {"ours_s": round(ours_t, 3), "trafilatura_extract_s": round(traf_t, 3),
             "ratio": round(ours_t / traf_t, 3) if traf_t else None,
             "clock": "process CPU time"}
    return rows, baseline, speed


def bench_text(pages: Path) -> tuple[list[dict], dict]:
    rows = []
    files = sorted((pages / "text_dumps").glob("*.txt"))
    for f in files:
        silver = json.loads((pages / "silver_comments" / f"{f.stem}.json").read_text())
        text = f.read_text(encoding="utf-8")
        dump_sh, dump_n = shingles(text), norm(text)
        present = [g for g in silver if g.get("text") and contained(g["text"], dump_sh, dump_n)]
        article = parse_file(f).articles[0]
        row = score_page(f.stem, present, article, text)
        row["silver_all"] = len(silver)
        # a page whose silver comments all vanished in rendering is not a no-comment page
        row["no_comment_page"] = not silver
        row["false_comments"] = row["got"] if not silver else 0
        row["unlabeled"] = bool(silver) and not any(g.get("text") for g in silver)
        rows.append(row)
    datas = [(f.name, f.read_bytes()) for f in files]
    size = sum(len(d) for _n, d in datas)
    reps, t0 = 0, time.process_time()
    while time.process_time() - t0 < 3.0:
        clear_caches()  # every repetition pays for its own phrase matching
        for name, data in datas:
            parse_bytes(data, name, "text")
        reps += 1
    elapsed = time.process_time() - t0
    speed = {"mb_per_s": round(size * reps / elapsed / 1e6, 2), "bytes": size,
             "repetitions": reps, "clock": "process CPU time"}
    return rows, speed


def clear_caches() -> None:
    from moderation.parse import dates, dumplines, textnorm

    for fn in (dumplines._own, dates.iso_date, chrome.is_widget_line, bylines.is_date_line, chrome.is_zone_start,
               chrome.is_meta_line, textnorm.normalize, chrome.is_boilerplate,
               chrome.is_zone_end, chrome.says_no_comments, chrome.is_page_end,
               bylines.split_author_date):
        fn.cache_clear()


def bench_seeds(seeds: Path) -> dict:
    gold = json.loads((seeds / "gold.json").read_text())
    out = {}
    for name, expected in gold.items():
        if name.startswith("_") or not (seeds / name).exists():
            continue
        a = parse_file(seeds / name).articles[0]
        got = [{"author": c.author, "text": c.text} for c in a.comments]
        out[name] = {"title": a.title == expected["title"],
                     "byline": a.byline == expected["byline"],
                     "comments_exact": got == expected["comments"],
                     "comments": f"{len(got)}/{len(expected['comments'])}",
                     "body_chrome_lines": chrome_lines(a.body)}
    return out


def bench_exports(pages: Path) -> list[dict]:
    rows = []
    for f in sorted((pages / "exports").glob("*.xml")):
        t0 = time.perf_counter()
        try:
            r = parse_file(f)
        except Exception as exc:  # noqa: BLE001 - the bench reports any failure per file
            rows.append({"file": f.name, "error": str(exc)})
            continue
        comments = [c for a in r.articles for c in a.comments]
        raw = f.read_bytes()
        expected = raw.count(b"<wp:comment>") + len(re.findall(rb"<post[\s>]", raw))
        rows.append({
            "file": f.name, "format": r.format, "articles": len(r.articles),
            "comments": len(comments), "elements_in_file": expected,
            "kinds": dict(Counter(c.kind for c in comments)),
            "statuses": dict(Counter(c.source_status for c in comments)),
            "with_parent": sum(1 for c in comments if c.parent),
            "warnings": list(r.warnings), "ms": round((time.perf_counter() - t0) * 1000, 1),
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=Path, default=ROOT.parent / "shared/data/pages")
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared/seeds")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/parse_quality.json")
    ap.add_argument("--baseline-ref", default="6210e34",
                    help="git ref of the old parser for the unseen-site comparison "
                         "(default: the commit before issue 16)")
    ap.add_argument("--dumps", type=Path, default=ROOT / "bench/results/dumps",
                    help="cache of pages2's seed-style dumps")
    ap.add_argument("--render-python", default=sys.executable,
                    help="an interpreter with resiliparse, to render pages2's dumps")
    ap.add_argument("--unseen-only", action="store_true",
                    help="only the leave-one-site-out / held-out evaluation")
    args = ap.parse_args(argv)
    if not args.pages.is_dir():
        print(f"no pages at {args.pages}; pass --pages", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "bench"))
    from parse_unseen import run as run_unseen

    unseen = run_unseen(args.pages, args.dumps, args.baseline_ref, args.render_python)
    if args.unseen_only:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name("parse_unseen.json").write_text(json.dumps(unseen, indent=1))
        return 0
    html_rows, baseline, html_speed = bench_html(args.pages)
    text_rows, text_speed = bench_text(args.pages)
    report = {
        "seeds": bench_seeds(args.seeds) if args.seeds.is_dir() else None,
        "html": {"overall": prf(html_rows), "pages": html_rows, "speed": html_speed},
        "trafilatura_baseline": baseline,
        "text_dumps": {"overall_present": prf(text_rows),
                       "overall_all_silver": prf(text_rows, "silver_all"),
                       "pages": text_rows, "speed": text_speed},
        "exports": bench_exports(args.pages),
        "unseen_sites": unseen,
    }
    fmt = "{:44} {:>4} {:>4} {:>4} {:>6} {:>6} {:>5} {:>5}"
    for title, rows in (("HTML pages", html_rows), ("text dumps", text_rows)):
        print(f"\n== {title}")
        print(fmt.format("page", "gold", "got", "tp", "author", "parent", "leak", "chrome"))
        for r in rows:
            print(fmt.format(r["page"][:44], r["labeled"] if not r["unlabeled"] else "n/a",
                             r["got"], r["tp"], f"{r['author_ok']}/{r['author_n']}",
                             f"{r['parent_ok']}/{r['parent_n']}", r["leaked_into_body"],
                             r["n_body_chrome"] + r["n_comment_chrome"]))
    print("\n== overall")
    print("HTML        ", json.dumps(report["html"]["overall"]))
    print("text (present in dump)", json.dumps(report["text_dumps"]["overall_present"]))
    print("text (all silver)     ", json.dumps(report["text_dumps"]["overall_all_silver"]))
    print("trafilatura baseline: comment recall", baseline["comment_recall"],
          "| silver comments leaked into its body", baseline["comments_leaked_into_body"])
    print("speed: HTML ours/trafilatura.extract =", html_speed["ratio"],
          f"({html_speed['ours_s']}s vs {html_speed['trafilatura_extract_s']}s);",
          "text dumps", text_speed["mb_per_s"], "MB/s")
    if report["seeds"]:
        print("seeds vs gold:", json.dumps({k: v["comments_exact"] and v["title"] and v["byline"]
                                            for k, v in report["seeds"].items()}))
    for e in report["exports"]:
        print("export", e.get("file"), {k: e.get(k) for k in ("format", "comments",
              "elements_in_file", "kinds", "statuses", "with_parent", "error")})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
