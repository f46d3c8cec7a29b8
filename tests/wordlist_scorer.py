"""A real, deterministic Scorer for batch tests: label scores from word lists, no model weights.

Loadable by the CLI and by worker processes as ``--model python:wordlist_scorer:WordList``
(or ``...:WordListV2``, the same scorer under another version, to test re-scoring). It counts
its ``score`` calls in a file named by $WORDLIST_CALLS (one line per text), so tests can check
that a text was scored once. $WORDLIST_DELAY (seconds per batch) slows it down for crash tests.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence

from moderation.documents import Scores

WORDS = {
    "toxicity": {"idiot", "moron", "stupid", "vermin", "hate", "kill", "shut"},
    "insult": {"idiot", "moron", "stupid"},
    "threat": {"kill"},
}
_WORD = re.compile(r"[a-z]+")


class WordList:
    name = "wordlist"
    version = "1"
    labels = ("toxicity", "insult", "threat")

    def score(self, texts: Sequence[str]) -> list[Scores]:
        delay = float(os.environ.get("WORDLIST_DELAY", "0") or 0)
        if delay:
            time.sleep(delay)
        calls = os.environ.get("WORDLIST_CALLS")
        if calls:
            with open(calls, "a", encoding="utf-8") as fh:
                fh.writelines(f"{len(t)}\n" for t in texts)
        out = []
        for text in texts:
            if not text.strip():
                out.append(Scores({}, self.name, self.version, status="empty"))
                continue
            words = _WORD.findall(text.lower())
            labels = {}
            for label, vocab in WORDS.items():
                hits = sum(w in vocab for w in words)
                labels[label] = round(min(0.99, 0.02 + 0.45 * hits), 4)
            out.append(Scores(labels, self.name, self.version))
        return out


class WordListV2(WordList):
    version = "2"
