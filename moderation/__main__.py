"""Entry point for ``python -m moderation``."""

from moderation.cli import main

if __name__ == "__main__":
    main()
