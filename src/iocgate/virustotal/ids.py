"""VirusTotal identifiers: file hashes, sandbox report ids, relationship names, pagination.

Checked for every way in before anything is sent upstream: an id that is not one of these could
steer the gateway to another VirusTotal endpoint with the operator's key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from iocgate.errors import InvalidArgumentError

__all__ = [
    "BEHAVIOUR_RELATIONSHIPS",
    "HASH_PATTERN",
    "SANDBOX_ID_PATTERN",
    "check_argument",
    "schema_for",
]

HASH_PATTERN = r"^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$"
# A sha256, "_", then a sandbox name of printable characters without / \ ? # or % (no encoding
# tricks either: VirusTotal's names never contain a percent sign).
SANDBOX_ID_PATTERN = r"^[0-9A-Fa-f]{64}_[^/\\?#%\x00-\x1f\x7f]{1,100}$"
CURSOR_PATTERN = r"^[A-Za-z0-9_\-=+.~:]{1,2048}$"

BEHAVIOUR_RELATIONSHIPS: tuple[str, ...] = (
    "attack_techniques",
    "contacted_domains",
    "contacted_ips",
    "contacted_urls",
    "dropped_files",
    "embedded_domains",
    "embedded_ips",
    "embedded_urls",
    "file",
)

_HASH = re.compile(HASH_PATTERN)
_SANDBOX_ID = re.compile(SANDBOX_ID_PATTERN)
_CURSOR = re.compile(CURSOR_PATTERN)
# Unicode look-alikes of the path separator: refused even though they are printable.
_SLASH_LOOKALIKES = frozenset("\u2215\u2044\uff0f\u29f8\u2216\uff3c")


def _kind(path: str, name: str) -> str | None:
    if name == "id" and path.startswith("/files/{id}"):
        return "hash"
    if name == "sandbox_id":
        return "sandbox_id"
    if name in ("relationship", "limit", "cursor"):
        return name
    return None


def schema_for(path: str, name: str, relationships: tuple[str, ...]) -> dict[str, Any]:
    """JSON Schema keywords that describe what VirusTotal accepts for this argument."""
    kind = _kind(path, name)
    # Each anchored pattern bounds the length itself: minLength/maxLength beside it would only
    # repeat it in every tool's schema, which an agent pays for in each conversation (#22.7).
    if kind == "hash":
        return {"pattern": HASH_PATTERN}
    if kind == "sandbox_id":
        return {"pattern": SANDBOX_ID_PATTERN}
    if kind == "relationship":
        return {"enum": list(relationships)}
    if kind == "limit":
        return {"type": "integer", "minimum": 1, "maximum": 40}
    if kind == "cursor":
        return {"pattern": CURSOR_PATTERN}
    return {}


def check_argument(path: str, name: str, value: object, relationships: tuple[str, ...]) -> None:
    """Raise `InvalidArgumentError` naming the argument and what is allowed."""
    kind = _kind(path, name)
    if kind is None:
        return
    text = str(value)
    shown = text if len(text) <= 80 else text[:77] + "..."
    if kind == "hash" and not _HASH.match(text):
        raise InvalidArgumentError(
            f"{name} must be an MD5, SHA-1 or SHA-256 hash in hex (32, 40 or 64 characters), "
            f"got {shown!r}"
        )
    if kind == "sandbox_id" and (
        not _SANDBOX_ID.match(text) or any(c in _SLASH_LOOKALIKES for c in text)
    ):
        raise InvalidArgumentError(
            f"{name} must be '<sha256>_<sandbox name>' (e.g. '<64 hex>_VirusTotal Jujubox'; "
            f"no '/', '\\', '?', '#', '%' or control characters), got {shown!r}"
        )
    if kind == "relationship" and text not in relationships:
        raise InvalidArgumentError(
            f"relationship must be one of {', '.join(relationships)}; got {shown!r}"
        )
    if kind == "limit" and (
        isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 40
    ):
        raise InvalidArgumentError(f"limit must be an integer from 1 to 40, got {shown!r}")
    if kind == "cursor" and not _CURSOR.match(text):
        raise InvalidArgumentError(
            "cursor must be the opaque token from a previous page's meta.cursor "
            f"(at most 2048 URL-safe characters), got {shown!r}"
        )


def check_arguments(
    path: str, arguments: Mapping[str, object], relationships: tuple[str, ...]
) -> None:
    for name, value in arguments.items():
        check_argument(path, name, value, relationships)
