"""How long the lists of an artefact digest may be, and the cap that states their totals."""

from __future__ import annotations

from typing import Any

__all__ = ["LIST_LIMIT", "capped"]

#: At most this many entries per list in a digest.
LIST_LIMIT = 40


def capped(values: list[Any], name: str, limit: int = LIST_LIMIT) -> dict[str, Any]:
    """``{name: the first values}``, plus ``{name}_total`` when some were left out."""
    digest: dict[str, Any] = {name: values[:limit]}
    if len(values) > limit:
        digest[f"{name}_total"] = len(values)
    return digest
