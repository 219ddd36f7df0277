"""Showing untrusted sandbox text to people: control and bidi characters made visible.

JSON exports keep sandbox strings byte for byte. Text meant for eyes (a terminal, Markdown,
HTML) must not let a string clear the screen (``ESC [2J``), fake a hyperlink (OSC 8) or flip
a file name with U+202E; those characters are shown as ``\\x1b`` / ``\\u202e`` instead. The
rest of the string is untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from iocgate.virustotal.investigate import Brief, Indicator

__all__ = ["indicator_details", "quotes_upstream_strings", "shorten", "visible"]

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


def indicator_details(
    item: Indicator,
    *,
    code: Callable[[str], str],
    text: Callable[[str], str],
    strong: Callable[[str], str],
) -> list[str]:
    """The facts shown beside an indicator in a report, rendered by the report's own markup."""
    detail: list[str] = []
    if item.resolved_ips:
        detail.append("resolves to " + ", ".join(code(ip) for ip in item.resolved_ips[:5]))
    if item.ports:
        protocols = "/".join(text(p) for p in item.protocols)
        ports = ", ".join(str(p) for p in item.ports[:8])
        detail.append(f"{protocols} ports {ports}" if protocols else f"ports {ports}")
    if item.methods:
        detail.append(" ".join(code(m) for m in item.methods))
    if item.file_type:
        detail.append(code(item.file_type))
    if item.paths:
        detail.append(code(item.paths[0]))
    if item.data is not None:
        detail.append("value " + code(item.data))
    if item.notable:
        detail.append(strong(item.notable))
    return detail


def quotes_upstream_strings(brief: Brief) -> bool:
    """Whether a view of ``brief`` shows strings from the sandbox reports, so that the
    untrusted-data note has something to speak of."""
    hits = brief.detections
    return bool(
        brief.techniques
        or hits.signatures.items
        or hits.sigma.items
        or hits.ids.items
        or brief.indicators.all()
        or brief.verdict.labels
        or any(run.verdicts for run in brief.sandboxes)
    )
