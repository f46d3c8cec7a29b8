"""The project's exception hierarchy: one base class, narrow subclasses."""

from __future__ import annotations


class ModerationError(Exception):
    """Base class for every error the tool reports to a user (exit status 2 in the CLI)."""


class ConfigError(ModerationError):
    """config.toml is missing a key, has a wrong type, or cannot be read."""


class InputError(ModerationError):
    """An input file is missing, unreadable, empty, binary or of an unknown format."""


class ParseError(InputError):
    """An input file could not be parsed; ``position`` says where, when known."""

    def __init__(self, message: str, *, source: str | None = None, position: str | None = None):
        self.source = source
        self.position = position
        where = ""
        if source:
            where = f"{source}"
            if position:
                where += f" ({position})"
            where += ": "
        super().__init__(f"{where}{message}")


class ScorerError(ModerationError):
    """A model could not be loaded or run (missing weights, bad checksum, unknown name)."""


class StoreError(ModerationError):
    """The database refused an operation (append-only log, integrity, locked too long)."""


class ConflictError(StoreError):
    """Another moderator decided the comment since it was shown."""


class ExportError(ModerationError):
    """An export could not be written (read-only directory, disk full)."""
