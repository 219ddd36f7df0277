"""Counted nouns for the sentences people read ("1 sandbox report", "3 sandbox reports")."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, plural unless the count is one (``plural`` for irregular ones)."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {plural or noun + 's'}"
