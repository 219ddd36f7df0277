"""Readable strings in the first bytes of a memory dump, with their offsets (#22.6).

ASCII and UTF-16LE runs of at least `MIN_LENGTH` characters, as `strings -a` and `-el` find
them, kept only when most characters are the ones URLs, paths, commands and names are made of
(random bytes make short printable runs that mean nothing). Bounded: at most `STRING_LIMIT`
strings, each cut at `TEXT_LIMIT` characters; the total is stated.
"""

from __future__ import annotations

import re
from typing import Any

from iocgate.virustotal.digest_limits import capped

__all__ = ["MIN_LENGTH", "STRING_LIMIT", "memory_strings"]

MIN_LENGTH = 8
STRING_LIMIT = 200
TEXT_LIMIT = 300

_ASCII = re.compile(rb"[\x20-\x7e]{%d,}" % MIN_LENGTH)
_UTF16 = re.compile(rb"(?:[\x20-\x7e]\x00){%d,}" % MIN_LENGTH)
_WORDY = re.compile(r"[A-Za-z0-9 .:/\\_\-=?&%@'(),;\"]")


def _is_wordy(text: str) -> bool:
    return len(_WORDY.findall(text)) >= 0.9 * len(text) and any(c.isalpha() for c in text)


def memory_strings(head: bytes) -> dict[str, Any]:
    """``{"strings": [{"offset", "encoding", "text"}], "strings_total"?}`` in offset order."""
    found: list[dict[str, Any]] = []
    for pattern, encoding in ((_ASCII, "ascii"), (_UTF16, "utf-16le")):
        for match in pattern.finditer(head):
            text = match.group().decode("ascii" if encoding == "ascii" else "utf-16-le")
            if _is_wordy(text):
                found.append(
                    {"offset": match.start(), "encoding": encoding, "text": text[:TEXT_LIMIT]}
                )
    found.sort(key=lambda item: item["offset"])
    return capped(found, "strings", STRING_LIMIT)
