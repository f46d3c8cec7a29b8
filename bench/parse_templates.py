"""Our own HTML comment templates through the real seed-style renderer, then the text parser.

    PYTHONPATH=. .venv/bin/python bench/parse_templates.py --render-python /tmp/rpvenv/bin/python

The HTML pages of tests/test_parse_html_languages.py (unnamed comment markup and one-line
bylines, eight languages, with and without a heading) are rendered as seed-style text dumps by
../shared/data/pages/tools/render_like_seed.py (resiliparse's main-content text, then the
line filters) in the Python that has resiliparse, and each dump is parsed as a text dump.
This is the text parser's development loop on pages nobody saved from a site: the renderer
glues inline elements ("Anna Berg3. März 2024"), drops one-word lines and sometimes the whole
comment section. Prints, per template kind, how many dumps kept their comments and how many
of those come out exact (texts, authors, dates), with an example of each imperfect kind.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
TOOL = ROOT.parent / "shared" / "data" / "pages" / "tools"

RENDER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from render_like_seed import render
pages = json.load(open(sys.argv[2]))
json.dump({k: render(v) for k, v in pages.items()}, open(sys.argv[3], "w"))
"""


def pages() -> dict[str, str]:
    import test_parse_html_languages as H
    from test_parse_languages import LANGS, NAMES, TITLE

    out = {}
    for lang in LANGS:
        for heading in (True, False):
            for kind in H.KINDS:
                out[f"{kind}__{lang}__{int(heading)}"] = H.page(kind, lang, heading).decode()
            for kind, record in H.BYLINE_RECORDS.items():
                texts = LANGS[lang][6]
                items = "".join(record(lang, k, NAMES[k], texts[k]) for k in range(4))
                head = f"<h2>{LANGS[lang][0].format(n=4, t=TITLE)}</h2>" if heading else ""
                out[f"byline_{kind}__{lang}__{int(heading)}"] = (
                    f"<!doctype html><html><head><title>{TITLE}</title></head><body><main>"
                    f"<article><h1>{TITLE}</h1>{H.ARTICLE}</article><section class='x-zone'>"
                    f"{head}<div class='list'>{items}</div></section></main></body></html>")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--render-python", default=sys.executable)
    args = ap.parse_args(argv)
    if not (TOOL / "render_like_seed.py").is_file():
        sys.exit(f"missing {TOOL}/render_like_seed.py: the bench renders with ../shared's tool")
    from test_parse_languages import LANGS, NAMES

    from moderation.parse.text import parse_text

    html = pages()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.json", Path(tmp) / "out.json"
        src.write_text(json.dumps(html))
        subprocess.run([args.render_python, "-c", RENDER, str(TOOL), str(src), str(dst)],
                       check=True)
        dumps = json.loads(dst.read_text())
    kinds: dict[str, dict] = {}
    for name, dump in sorted(dumps.items()):
        kind, lang, _heading = name.split("__")
        row = kinds.setdefault(kind, {"pages": 0, "kept": 0, "exact": 0, "example": None})
        row["pages"] += 1
        texts = list(LANGS[lang][6])
        if texts[0] not in dump:
            continue  # the renderer dropped the comment section
        row["kept"] += 1
        article = parse_text(dump)
        if [c.text for c in article.comments] == texts and all(c.date for c in article.comments) \
                and [c.author for c in article.comments] == list(NAMES):
            row["exact"] += 1
        elif row["example"] is None:
            row["example"] = (name, [(c.author, c.date, c.text[:20]) for c in article.comments][:2])
    total = {k: sum(r[k] for r in kinds.values()) for k in ("pages", "kept", "exact")}
    for kind, r in kinds.items():
        print(f"{kind:26} {r['pages']:3} pages, {r['kept']:3} kept their comments, "
              f"{r['exact']:3} exact" + (f"   e.g. {r['example']}" if r["example"] else ""))
    print(f"all: {total['pages']} pages, {total['kept']} kept their comments, "
          f"{total['exact']} parsed exactly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
