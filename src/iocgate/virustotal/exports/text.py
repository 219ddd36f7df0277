"""Showing untrusted sandbox text to people: control and bidi characters made visible.

JSON exports keep sandbox strings byte for byte. Text meant for eyes (a terminal, Markdown,
HTML) must not let a string clear the screen (``ESC [2J``), fake a hyperlink (OSC 8) or flip
a file name with U+202E; those characters are shown as ``\\x1b`` / ``\\u202e`` instead. The
rest of the string is untouched.
"""

from __future__ import annotations

import re

__all__ = ["shorten", "visible"]

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: str, *, newlines: bool = False) -> str:
    """``value`` with control, bidi and zero-width characters escaped (``\\x1b``).

    Tabs stay; newlines stay only when ``newlines`` is true (else they show as ``\\n``).
    """
    text = _INVISIBLE.sub(_escape, value)
    return text if newlines else text.replace("\n", "\\n")


def shorten(value: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut."""
    return value if len(value) <= limit else value[: max(0, limit - 1)] + "…"
