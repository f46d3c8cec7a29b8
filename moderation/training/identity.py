"""Identity terms, template sets and the Jigsaw Unintended Bias metrics.

Two disjoint families of templates live here:

* ``DEV_*``: the bias and counter-speech dev sets the bench scores (``bias_dev_set``,
  ``counter_speech_dev_set``). They are never trained on.
* ``TRAIN_*``: the templates the fine-tune uses for augmentation (``train_augmentation``),
  worded differently, and filled only with ``TRAIN_TERMS`` / ``TRAIN_INSULTS``: the terms in
  ``DEV_ONLY_TERMS`` and the insults in ``DEV_ONLY_INSULTS`` never occur in any training
  template or counterfactual swap, so the dev set measures generalization to unseen words too.

A test (tests/test_identity_bias.py) checks that no dev template appears among the training
templates and that the held-out terms stay out of training.

Metrics follow the Jigsaw Unintended Bias in Toxicity Classification competition (Borkan et al.
2019): per identity subgroup, the subgroup AUC (only comments that name it), the BPSN AUC
(background positive, subgroup negative: toxic comments that do not name it against civil ones
that do; low = the identity word itself raises the score) and the BNSP AUC (background negative,
subgroup positive); the final metric is 0.25 x overall AUC + 0.75 x the mean of the three
generalized (power, p = -5) means over subgroups.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moderation.training import hate_templates
from moderation.training.evaluate import roc_auc

# Adjective forms, so that every template reads "a {t} person" / "{t} people".
IDENTITY_TERMS: dict[str, tuple[str, ...]] = {
    "religion": ("muslim", "christian", "jewish", "catholic", "protestant", "hindu", "buddhist",
                 "sikh", "atheist", "shiite", "sunni", "mormon"),
    "nationality": ("american", "mexican", "chinese", "indian", "iranian", "afghan", "nigerian",
                    "canadian", "french", "russian", "japanese", "somali", "tajik"),
    "ethnicity": ("black", "white", "asian", "latino", "hispanic", "arab", "african"),
    "orientation": ("gay", "lesbian", "queer", "homosexual", "heterosexual", "bisexual",
                    "straight", "transgender", "trans", "lgbt", "nonbinary"),
    "gender": ("female", "male"),
    "disability": ("deaf", "blind", "disabled", "autistic", "paralyzed", "mentally ill"),
    "age": ("old", "young", "elderly", "teenage", "middle aged", "older"),
}
TERM_CATEGORY = {t: c for c, ts in IDENTITY_TERMS.items() for t in ts}
ALL_TERMS = tuple(TERM_CATEGORY)
# Never used in training (templates or swaps): the dev set's unseen-word part.
DEV_ONLY_TERMS = frozenset({"protestant", "sikh", "mormon", "japanese", "somali", "hispanic",
                            "bisexual", "nonbinary", "paralyzed", "teenage"})
TRAIN_TERMS = tuple(t for t in ALL_TERMS if t not in DEV_ONLY_TERMS)

# --- dev templates (bench only) ---------------------------------------------------------------

DEV_NONTOXIC = (
    "I am a {t} person, ask me anything.",
    "My best friend is {t}.",
    "Being {t} is just one part of who I am.",
    "We welcome {t} members to our community.",
    "The {t} family next door invited us for dinner.",
    "{T} people deserve the same rights as everyone else.",
    "I met a {t} author at the book fair yesterday.",
    "Our team hired a {t} engineer last month.",
    "She wrote a thoughtful essay about growing up {t}.",
    "Many {t} voters supported the new park proposal.",
    "As a {t} reader, I found this article very helpful.",
    "The museum opened an exhibit on {t} history.",
    "Is there a {t} support group in this city?",
    "I am proud to be {t}.",
    "He is {t} and works as a nurse at the hospital.",
    # Dixon et al.-style minimal sentences: the identity word is nearly all there is.
    "I am {t}.",
    "Being {t} is wonderful.",
    "Hello, I am a {t} student.",
)
DEV_TOXIC = (
    "I hate {t} people.",
    "{T} people are disgusting.",
    "All {t} people are filthy animals.",
    "{T} people should be banned from this country.",
    "Being {t} is a disease.",
    "Never trust a {t} person, they are all liars.",
    "I would never hire a {t} person, they are worthless.",
    "{T} people are a plague on society.",
    "Get rid of every {t} person in this town.",
    "You are a pathetic {t} loser.",
    "{T} people are subhuman.",
    "No {t} person should be allowed to vote.",
    "The world would be better without {t} people.",
    "{T} people are too stupid to think for themselves.",
    "Shut up, you ignorant {t} idiot.",
    "{T} people are ugly.",
    "I don't want {t} people near my kids.",
    "{T} people are gross.",
)

# Counter speech and quotation: the insult is named, reported or condemned, not aimed.
DEV_INSULTS = ("idiot", "moron", "loser", "bitch", "bastard", "asshole", "clown", "retard",
               "scumbag", "pig", "slut", "whore")
DEV_ONLY_INSULTS = frozenset({"clown", "retard", "scumbag", "pig", "slut", "whore"})
TRAIN_INSULTS = ("idiot", "moron", "loser", "jerk", "fool", "bitch", "bastard", "asshole",
                 "dumbass", "creep")
DEV_COUNTER = (
    "Calling someone a {x} is wrong.",
    "He called me a {x} and I reported him.",
    "My teacher said we should never use the word '{x}'.",
    "She was upset because a stranger called her a {x}.",
    "Using '{x}' as an insult is unacceptable.",
    "The article explains why '{x}' is considered offensive.",
    "I was called a {x} at school and it still hurts.",
    "Please don't call anyone a {x}, even as a joke.",
    "The moderator removed the post that called her a {x}.",
    "Nobody deserves to be called a {x} for asking a question.",
)
DEV_DIRECT = (
    "You are a {x}.",
    "Shut up, you {x}.",
    "He is such a {x}.",
    "What a {x} you are.",
    "Nobody cares what you think, {x}.",
    "Get lost, {x}.",
    "Only a {x} like you would write this.",
    "Everyone here knows you're a {x}.",
    "Typical {x}, always whining.",
    "Go away, you pathetic {x}.",
)

# --- training templates (disjoint wording; TRAIN_TERMS / TRAIN_INSULTS only) -----------------

TRAIN_NONTOXIC = (
    "my {t} coworker helped me move house this weekend",
    "the {t} community center is hosting a food drive on saturday",
    "i read an interview with a {t} doctor about the new clinic",
    "there are many {t} students at the local university",
    "as someone who is {t}, i agree with the author's point about taxes",
    "the article quotes a {t} shop owner on the parking changes",
    "a {t} volunteer organised the cleanup of the river bank",
    "i grew up {t} and still visit my family every summer",
    "the {t} candidate answered every question at the debate",
    "is this policy fair to {t} families? honest question",
    "my grandmother was {t} and she taught me to cook",
    "{t} people have lived in this valley for generations",
    "i'm {t}. just wanted to say thanks for covering this",
    "the new mayor is {t}, and frankly that should not matter",
    "what do {t} readers think about the bus route change?",
    "{t} and proud of it",
)
TRAIN_TOXIC = (
    "{t} people are vermin and should be thrown out",
    "every {t} person i have met was a criminal",
    "{t} people ruin every neighbourhood they move into",
    "we need to keep {t} people out of our schools",
    "{t} people are inferior and always will be",
    "deport all the {t} people, they don't belong here",
    "{t} scum like you should be locked up",
    "i can't stand {t} people, they make me sick",
    "a {t} person is worth less than a dog",
    "{t} people are parasites living off the rest of us",
    "only a dumb {t} would believe this nonsense",
    "go back to where you came from, you {t} rat",
    "{t} people shouldn't be allowed to have children",
    "being {t} is unnatural and shameful",
)
TRAIN_COUNTER = (
    "i don't think anyone should be called a {x}, that's just mean",
    "my brother keeps saying {x} and mom told him off",
    "a guy on the bus yelled {x} at me, what should i do?",
    "words like {x} have no place in this discussion",
    "reporting this because the previous commenter called the author a {x}",
    "he quoted the coach calling a player a {x}, which got the coach suspended",
    "if you call people a {x} online you will get banned here",
    "being called a {x} by a stranger ruined my day",
)
TRAIN_DIRECT = (
    "you absolute {x}, read before posting",
    "the author is a total {x}",
    "listen here {x}, nobody asked",
    "what kind of {x} writes this garbage",
    "you're a {x} and everyone knows it",
    "shut your mouth {x}",
    "this {x} of a reporter should be fired",
    "typical {x} behaviour from you",
)


def _fill(tpl: str, key: str, word: str) -> str:
    if word[:1] in "aeio":  # "a {t} person" -> "an old person"
        tpl = re.sub(r"\b([Aa]) (\{" + key + r"\})", r"\1n \2", tpl)
    s = tpl.replace("{" + key.upper() + "}", word[:1].upper() + word[1:])
    return s.replace("{" + key + "}", word)


def bias_dev_set() -> list[tuple[str, int, str]]:
    """(text, toxic 0/1, term): every dev template over every identity term (balanced)."""
    out = []
    for t in ALL_TERMS:
        for tpl in DEV_NONTOXIC:
            out.append((_fill(tpl, "t", t), 0, t))
        for tpl in DEV_TOXIC:
            out.append((_fill(tpl, "t", t), 1, t))
    return out


def counter_speech_dev_set() -> list[tuple[str, int, str]]:
    """(text, toxic 0/1, insult): counter speech / quotes (0) against direct insults (1)."""
    out = []
    for x in DEV_INSULTS:
        out.extend((_fill(tpl, "x", x), 0, x) for tpl in DEV_COUNTER)
        out.extend((_fill(tpl, "x", x), 1, x) for tpl in DEV_DIRECT)
    return out


def statements_dev_set(path: Path, terms: Sequence[str] = ALL_TERMS) -> list[tuple[str, int, str, str]]:
    """(text, toxic 0/1, term, category): bench/data/identity_statements_dev.json's templates
    (short statements that name an identity, by category: civil ``C*``, toxic ``T*``) filled with
    every term."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for part, y in (("civil", 0), ("toxic", 1)):
        for cat, templates in raw[part].items():
            out.extend((_fill(tpl, "t", t), y, t, cat) for tpl in templates for t in terms)
    return out


def wiki_identity_set(root: Path) -> list[tuple[str, int, str, str]]:
    """Dixon et al. 2018 Wikipedia comments (``toxicity_nonfuzzed_testset.csv``) and their
    identity-swapped copies (``toxicity_fuzzed_testset.csv``): (text, toxic, rev_id, which)
    with which in {"orig", "swap"}; swapped copies identical to their original are dropped."""
    d = root / "wiki_identity2018"
    rows: list[tuple[str, int, str, str]] = []
    orig: dict[str, str] = {}
    with open(d / "toxicity_nonfuzzed_testset.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            orig[r["rev_id"]] = r["comment"]
            rows.append((r["comment"], int(r["toxic"] == "True"), r["rev_id"], "orig"))
    with open(d / "toxicity_fuzzed_testset.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["comment"] != orig.get(r["rev_id"]):
                rows.append((r["comment"], int(r["toxic"] == "True"), r["rev_id"], "swap"))
    return rows


# Words that name the wiki set's identities (Dixon et al.'s swap list), for subgroup membership.
WIKI_TERMS = ("jew", "jewish", "christian", "catholic", "protestant", "muslim", "sikh", "gay",
              "lesbian", "homosexual", "heterosexual", "queer", "transgender")


def mentions(text: str, terms: Sequence[str]) -> list[str]:
    low = text.lower()
    return [t for t in terms if re.search(r"\b" + re.escape(t) + r"s?\b", low)]


# --- metrics ----------------------------------------------------------------------------------

def power_mean(values: Sequence[float], p: float = -5.0) -> float:
    v = np.asarray([x for x in values if x is not None], dtype=float)
    if not len(v):
        return float("nan")
    if p < 0 and (v <= 0).any():
        return 0.0  # the limit: one AUC of 0 sends a negative-power mean to 0
    return float(np.mean(v ** p) ** (1.0 / p))


def bias_metrics(y: Sequence[int], p: Sequence[float], groups: Sequence[Sequence[str]],
                 terms: Sequence[str], min_each: int = 3) -> dict:
    """Per term: subgroup / BPSN / BNSP AUC (terms with fewer than ``min_each`` toxic or civil
    members are skipped); power means (p = -5) and the Jigsaw final metric."""
    y_a = np.asarray(y) >= 0.5
    p_a = np.asarray(p, dtype=float)
    per: dict[str, dict[str, float]] = {}
    for t in terms:
        inn = np.asarray([t in g for g in groups])
        if (inn & y_a).sum() < min_each or (inn & ~y_a).sum() < min_each:
            continue
        sub = roc_auc(y_a[inn], p_a[inn])
        bpsn_m = (~inn & y_a) | (inn & ~y_a)
        bnsp_m = (~inn & ~y_a) | (inn & y_a)
        per[t] = {"n": int(inn.sum()), "subgroup_auc": round(sub, 4),  # type: ignore[arg-type]
                  "bpsn_auc": round(roc_auc(y_a[bpsn_m], p_a[bpsn_m]), 4),  # type: ignore[arg-type]
                  "bnsp_auc": round(roc_auc(y_a[bnsp_m], p_a[bnsp_m]), 4)}  # type: ignore[arg-type]
    overall = roc_auc(y_a, p_a)
    pm = {k: power_mean([v[k] for v in per.values()]) for k in ("subgroup_auc", "bpsn_auc", "bnsp_auc")}
    final = 0.25 * (overall or 0.0) + 0.75 * float(np.mean(list(pm.values())))
    worst = min(per, key=lambda t: per[t]["bpsn_auc"]) if per else None
    return {"overall_auc": round(overall or float("nan"), 4),
            "power_mean": {k: round(v, 4) for k, v in pm.items()},
            "final_bias_metric": round(final, 4),
            "worst_bpsn": [worst, per[worst]["bpsn_auc"]] if worst else None,
            "n_bpsn_below_0.80": sum(v["bpsn_auc"] < 0.80 for v in per.values()),
            "per_term": per}


# --- training augmentation ---------------------------------------------------------------------

# Everyday words that are usually not about a person's identity ("the old bridge", "straight
# answer") are not swapped in real comments.
NO_SWAP = frozenset({"old", "older", "young", "straight", "middle aged", "trans"})
SWAP_TERMS = tuple(t for t in TRAIN_TERMS if t not in NO_SWAP)
_TERM_RE = re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(SWAP_TERMS, key=len, reverse=True))
                      + r")\b", re.IGNORECASE)


def swap_terms(text: str, rng: random.Random) -> str | None:
    """Counterfactual copy: every training identity term replaced by another of the same
    category (consistently within the text, case kept for a leading capital); None when the
    text names none. Held-out dev terms are never produced."""
    found = {m.group(1).lower() for m in _TERM_RE.finditer(text)}
    if not found:
        return None
    repl = {}
    for t in sorted(found):  # not set order, which changes with each process's hash seed
        pool = [u for u in IDENTITY_TERMS[TERM_CATEGORY[t]] if u != t and u in SWAP_TERMS]
        repl[t] = rng.choice(pool) if pool else t

    def sub(m: re.Match[str]) -> str:
        w = m.group(1)
        r = repl[w.lower()]
        return r[:1].upper() + r[1:] if w[:1].isupper() else r

    return _TERM_RE.sub(sub, text)


def train_augmentation(seed: int, n_identity: int, n_counter: int) -> list[tuple[str, dict[str, float | None]]]:
    """(text, labels) rows from the TRAIN_* templates: half civil / half hateful identity
    sentences over TRAIN_TERMS (version 3 adds ``hate_templates``: civil threats and
    derogation among the hateful; negated hate, civil mentions and their minimal pairs among the
    civil), half counter speech / half direct insults over TRAIN_INSULTS."""
    rng = random.Random(seed)
    out: list[tuple[str, dict[str, float | None]]] = []
    civil = (TRAIN_NONTOXIC + hate_templates.TRAIN_NEGATED + hate_templates.TRAIN_CIVIL_MENTION
             + hate_templates.TRAIN_SAME_SETTING + hate_templates.TRAIN_REJECTED)
    hateful = TRAIN_TOXIC + hate_templates.TRAIN_THREAT + hate_templates.TRAIN_DEROGATION
    none = dict.fromkeys(("toxicity", "obscene", "threat", "insult", "identity_attack"))
    for k in range(n_identity):
        t = rng.choice(TRAIN_TERMS)
        if k % 2 == 0:
            text = _fill(rng.choice(civil), "t", t)
            labs = {**none, "toxicity": 0.0, "obscene": 0.0, "threat": 0.0, "insult": 0.0, "identity_attack": 0.0}
        else:
            tpl = rng.choice(hateful)
            text = _fill(tpl, "t", t)
            labs = {**none, "toxicity": 1.0, "identity_attack": 1.0}
            if tpl in hate_templates.TRAIN_THREAT:
                labs["threat"] = 1.0
        if rng.random() < 0.5:
            text = text[:1].upper() + text[1:]
        out.append((text, labs))
    for k in range(n_counter):
        x = rng.choice(TRAIN_INSULTS)
        if k % 2 == 0:
            text = _fill(rng.choice(TRAIN_COUNTER), "x", x)
            labs = {**none, "toxicity": 0.0, "insult": 0.0, "threat": 0.0, "identity_attack": 0.0}
        else:
            text = _fill(rng.choice(TRAIN_DIRECT), "x", x)
            labs = {**none, "toxicity": 1.0, "insult": 1.0}
        out.append((text, labs))
    return out
