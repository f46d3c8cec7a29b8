"""Scoring archives past one machine on Ray Data: a front end over the same core (ScorerSpec,
load_scorer, Scorer.score, the store). runner.py imports Ray; shards.py only pyarrow; neither
is imported by `import moderation`. Both come with the `ray` extra."""
