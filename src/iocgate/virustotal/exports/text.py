"""Showing untrusted sandbox text to people: control and bidi characters made visible.

JSON exports keep sandbox strings byte for byte. Text meant for eyes (a terminal, Markdown,
HTML) must not let a string clear the screen (``ESC [2J``), fake a hyperlink (OSC 8) or flip
a file name with U+202E; those characters are shown as ``\\x1b`` / ``\\u202e`` instead. The
rest of the string is untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from iocgate.virustotal.investigate import Brief, Indicator
from iocgate.virustotal.investigate.model import ProcessNode

__all__ = [
    "acting_processes",
    "file_facts",
    "indicator_details",
    "quotes_upstream_strings",
    "shorten",
    "visible",
]

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


def _day(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def file_facts(brief: Brief) -> list[tuple[str, str]]:
    """What the file is, as (label, value) rows for a report: hashes, then the file object's
    context (#22). Values are raw (a renderer escapes them); rows without data are left out."""
    hashes = brief.file
    context = brief.file_context
    rows: list[tuple[str, str | None]] = [
        ("SHA-256", hashes.sha256),
        ("SHA-1", hashes.sha1),
        ("MD5", hashes.md5),
    ]
    if context is not None:
        stats = context.detections
        ratio = context.ratio and (
            f"{context.ratio} engines flag it malicious"
            + (f", {stats['suspicious']} suspicious" if stats.get("suspicious") else "")
        )
        signature = context.signature
        signed = signature.get("verified")
        by = signature.get("signers")
        rows += [
            ("detections", ratio),
            ("threat label", context.threat_label),
            ("threat categories", ", ".join(context.threat_categories) or None),
            ("type", context.type_description),
            ("size", f"{context.size:,} bytes" if context.size is not None else None),
            ("names", ", ".join(context.names[:6]) or context.meaningful_name),
            ("first seen", _day(context.first_seen)),
            ("last seen", _day(context.last_seen)),
            ("signature", f"{signed} ({by})" if signed and by else signed),
            ("crowdsourced YARA", ", ".join(context.yara_rules) or None),
            ("crowdsourced Sigma", ", ".join(context.sigma_rules) or None),
        ]
    rows += [
        ("imphash", hashes.imphash),
        ("ssdeep", hashes.ssdeep),
        ("TLSH", hashes.tlsh),
        ("vhash", hashes.vhash),
    ]
    return [(label, value) for label, value in rows if value]


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


def acting_processes(brief: Brief) -> list[ProcessNode]:
    """The processes worth a look: those with rule hits, injections or decoded PowerShell."""
    return [
        node
        for node in brief.processes.items
        if node.hits or node.injected_into or node.decoded_powershell
    ]
