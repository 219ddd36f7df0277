"""Fitting any JSON answer into an LLM's context budget: condense, trim with counts, page.

The rules (also in docs/mcp.md), for an answer whose compact JSON exceeds the budget:

- empty values (null, "", [], {}) are dropped from objects;
- every object shares its budget among its fields by water-filling: small fields are kept
  whole, large ones share what is left, and earlier fields get a larger share than later ones
  (a plugin puts the valuable fields first);
- a list keeps its first items (a plugin puts the most severe first); a short list of objects
  keeps every item and condenses each instead;
- a long string keeps its beginning;
- each cut is reported in ``_iocgate.trimmed`` as ``{"section", "shown", "total"}`` with integer
  counts, where ``section`` is a JSON Pointer that the ``section`` argument accepts; with
  ``offset`` = ``shown`` the next call returns the following items (`paginate`).

Sizes are UTF-8 bytes of ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)``, the
form the text mirror uses, so "fits" means the agent really receives at most that much.

(Just over 400 lines on purpose: fitting and paging share one item selection, so that a page
starts exactly where the condensed answer stopped; split, they could drift apart.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SectionError",
    "Shaped",
    "Trim",
    "dumps",
    "fit_answer",
    "text_size",
]

NOTES_KEY = "_iocgate"
# Room kept for the `_iocgate` block's fixed part (flags, URL, how to continue).
FRAME_BYTES = 900
# A list of at most this many objects keeps them all (condensed) when each gets this much room.
FAN_OUT = 12
MIN_SHARE = 1200
# A field left less room than this (and less than it needs) is "starved": the object then keeps
# fewer fields whole rather than many fields cut to nothing.
MIN_FIELD_SHARE = 160
# Later fields of an object get down to this fraction of the first field's share.
LAST_FIELD_WEIGHT = 0.25
SIZE_ATTEMPTS = 5

_encode_string: Callable[[str], str] = json.encoder.encode_basestring


def dumps(value: Any) -> str:
    """The compact JSON that results carry (and that budgets are counted in)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def text_size(text: str) -> int:
    """UTF-8 size of ``text`` without encoding it when it is ASCII."""
    return len(text) if text.isascii() else len(text.encode())


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _pointer(parent: str, part: str | int) -> str:
    return f"{parent}/{_escape(part) if isinstance(part, str) else part}"


@dataclass(frozen=True, slots=True)
class Trim:
    """One cut: ``shown`` of ``total`` items (or keys, or characters) at ``section``."""

    section: str
    shown: int
    total: int
    unit: str = "items"

    def as_note(self) -> dict[str, Any]:
        note: dict[str, Any] = {"section": self.section, "shown": self.shown, "total": self.total}
        if self.unit != "items":
            note["unit"] = self.unit
        return note


@dataclass(slots=True)
class Shaped:
    """A structured result (always an object) and its compact JSON text."""

    structured: dict[str, Any]
    text: str
    is_shaped: bool
    trims: list[Trim] = field(default_factory=list)


class SectionError(ValueError):
    """A ``section`` argument that names nothing (or several things) in the answer."""


def _as_object(data: Any) -> dict[str, Any]:
    # structuredContent must be an object through protocol 2025-11-25.
    return data if isinstance(data, dict) else {"result": data}


def _min_size(value: Any, sizes: _Sizes) -> int:
    if isinstance(value, dict | list | str):
        return 2
    return sizes.of(value)


class _Sizes:
    """Compact-JSON sizes of the nodes of one answer, measured once each.

    Entries hold the node itself so that its ``id`` cannot be reused while the memo lives.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, int]] = {}

    def of(self, node: Any) -> int:
        if isinstance(node, str):
            return text_size(_encode_string(node))
        if not isinstance(node, dict | list):
            return len(dumps(node))
        entry = self._memo.get(id(node))
        if entry is None:
            entry = (node, text_size(dumps(node)))
            self._memo[id(node)] = entry
        return entry[1]


class _Fitter:
    """One pass of fitting a JSON value into a byte budget, collecting the trims it makes."""

    def __init__(self, sizes: _Sizes) -> None:
        self.sizes = sizes
        self.trims: list[Trim] = []

    def _note_cost(self, pointer: str, total: int) -> int:
        return text_size(pointer) + 2 * len(str(total)) + 48

    def fit(self, node: Any, budget: int, pointer: str) -> Any:
        if self.sizes.of(node) <= budget:
            return node
        if isinstance(node, dict):
            return self._fit_object(node, budget, pointer)
        if isinstance(node, list):
            return self._fit_list(node, budget, pointer)
        if isinstance(node, str):
            return self._fit_string(node, budget, pointer)
        return node  # a number, boolean or null cannot shrink

    def _fit_string(self, text: str, budget: int, pointer: str) -> str:
        room = budget - self._note_cost(pointer, len(text))
        keep = max(0, min(len(text), room - 2))
        while keep > 0 and self.sizes.of(text[:keep]) > room:
            keep = keep * 9 // 10
        self.trims.append(Trim(pointer, keep, len(text), "characters"))
        return text[:keep]

    def _fit_list(self, items: list[Any], budget: int, pointer: str) -> list[Any]:
        count = len(items)
        room = budget - 2
        if (
            count <= FAN_OUT
            and all(isinstance(item, dict | list) for item in items)
            and room // count >= MIN_SHARE
        ):
            shares = _water_fill(
                [self.sizes.of(item) for item in items], [1.0] * count, room - (count - 1)
            )
            return [
                self.fit(item, share, _pointer(pointer, index))
                for index, (item, share) in enumerate(zip(items, shares, strict=True))
            ]
        selected = self.select(items, 0, budget - self._note_cost(pointer, count), pointer)
        if len(selected) < count:
            self.trims.append(Trim(pointer, len(selected), count))
        return selected

    def select(self, items: list[Any], offset: int, budget: int, pointer: str) -> list[Any]:
        """The longest run of items from ``offset`` that fits; a first item too big is condensed."""
        room = budget - 2
        selected: list[Any] = []
        used = 0
        for index in range(offset, len(items)):
            item = items[index]
            cost = self.sizes.of(item) + (1 if selected else 0)
            if used + cost <= room:
                selected.append(item)
                used += cost
                continue
            if not selected and room > 2:
                selected.append(self.fit(item, room, _pointer(pointer, index)))
            break
        return selected

    def _fit_object(self, obj: dict[str, Any], budget: int, pointer: str) -> dict[str, Any]:
        keys = list(obj)
        key_costs = [self.sizes.of(key) + 1 for key in keys]
        minimums = [_min_size(obj[key], self.sizes) for key in keys]
        demands = [self.sizes.of(obj[key]) for key in keys]
        weights = _weights(len(keys))
        room = budget - 2

        def shares_for(kept: int, room: int) -> list[int] | None:
            fixed = sum(key_costs[:kept]) + max(0, kept - 1)
            if fixed + sum(minimums[:kept]) > room:
                return None
            shares = _water_fill(demands[:kept], weights[:kept], room - fixed)
            starved = any(
                share < demand and share < MIN_FIELD_SHARE
                for share, demand in zip(shares, demands, strict=False)
            )
            return None if starved else shares

        shares = shares_for(len(keys), room)
        kept = len(keys)
        if shares is None:
            # Too many fields for each to show something: keep the first ones whole instead
            # (a map such as {technique: [...]} reads better with fewer, complete entries).
            room -= self._note_cost(pointer, len(keys))
            low, high = 1, len(keys) - 1
            kept = 0
            while low <= high:
                middle = (low + high) // 2
                if shares_for(middle, room) is not None:
                    kept, low = middle, middle + 1
                else:
                    high = middle - 1
            self.trims.append(Trim(pointer, kept, len(keys), "keys"))
            fixed = sum(key_costs[:kept]) + max(0, kept - 1)
            shares = _water_fill(demands[:kept], weights[:kept], room - fixed)
        return {
            key: self.fit(obj[key], max(share, minimums[index]), _pointer(pointer, key))
            for index, (key, share) in enumerate(zip(keys[:kept], shares, strict=True))
        }


def _weights(count: int) -> list[float]:
    if count <= 1:
        return [1.0] * count
    step = (1.0 - LAST_FIELD_WEIGHT) / (count - 1)
    return [1.0 - step * index for index in range(count)]


def _water_fill(demands: list[int], weights: list[float], room: int) -> list[int]:
    """Share ``room``: small demands are met in full, the rest split by weight."""
    shares = [0] * len(demands)
    pending = set(range(len(demands)))
    left = max(0, room)
    while pending:
        total_weight = sum(weights[i] for i in pending)
        met = [i for i in pending if demands[i] <= left * weights[i] / total_weight]
        if not met:
            for i in pending:
                shares[i] = int(left * weights[i] / total_weight)
            break
        for i in met:
            shares[i] = demands[i]
            left -= demands[i]
            pending.discard(i)
    return shares


def _drop_empty(node: Any) -> Any:
    """Objects without their null/empty fields; list items keep their positions."""
    if isinstance(node, dict):
        kept: dict[str, Any] = {}
        for key, value in node.items():
            value = _drop_empty(value)
            if value is None or value == "" or value == [] or value == {}:
                continue
            kept[key] = value
        return kept
    if isinstance(node, list):
        return [_drop_empty(item) for item in node]
    return node


def _locate(data: Any, section: str) -> tuple[Any, str]:
    """The node a ``section`` names: a JSON Pointer, or a field name that occurs exactly once."""
    if section.startswith("/"):
        node = data
        for raw in section[1:].split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SectionError(f"section {section!r} names nothing in this answer")
        return node, section
    found: list[tuple[Any, str]] = []
    queue: list[tuple[Any, str]] = [(data, "")]
    while queue:  # breadth first: the shallowest match comes first
        node, pointer = queue.pop(0)
        if isinstance(node, dict):
            for key, value in node.items():
                child = _pointer(pointer, key)
                if key == section:
                    found.append((value, child))
                if isinstance(value, dict | list):
                    queue.append((value, child))
        elif isinstance(node, list):
            queue.extend(
                (item, _pointer(pointer, index))
                for index, item in enumerate(node)
                if isinstance(item, dict | list)
            )
    if not found:
        raise SectionError(f"section {section!r} names nothing in this answer")
    if len(found) > 1:
        options = ", ".join(pointer for _, pointer in found[:8])
        raise SectionError(
            f"section {section!r} occurs {len(found)} times; pass one of these paths: {options}"
        )
    return found[0]


def _matches(value: Any, needle: str) -> bool:
    text = value if isinstance(value, str) else dumps(value)
    return needle in text.casefold()


def _filtered(node: Any, match: str | None, page: dict[str, Any]) -> Any:
    """The items of a list or dict section whose JSON contains ``match`` (case-insensitive),
    so an agent can search a huge section instead of reading every page of it."""
    if not match or not isinstance(node, list | dict):
        return node
    needle = match.casefold()
    page["filter"] = match
    page["unfiltered_total"] = len(node)
    if isinstance(node, list):
        return [item for item in node if _matches(item, needle)]
    return {k: v for k, v in node.items() if needle in k.casefold() or _matches(v, needle)}


def _page(
    fitter: _Fitter, data: Any, section: str, offset: int, budget: int, match: str | None = None
) -> dict[str, Any]:
    node, pointer = _locate(data, section)
    page: dict[str, Any] = {"section": pointer, "offset": offset}
    node = _filtered(node, match, page)
    room = budget - text_size(dumps(page)) - 80
    if isinstance(node, list):
        items = fitter.select(node, offset, room, pointer) if offset < len(node) else []
        end = offset + len(items)
        return page | {"total": len(node), "items": items, "next_offset": _next(end, len(node))}
    if isinstance(node, dict):
        keys = list(node)
        chosen = fitter.select([{k: node[k]} for k in keys], offset, room, pointer)
        end = offset + len(chosen)
        merged = {k: v for entry in chosen for k, v in entry.items()}
        return page | {"total": len(keys), "items": merged, "next_offset": _next(end, len(keys))}
    if isinstance(node, str):
        piece = node[offset:]
        text = fitter.fit(piece, room, pointer) if piece else ""
        fitter.trims = [t for t in fitter.trims if t.section != pointer]  # stated below instead
        end = offset + len(text)
        return page | {
            "total": len(node),
            "unit": "characters",
            "text": text,
            "next_offset": _next(end, len(node)),
        }
    return page | {"value": node}


def _next(end: int, total: int) -> int | None:
    return end if end < total else None


def _structured(body: Any, trims: list[Trim], notes: dict[str, Any]) -> dict[str, Any]:
    structured = dict(_as_object(body))
    block = {"shaped": True, **notes}
    if trims:
        block["trimmed"] = [trim.as_note() for trim in trims]
    structured[NOTES_KEY] = block
    return structured


def fit_answer(
    data: Any,
    *,
    budget_bytes: int,
    section: str | None = None,
    offset: int = 0,
    match: str | None = None,
    condense: Callable[[Any], Any] | None = None,
    notes: dict[str, Any] | None = None,
) -> Shaped:
    """Make ``data`` an object whose compact JSON is at most ``budget_bytes``.

    An answer that fits (and asks for no section) comes back as it is. Otherwise ``condense``
    (the plugin's reordering, e.g. most severe first) runs first, then the generic rules; with
    ``section`` the answer is one page of that part from ``offset``. ``notes`` are added to the
    ``_iocgate`` block (e.g. where the full data lives). Raises `SectionError` for a section
    that names nothing.
    """
    raw_text = dumps(_as_object(data))
    raw_size = text_size(raw_text)
    if raw_size <= budget_bytes and section is None:
        # The text is the answer itself (a bare array stays one, as the reference engine
        # answers); structuredContent wraps a non-object, which protocols up to 2025-11-25 need.
        text = raw_text if isinstance(data, dict) else dumps(data)
        return Shaped(_as_object(data), text, is_shaped=False)
    source = data
    if raw_size > budget_bytes and condense is not None:
        # Only answers that do not fit are reordered: a section of an answer that fits is then
        # paged in the same order the agent saw it.
        source = condense(data)
    if section is None:
        source = _drop_empty(source)
    sizes = _Sizes()
    block = {"budget_bytes": budget_bytes, "original_bytes": raw_size, **(notes or {})}
    target = budget_bytes - FRAME_BYTES - text_size(dumps(notes or {}))
    best: Shaped | None = None
    for _ in range(SIZE_ATTEMPTS):
        fitter = _Fitter(sizes)
        if section is None:
            body = fitter.fit(source, max(target, 64), "")
        else:
            body = _page(fitter, source, section, offset, max(target, 64), match)
        structured = _structured(body, fitter.trims, block)
        text = dumps(structured)
        size = text_size(text)
        if size <= budget_bytes:
            if best is None or size > text_size(best.text):
                best = Shaped(structured, text, is_shaped=True, trims=fitter.trims)
            if size >= budget_bytes * 0.92:
                break
            target += (budget_bytes - size) * 9 // 10  # use the room the estimate left
        else:
            target -= size - budget_bytes + 256
    if best is None:  # nothing fit, not even the smallest attempt: say so instead of the data
        structured = _structured({}, [], block | {"error": "the answer could not be condensed"})
        best = Shaped(structured, dumps(structured), is_shaped=True)
    return best
