"""A brief cut down to fit an LLM's context budget, keeping what matters most.

The brief's lists are already ordered most severe / most agreed first, so trimming keeps
their heads. Capped lists keep their integer ``total``; plain lists that are cut (techniques,
tags, signatures of a technique) are reported in ``trimmed`` as ``{"section", "shown",
"total"}`` with ``section`` a JSON Pointer, the shape the MCP adapter uses for its own cuts.
"""

from __future__ import annotations

import json
from typing import Any

from iocgate.virustotal.investigate.model import Brief

__all__ = ["DEFAULT_BUDGET_BYTES", "brief_for_context", "compact_size"]

DEFAULT_BUDGET_BYTES = 36_000
"""What a brief may take of the default MCP budget (40 KB), leaving room for the frame."""

# Successive list limits: (capped lists, techniques, signatures per technique, tags, string).
_STEPS = (
    (50, 200, 6, 60, 2000),
    (25, 80, 4, 30, 1000),
    (12, 50, 3, 20, 600),
    (6, 30, 2, 12, 300),
    (3, 15, 1, 6, 200),
    (1, 8, 1, 3, 120),
    (0, 4, 0, 0, 80),
)


def compact_size(value: Any) -> int:
    """UTF-8 bytes of ``value`` as compact JSON (how budgets are counted)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _cut_string(value: str, limit: int, trims: list[dict[str, Any]], where: str) -> str:
    if len(value) <= limit:
        return value
    trims.append({"section": where, "shown": limit, "total": len(value), "unit": "characters"})
    return value[:limit]


def _trim_strings(value: Any, limit: int, trims: list[dict[str, Any]], where: str) -> Any:
    if isinstance(value, str):
        return _cut_string(value, limit, trims, where)
    if isinstance(value, list):
        return [_trim_strings(v, limit, trims, f"{where}/{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _trim_strings(v, limit, trims, f"{where}/{k}") for k, v in value.items()}
    return value


def _cap(group: dict[str, Any], limit: int) -> dict[str, Any]:
    items = group["items"][:limit]
    return {"total": group["total"], "truncated": group["total"] > len(items), "items": items}


def _cut_list(
    data: dict[str, Any], key: str, limit: int, trims: list[dict[str, Any]], where: str
) -> None:
    items = data.get(key)
    if isinstance(items, list) and len(items) > limit:
        trims.append({"section": f"{where}/{key}", "shown": limit, "total": len(items)})
        data[key] = items[:limit]


def _attempt(full: dict[str, Any], step: tuple[int, int, int, int, int]) -> dict[str, Any]:
    capped, technique_limit, signature_limit, tag_limit, string_limit = step
    data: dict[str, Any] = json.loads(json.dumps(full))  # a deep copy of plain JSON values
    trims: list[dict[str, Any]] = []
    for family in ("detections", "indicators"):
        data[family] = {name: _cap(group, capped) for name, group in data[family].items()}
    data["processes"] = _cap(data["processes"], capped)
    _cut_list(data, "techniques", technique_limit, trims, "")
    for index, technique in enumerate(data["techniques"]):
        technique.pop("link", None)  # derivable from the id; saves ~50 bytes per technique
        _cut_list(technique, "signatures", signature_limit, trims, f"/techniques/{index}")
    _cut_list(data, "tags", tag_limit, trims, "")
    for field in ("detections", "indicators", "processes", "techniques", "tags", "file_context"):
        data[field] = _trim_strings(data[field], string_limit, trims, f"/{field}")
    data["trimmed"] = trims
    return data


def brief_for_context(brief: Brief, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> dict[str, Any]:
    """The brief as JSON values whose compact form is at most ``budget_bytes`` when possible.

    A brief that fits comes back whole (with an empty ``trimmed``); otherwise lists and long
    strings are cut step by step until it fits; the verdict, the sandboxes and the cost are
    never cut.
    """
    full = brief.to_dict()
    full["trimmed"] = []
    if compact_size(full) <= budget_bytes:
        return full
    shaped = full
    for step in _STEPS:
        shaped = _attempt(full, step)
        if compact_size(shaped) <= budget_bytes:
            break
    return shaped
