"""VirusTotal-style collections: `limit` (1..40, default 10), opaque cursors, `meta` and `links`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "PageError", "collection", "parse_page"]

DEFAULT_LIMIT = 10
MAX_LIMIT = 40
_PREFIX = "iocgate-sim-cursor:"


class PageError(ValueError):
    """A bad `limit` or `cursor`; rendered as 400 InvalidArgumentError."""


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a collection a request asks for."""

    offset: int
    limit: int
    cursor: str | None


def parse_page(query: Mapping[str, str]) -> Page:
    """Read `limit` and `cursor` from the query string, rejecting what VirusTotal rejects."""
    raw_limit = query.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise PageError(f"Invalid value for limit: {raw_limit!r} is not an integer") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise PageError(f"Invalid value for limit: {limit} (must be between 1 and {MAX_LIMIT})")
    cursor = query.get("cursor") or None
    offset = _decode(cursor) if cursor else 0
    return Page(offset=offset, limit=limit, cursor=cursor)


def collection(items: Sequence[Any], page: Page, self_url: str) -> dict[str, Any]:
    """`{"meta": {"count"[, "cursor"]}, "data": [...], "links": {"self"[, "next"]}}`.

    `meta.cursor` and `links.next` appear only when more items remain: vt-py follows the
    cursor, vt-go follows `links.next` verbatim, so both must be there or neither.
    """
    window = list(items[page.offset : page.offset + page.limit])
    query = f"cursor={page.cursor}&limit={page.limit}" if page.cursor else f"limit={page.limit}"
    meta: dict[str, Any] = {"count": len(items)}
    links = {"self": f"{self_url}?{query}"}
    end = page.offset + page.limit
    if end < len(items):
        cursor = _encode(end)
        meta["cursor"] = cursor
        links["next"] = f"{self_url}?cursor={cursor}&limit={page.limit}"
    return {"meta": meta, "data": window, "links": links}


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise PageError(f"Invalid cursor: {cursor!r}") from None
    if not text.startswith(_PREFIX) or not text[len(_PREFIX) :].isdigit():
        raise PageError(f"Invalid cursor: {cursor!r}")
    return int(text[len(_PREFIX) :])
