"""The investigation report in Markdown (GitHub-flavoured), for tickets and wikis.

Every sandbox string is written as an inline code span (so a renderer shows ``<script>`` as
text and never as markup) with table pipes escaped and control characters made visible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from iocgate.virustotal.exports.matrix import attack_matrix
from iocgate.virustotal.exports.text import (
    acting_processes,
    file_facts,
    indicator_details,
    shorten,
    visible,
)
from iocgate.virustotal.investigate import Brief, Capped, Detection, Indicator

__all__ = ["code", "report_markdown"]

_CELL_LIMIT = 300
_ROW_LIMIT = 50


def code(value: str, *, limit: int = _CELL_LIMIT) -> str:
    """``value`` as an inline code span that is safe in a table cell."""
    text = shorten(visible(value), limit).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plain(value: str) -> str:
    """Our own short text, escaped for Markdown (sandbox names, labels, rule names)."""
    # Brackets are escaped, so "(" can never complete a link: parentheses may stay readable.
    return re.sub(r"([\\`*_\[\]<>#|~&])", r"\\\1", visible(value))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _boxes(names: Iterable[str]) -> str:
    return ", ".join(_plain(name) for name in names) or "summary"


def _date(epoch: int | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _count(group: Capped[Indicator] | Capped[Detection]) -> str:
    shown = min(len(group.items), _ROW_LIMIT)
    return f"{group.total}" if shown == group.total else f"showing {shown} of {group.total}"


def _indicator_section(title: str, group: Capped[Indicator], lines: list[str]) -> None:
    if not group.total:
        return
    lines += ["", f"### {title} ({_count(group)})", ""]
    rows = []
    for item in group.items[:_ROW_LIMIT]:
        detail = indicator_details(
            item, code=code, text=_plain, strong=lambda value: f"**{_plain(value)}**"
        )
        rows.append(
            (code(item.value), ", ".join(item.contexts), "; ".join(detail), _boxes(item.sandboxes))
        )
    lines += _table(("value", "seen in", "details", "sandboxes"), rows)


def _detection_section(title: str, group: Capped[Detection], lines: list[str]) -> None:
    if not group.total:
        return
    lines += ["", f"### {title} ({_count(group)})", ""]
    rows = [
        (
            code(hit.name),
            hit.severity.label,
            str(hit.agreement),
            code(hit.source) if hit.source else "",
            _boxes(hit.sandboxes),
        )
        for hit in group.items[:_ROW_LIMIT]
    ]
    lines += _table(("rule", "severity", "agreement", "source", "sandboxes"), rows)


def report_markdown(brief: Brief) -> str:
    """The whole report as one Markdown document."""
    digest = brief.file.sha256 or brief.file.queried
    verdict = brief.verdict
    lines = [
        f"# iocgate investigation of `{digest}`",
        "",
        f"**Verdict: {verdict.value.upper()}** (highest severity seen: {verdict.severity.label}"
        + (
            f"; labels: {', '.join(code(label) for label in verdict.labels)}"
            if verdict.labels
            else ""
        )
        + (f"; confidence {verdict.confidence}" if verdict.confidence is not None else "")
        + ")",
        "",
        *(f"- {_plain(reason)}" for reason in verdict.reasons),
        "",
        f"> {brief.untrusted}",
    ]
    if brief.note:
        lines += ["", f"**{brief.note}**"]
    facts = file_facts(brief)
    lines += ["", "## File", "", *_table(("fact", "value"), ((k, code(v)) for k, v in facts))]
    if brief.next_steps:
        lines += ["", "## Next steps", "", *(f"- {_plain(step)}" for step in brief.next_steps)]
    if brief.sandboxes:
        lines += ["", f"## Sandboxes ({len(brief.sandboxes)})", ""]
        rows = [
            (
                _plain(run.name),
                ", ".join(code(v) for v in run.verdicts) or "—",
                ", ".join(code(label) for label in run.labels),
                "" if run.confidence is None else str(run.confidence),
                _date(run.analysis_date),
                ", ".join(f"{kind} `{path}`" for kind, path in run.artefacts.paths.items()),
            )
            for run in brief.sandboxes
        ]
        lines += _table(
            ("sandbox", "verdicts", "labels", "confidence", "analysed", "artefacts (REST)"), rows
        )
    if brief.techniques:
        lines += ["", f"## ATT&CK techniques ({len(brief.techniques)})", ""]
        rows = [
            (
                f"[{t.id}]({t.link})",
                _plain(t.name or ""),
                ", ".join(tactic.name for tactic in t.tactics),
                t.severity.label,
                str(t.agreement),
                "; ".join(code(s.description, limit=120) for s in t.signatures[:4]),
            )
            for t in brief.techniques
        ]
        lines += _table(("id", "name", "tactics", "severity", "agreement", "signatures"), rows)
        lines += ["", "### ATT&CK matrix", ""]
        for column in attack_matrix(brief):
            cells = ", ".join(f"{t.id} ({t.severity.label})" for t in column.techniques)
            lines.append(f"- **{column.name}**: {cells}")
    acting = acting_processes(brief)
    if acting:
        lines += ["", f"## Processes that acted ({_plain(brief.process_sandbox or '')})", ""]
        acted = [
            (
                code(node.pid),
                code(node.name, limit=200),
                "; ".join(
                    f"{hit.kind} {code(hit.name)} ({hit.severity.label})" for hit in node.hits
                ),
                ", ".join(code(target) for target in node.injected_into),
                code(node.decoded_powershell, limit=400) if node.decoded_powershell else "",
            )
            for node in acting
        ]
        header = ("PID", "command line", "hits", "injects into", "decoded PowerShell")
        lines += _table(header, acted)
    if brief.tags:
        lines += ["", "## Behaviour tags", ""]
        lines += _table(
            ("tag", "agreement", "sandboxes"),
            ((code(t.tag), str(t.agreement), _boxes(t.sandboxes)) for t in brief.tags),
        )
    detections = brief.detections
    if detections.signatures.total or detections.sigma.total or detections.ids.total:
        lines += ["", "## Detections"]
        _detection_section("Signatures", detections.signatures, lines)
        _detection_section("Sigma rules", detections.sigma, lines)
        _detection_section("IDS alerts", detections.ids, lines)
    indicators = brief.indicators
    if indicators.all():
        lines += ["", "## Indicators"]
        _indicator_section("Domains", indicators.domains, lines)
        _indicator_section("IP addresses", indicators.ips, lines)
        _indicator_section("URLs", indicators.urls, lines)
        _indicator_section("Dropped files", indicators.files, lines)
        _indicator_section("Mutexes", indicators.mutexes, lines)
        _indicator_section("Registry keys", indicators.registry_keys, lines)
        _indicator_section("Command lines", indicators.command_lines, lines)
    cost = brief.cost
    lines += [
        "",
        "## Quota cost",
        "",
        f"{cost.upstream_calls} upstream calls ({cost.cache_hits} cache hits, {cost.requests} "
        f"requests, {cost.report_pages} report pages); planned: {cost.planned}.",
        "",
        f"_Generated by iocgate at {brief.generated_at}._",
        "",
    ]
    return "\n".join(lines)
