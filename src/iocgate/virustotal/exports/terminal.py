"""The brief for a terminal: what an analyst acts on, as ``rich`` renderables.

Verdict and reasons, the most severe techniques, key indicators, rule hits, artefacts and the
quota cost. Sandbox strings become `rich.text.Text` (never parsed as markup) with control
characters made visible, so a hostile string cannot restyle or clear the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from iocgate.virustotal.exports.text import (
    acting_processes,
    file_facts,
    quotes_upstream_strings,
    shorten,
    visible,
)
from iocgate.virustotal.investigate import Brief, Capped, Indicator, Severity
from iocgate.virustotal.wording import counted

__all__ = ["brief_renderable"]

_STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
    Severity.UNKNOWN: "dim",
}
_VERDICT_STYLES = {
    "malicious": "bold white on red",
    "suspicious": "bold black on yellow",
    "clean": "bold white on green",
    "unknown": "bold white on grey37",
}


def _t(value: str, limit: int = 160, style: str = "") -> Text:
    return Text(shorten(visible(value), limit), style=style)


def _sev(severity: Severity) -> Text:
    return Text(severity.label, style=_STYLES[severity])


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _indicator_lines(title: str, group: Capped[Indicator], limit: int) -> Iterable[Text]:
    if not group.total:
        return
    shown = group.items[:limit]
    more = f" (top {len(shown)} of {group.total})" if group.total > len(shown) else ""
    yield Text(f"  {title}{more}:", style="bold")
    for item in shown:
        line = Text("    ")
        line.append_text(_t(item.value, 120))
        extra = ", ".join(item.contexts)
        if item.notable:
            extra = f"{item.notable}; {extra}"
        if item.file_type:
            extra = f"{visible(item.file_type)}; {extra}"
        line.append(
            f"  [{extra}; {counted(len(item.sandboxes), 'sandbox', 'sandboxes')}]", style="dim"
        )
        yield line


def brief_renderable(brief: Brief, *, techniques: int = 10, indicators: int = 5) -> Group:
    """The brief as one ``rich`` renderable (print it with a ``Console``)."""
    digest = brief.file.sha256 or brief.file.queried
    verdict = brief.verdict
    parts: list[RenderableType] = [Text(f"iocgate investigation of {digest}", style="bold")]
    headline = Text()
    headline.append(f" {verdict.value.upper()} ", style=_VERDICT_STYLES.get(verdict.value, ""))
    headline.append("  highest severity ")
    headline.append_text(_sev(verdict.severity))
    if verdict.labels:
        headline.append("  labels ")
        headline.append_text(_t(", ".join(verdict.labels), 80, "bold"))
    if verdict.confidence is not None:
        headline.append(f"  confidence {verdict.confidence}")
    parts.append(headline)
    parts += [_t(f"  - {reason}", 400) for reason in verdict.reasons]
    if brief.note:
        parts.append(Text(brief.note, style="bold"))
    parts += [_t(f"  next: {step}", 400, "bold") for step in brief.next_steps]
    facts = [(label, value) for label, value in file_facts(brief) if label != "SHA-256"]
    if facts:
        parts.append(_heading("File"))
        for label, value in facts:
            line = Text(f"  {label:<19}", style="dim")
            line.append_text(_t(value, 140))
            parts.append(line)
    if brief.techniques:
        parts.append(_heading(f"Top ATT&CK techniques ({len(brief.techniques)} in all)"))
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        for column in ("technique", "tactics", "severity", "sandboxes", "signature"):
            table.add_column(column, overflow="fold")
        for technique in brief.techniques[:techniques]:
            name = Text(technique.id, style="bold")
            if technique.name:
                name.append(" ").append_text(_t(technique.name, 50, ""))
            table.add_row(
                name,
                Text(", ".join(t.name for t in technique.tactics)),
                _sev(technique.severity),
                Text(str(technique.agreement)),
                _t(technique.signatures[0].description, 70) if technique.signatures else Text(""),
            )
        parts.append(table)
    acting = acting_processes(brief)
    if acting:
        parts.append(_heading(f"Processes that acted ({brief.process_sandbox})"))
        for node in acting[:6]:
            line = Text(f"  PID {node.pid} ")
            line.append_text(_t(node.name, 110, "bold"))
            parts.append(line)
            for process_hit in node.hits[:3]:
                parts.append(
                    Text("    ")
                    .append_text(_sev(process_hit.severity))
                    .append_text(_t(f" {process_hit.kind}: {process_hit.name}", 110))
                )
            if node.injected_into:
                parts.append(_t(f"    injects into: {', '.join(node.injected_into)}", 200))
            if node.decoded_powershell:
                parts.append(_t(f"    decoded -EncodedCommand: {node.decoded_powershell}", 300))
    hits = [
        *brief.detections.sigma.items,
        *brief.detections.ids.items,
        *brief.detections.signatures.items,
    ]
    hits.sort(key=lambda hit: -hit.severity)
    if hits:
        parts.append(_heading("Rule hits (most severe)"))
        for hit in hits[:6]:
            line = Text("  ")
            line.append_text(_sev(hit.severity)).append(f" {hit.kind}: ")
            line.append_text(_t(hit.name, 110)).append(f"  ({hit.agreement})", style="dim")
            parts.append(line)
    group = brief.indicators
    lines = [
        *_indicator_lines("domains", group.domains, indicators),
        *_indicator_lines("IPs", group.ips, indicators),
        *_indicator_lines("URLs", group.urls, indicators),
        *_indicator_lines("dropped files", group.files, indicators),
        *_indicator_lines("mutexes", group.mutexes, 3),
        *_indicator_lines("registry keys", group.registry_keys, indicators),
        *_indicator_lines("command lines", group.command_lines, 3),
    ]
    if lines:
        parts.append(_heading("Key indicators"))
        parts += lines
    if brief.sandboxes:
        parts.append(_heading(f"Sandboxes ({len(brief.sandboxes)}) and artefacts"))
        for run in brief.sandboxes:
            line = Text("  ")
            line.append_text(_t(run.name, 40, "bold"))
            line.append(": ")
            line.append_text(_t(", ".join(run.verdicts) or "no verdict", 60))
            artefacts = ", ".join(run.artefacts.available) or "none"
            line.append(f"  artefacts: {artefacts}", style="dim")
            parts.append(line)
        parts.append(
            Text(
                "  download: iocgate call get-pcap-file-generated-during "
                "sandbox_id='<sha256>_<sandbox>' -o FILE (or GET the REST paths in --format json)",
                style="dim",
            )
        )
    cost = brief.cost
    parts.append(_heading("Quota"))
    parts.append(
        Text(
            f"  {counted(cost.upstream_calls, 'upstream call')}, "
            f"{counted(cost.cache_hits, 'cache hit')} "
            f"({counted(cost.requests, 'request')}); planned: {cost.planned}"
        )
    )
    if quotes_upstream_strings(brief):
        parts.append(Text(f"\n{brief.untrusted}", style="dim italic"))
    return Group(*parts)
