"""Write an SVG screenshot of the queue on fixed demo data: ``python -m moderation.tui.screenshot OUT``.

The same demo database backs the snapshot tests, so the README picture and the tests agree.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from moderation.config import Config
from moderation.documents import Article, Comment, ParseResult, Scores, Span
from moderation.store import Store

DEMO = ParseResult(
    format="text",
    source="demo.txt",
    articles=(
        Article(
            title="Council votes on the new bridge",
            comments=(
                Comment("Great reporting, thank you.", author="Ann", position=0),
                Comment("You are a complete idiot and a moron.", author="Troll", position=1),
                Comment("Shut up, nobody asked you, stupid.", author="Troll", position=2),
                Comment("I disagree with the vote but fair enough.", author="Bob", position=3),
                Comment("Go back where you came from, vermin.", author="Hater", position=4),
                Comment("The bridge will cost more than the council says.", author="Cy",
                        position=5),
            ),
        ),
        Article(
            title="Library opening hours extended",
            comments=(
                Comment("Finally! Thanks to the staff.", author="Dee", position=0),
                Comment("What a stupid waste of money, morons.", author="Troll", position=1),
                Comment("[bold red]URGENT[/] click here \x1b]0;x\x07", author="Spam\u202ebot",
                        position=2),
            ),
        ),
    ),
)

DEMO_SCORES: dict[int, dict[str, float]] = {
    1: {"toxicity": 0.02, "insult": 0.01},
    2: {"toxicity": 0.97, "insult": 0.93, "obscene": 0.12},
    3: {"toxicity": 0.81, "insult": 0.40},
    4: {"toxicity": 0.10, "insult": 0.05},
    5: {"toxicity": 0.88, "identity_attack": 0.77, "insult": 0.35},
    6: {"toxicity": 0.05},
    7: {"toxicity": 0.01},
    8: {"toxicity": 0.76, "insult": 0.71},
    9: {"toxicity": 0.55, "insult": 0.20},
}

DEMO_SPANS: dict[int, list[Span]] = {
    2: [Span(19, 24, "insult", 0.9), Span(31, 36, "insult", 0.8)],
    3: [Span(27, 33, "insult", 0.7)],
    5: [Span(29, 35, "identity_attack", 0.8)],
    8: [Span(7, 13, "insult", 0.6), Span(30, 36, "insult", 0.7)],
}


def demo_store(path: str | Path) -> Store:
    """A fresh database at ``path`` holding the demo articles, comments and scores."""
    store = Store(path)
    store.ingest(DEMO)
    store.save_scores([
        (cid, Scores(labels, "demo", "1", spans=tuple(DEMO_SPANS.get(cid, ()))))
        for cid, labels in DEMO_SCORES.items()])
    store.record_decision(9, "hide", "bob", reason="spam")
    return store


async def _shoot(out: Path, size: tuple[int, int]) -> None:
    from moderation.tui.app import make_app

    with tempfile.TemporaryDirectory() as tmp:
        store = demo_store(Path(tmp) / "demo.db")
        app = make_app(store, Config(), moderator="ann", poll_interval=3600)
        async with app.run_test(size=size) as pilot:
            for _ in range(100):
                await pilot.pause()
                history = app.detail.section("history").plain
                if app.loads and app.counts and "loading" not in history:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)
            await pilot.pause()
            svg = app.export_screenshot(title="moderation queue")
        store.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(svg, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    out = Path(args[0] if args else "docs/queue.svg")
    asyncio.run(_shoot(out, (140, 40)))
    print(out)


if __name__ == "__main__":
    main()
