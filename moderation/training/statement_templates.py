"""Short statements that name an identity, for training (issue #17, minilm-tox version 4).

Version 3 flagged civil sentences that affirm a group's rights ("Disabled people should be
allowed to vote": identity_attack 0.77) and bare self-identification ("I am a queer person."
0.81): its hateful templates deny rights and exclude, and nothing civil taught it the other side
of those words. These templates give both sides, over the training identity terms only:

Civil (every label 0): TRAIN_SELF_ID, TRAIN_RIGHTS, TRAIN_FACTS, TRAIN_WARM, TRAIN_CORRECTION.
Toxic (toxicity and identity_attack 1; insult 1 as well for TRAIN_PERSONAL): TRAIN_MILD_NEGATIVE,
TRAIN_DISGUST, TRAIN_PERSONAL, TRAIN_EXCLUSION.

A helper wrote them from the category descriptions alone; it never saw this repository, the
dev sets or the other templates. Another helper, equally blind, wrote the dev set
(bench/data/identity_statements_dev.json) from the same descriptions. The two converged on some
sentences, so every template here that shared a run of five words (or the whole of a shorter
one) with any dev template was removed, mechanically, before any model was trained or scored:
32 of 144 (tests/test_identity_bias.py keeps it so). Each template holds one ``{t}``, an
identity term in adjective form; ``identity._fill`` turns "a" into "an" where needed.
"""

from __future__ import annotations

import random

TRAIN_SELF_ID = (
    "Yes, I'm {t}.",
    "{t} and proud of it",
    "we are a {t} family",
    "He is {t}, by the way.",
    "im {t} btw",
    "My grandmother was {t}.",
    "both my parents are {t}",
    "Our new teacher is {t}.",
    "i have been {t} my whole life",
    "As a {t} person, I agree.",
    "she told us she is {t}",
    "I was raised by {t} parents.",
    "my neighbor is {t} too",
)

TRAIN_RIGHTS = (
    "Every {t} person has the right to a fair trial.",
    "{t} workers must be paid equally",
    "{t} students are welcome in our school",
    "We need stronger laws to protect {t} people from discrimination.",
    "{t} families deserve equal access to housing and healthcare",
    "you are welcome here whether or not you are {t}",
    "Nobody should lose their job for being {t}.",
    "{t} kids deserve to feel safe at school",
    "Being {t} should never be a reason to deny someone service.",
    "{t} people must be included in decisions that affect them",
)

TRAIN_FACTS = (
    "{t} people have lived in this region for centuries",
    "the census counted more {t} residents this year",
    "Many {t} people celebrate holidays with large family meals.",
    "{t} communities often run their own local organizations.",
    "most {t} people in the survey lived in cities",
    "A {t} man opened a bakery on our street.",
    "the club has about forty {t} members",
    "Some {t} people prefer a different term for themselves.",
    "the library has a shelf of books by {t} authors",
    "There is a {t} support group that meets on Tuesdays.",
    "my {t} uncle works as a nurse",
    "The report looked at how {t} people use public transport.",
)

TRAIN_WARM = (
    "The {t} community here is so welcoming.",
    "so proud of my {t} friends",
    "Some of the funniest people I know are {t}.",
    "i feel lucky to have so many {t} people in my life",
    "{t} artists have given us some amazing work.",
    "Being {t} has made me stronger and more patient.",
    "my {t} teacher changed my life",
    "{t} people are just as smart and capable as anyone",
    "What a kind and generous {t} man he is.",
    "honestly {t} folks are some of the best around",
)

TRAIN_CORRECTION = (
    "That's not true, {t} people are not all the same.",
    "actually most {t} people pay their taxes like everyone else",
    "I don't think that's fair to {t} people.",
    "you cant judge all {t} people by one person",
    "No, being {t} does not make someone dangerous.",
    "the data doesnt show that {t} people are any less honest",
    "i disagree, the {t} people i know work very hard",
    "There is no evidence that {t} people are worse parents.",
    "that claim about {t} people was debunked years ago",
    "Respectfully, {t} people are not the problem here.",
    "its not fair to blame {t} people for this",
    "I used to believe that about {t} people, but I was wrong.",
    "being {t} doesnt make anyone less of a person",
    "Not every {t} person thinks the same way, you know.",
)

TRAIN_MILD_NEGATIVE = (
    "i dont really like {t} people",
    "{t} people are kind of annoying.",
    "Being {t} seems like a pretty sad way to live.",
    "honestly {t} people are a bit much",
    "I find most {t} people pretty boring.",
    "{t} people are not very good at anything",
    "I would rather not work with {t} people.",
    "being {t} is nothing to be proud of",
    "{t} people complain way too much",
    "My {t} roommate is so irritating.",
    "{t} people are usually rude to me.",
    "i dont trust {t} people much",
    "Being {t} is a weakness, not an identity.",
    "{t} people ruin every party they come to",
    "I never enjoy talking to {t} people.",
    "{t} folks are just lazy if you ask me",
)

TRAIN_DISGUST = (
    "I can't stand being around {t} people, they make me sick.",
    "Every {t} person I see makes my skin crawl.",
    "nothing is more disgusting than being {t}",
    "The very sight of {t} people makes me want to vomit.",
    "i loathe every single {t} person on earth",
    "{t} people are filthy and revolting.",
    "being {t} is sick and twisted",
    "I will never stop hating {t} people.",
    "ugh {t} people are so gross",
)

TRAIN_PERSONAL = (
    "you are a stupid {t} idiot",
    "Shut up, you pathetic {t} loser.",
    "he is just a dumb {t} moron",
    "She's an ugly {t} freak.",
    "you worthless {t} clown",
    "she is a lazy {t} parasite",
    "He's a disgusting {t} creep and everyone knows it.",
    "get lost you brainless {t} waste of space",
    "You are nothing but a {t} failure.",
    "typical {t} halfwit, he never gets anything right",
    "She acts like a clueless {t} buffoon.",
    "go away you {t} weirdo",
    "Look at him, the smelly {t} slob.",
    "What a sad little {t} nobody you are.",
)

TRAIN_EXCLUSION = (
    "{t} people should never get to vote",
    "We don't want {t} people in our neighborhood.",
    "Send all the {t} people back where they came from.",
    "no {t} people allowed in this bar",
    "Companies should refuse to hire {t} workers.",
    "{t} people have no place in this country",
    "Being {t} should be illegal.",
    "kick every {t} person out of the club",
    "{t} families should not get any government help.",
    "I would never rent my flat to a {t} person.",
    "{t} people do not deserve equal rights.",
    "get the {t} people out of here now",
    "{t} couples should never be allowed to adopt",
    "This town would be better with no {t} people in it.",
)

CIVIL = TRAIN_SELF_ID + TRAIN_RIGHTS + TRAIN_FACTS + TRAIN_WARM + TRAIN_CORRECTION
TOXIC = TRAIN_MILD_NEGATIVE + TRAIN_DISGUST + TRAIN_PERSONAL + TRAIN_EXCLUSION
LABELS = ("toxicity", "obscene", "threat", "insult", "identity_attack")


def augmentation(seed: int, n: int) -> list[tuple[str, dict[str, float | None]]]:
    """``n`` (text, labels) rows over ``identity.TRAIN_TERMS``, half civil (every label 0),
    half toxic (toxicity and identity_attack 1, insult 1 for a personal insult, the rest not
    trained); a sentence-initial term is capitalized, as are half of the lower-case rows."""
    from moderation.training import identity

    rng = random.Random(seed + 211)
    out: list[tuple[str, dict[str, float | None]]] = []
    for k in range(n):
        t = rng.choice(identity.TRAIN_TERMS)
        if k % 2 == 0:
            tpl = rng.choice(CIVIL)
            labs: dict[str, float | None] = dict.fromkeys(LABELS, 0.0)
        else:
            tpl = rng.choice(TOXIC)
            labs = {**dict.fromkeys(LABELS), "toxicity": 1.0, "identity_attack": 1.0,
                    "insult": 1.0 if tpl in TRAIN_PERSONAL else None}
        text = identity._fill(tpl, "t", t)
        if tpl.startswith("{t}") or rng.random() < 0.5:
            text = text[:1].upper() + text[1:]
        out.append((text, labs))
    return out
