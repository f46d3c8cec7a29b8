"""Comment moderation and toxicity triage: parse, score, store, triage, export."""

__version__ = "0.1.0"
