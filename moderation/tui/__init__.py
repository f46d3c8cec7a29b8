"""The moderation queue, a Textual terminal UI (imported only by the queue command)."""
