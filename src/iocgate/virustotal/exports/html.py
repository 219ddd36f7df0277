"""The investigation report as one self-contained HTML page with an ATT&CK heat map.

No external assets and no script: inline CSS only, under a Content-Security-Policy that
forbids everything else. Every string from a sandbox report goes through `_h` (HTML-escaped,
control characters made visible): the corpus's ``hostile`` file plants ``<script>`` in
command lines, URLs and window titles to prove it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from iocgate.virustotal.exports.matrix import attack_matrix
from iocgate.virustotal.exports.text import file_facts, indicator_details, shorten, visible
from iocgate.virustotal.investigate import Brief, Capped, Detection, Indicator, Severity

__all__ = ["CSP", "report_html"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""The page's Content-Security-Policy: styles inline, images as data: URIs, nothing else."""

_ROW_LIMIT = 100
_CELL_LIMIT = 400

_VERDICT_COLORS = {
    "malicious": "#a50f15",
    "suspicious": "#d94801",
    "clean": "#238b45",
    "unknown": "#636363",
}

_STYLE = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;
background:#f6f7f9}
header{background:#1f2933;color:#fff;padding:20px 28px}
header h1{font-size:20px;margin:0 0 6px;font-weight:600;word-break:break-all}
header code{background:#334e68;color:#fff}
main{padding:16px 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 18px;margin:14px 0}
h2{font-size:16px;margin:0 0 10px}
h3{font-size:14px;margin:14px 0 6px}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;color:#fff;font-weight:700;
letter-spacing:.04em}
.note{color:#52606d;font-size:12px}
.untrusted{background:#fff8e1;border-left:4px solid #f0b429;padding:8px 12px;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px;min-width:130px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #eef0f3}
th{background:#f0f2f5;font-weight:600}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all;
white-space:pre-wrap;background:#f3f4f6;border-radius:3px;padding:0 3px}
.matrix{display:grid;gap:6px;overflow-x:auto}
.tactic{min-width:120px}
.tactic h3{font-size:12px;margin:0 0 6px;padding:6px;background:#1f2933;color:#fff;
border-radius:4px;text-align:center}
.tech{border-radius:4px;padding:5px 6px;margin-bottom:4px;font-size:11px;border:1px solid
rgba(0,0,0,.12)}
.tech b{display:block}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border-radius:3px;font-size:12px}
.sev{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px}
"""


def _h(value: str, *, limit: int = _CELL_LIMIT) -> str:
    """Untrusted text, safe in HTML element content and in quoted attributes."""
    return html.escape(shorten(visible(value), limit), quote=True)


def _code(value: str, *, limit: int = _CELL_LIMIT) -> str:
    return f"<code>{_h(value, limit=limit)}</code>"


def _ink(severity: Severity) -> str:
    return "#fff" if severity >= Severity.HIGH else "#1b1b1b"


def _sev(severity: Severity) -> str:
    return (
        f'<span class="sev" style="background:{severity.color};color:{_ink(severity)}">'
        f"{severity.label}</span>"
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{_h(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _boxes(names: Iterable[str]) -> str:
    return ", ".join(_h(name) for name in names) or '<span class="note">summary</span>'


def _count(group: Capped[Indicator] | Capped[Detection]) -> str:
    shown = min(len(group.items), _ROW_LIMIT)
    return str(group.total) if shown == group.total else f"showing {shown} of {group.total}"


def _matrix(brief: Brief) -> str:
    columns = attack_matrix(brief)
    if not columns:
        return '<p class="note">No ATT&amp;CK techniques were observed.</p>'
    cells = []
    for column in columns:
        items = []
        for technique in column.techniques:
            tooltip = "; ".join(
                f"{s.description} ({s.severity.label})" for s in technique.signatures[:8]
            )
            items.append(
                f'<div class="tech" title="{_h(tooltip)}" style="background:'
                f'{technique.severity.color};color:{_ink(technique.severity)}">'
                f"<b>{_h(technique.id)}</b>{_h(technique.name or '')}"
                f"<br>{technique.severity.label} · {technique.agreement}</div>"
            )
        cells.append(f'<div class="tactic"><h3>{_h(column.name)}</h3>{"".join(items)}</div>')
    template = f"grid-template-columns:repeat({len(columns)},minmax(120px,1fr))"
    legend = "".join(
        f'<span style="background:{level.color};color:{_ink(level)}">{level.label}</span>'
        for level in Severity
        if level is not Severity.UNKNOWN
    )
    return (
        f'<div class="matrix" style="{template}">{"".join(cells)}</div>'
        f'<p class="legend note">Highest severity seen: {legend}</p>'
    )


def _indicators(title: str, group: Capped[Indicator]) -> str:
    if not group.total:
        return ""
    rows = []
    for item in group.items[:_ROW_LIMIT]:
        detail = indicator_details(
            item, code=_code, text=_h, strong=lambda value: f"<b>{_h(value)}</b>"
        )
        rows.append(
            (
                _code(item.value),
                _h(", ".join(item.contexts)),
                "<br>".join(detail),
                _boxes(item.sandboxes),
            )
        )
    table = _table(("value", "seen in", "details", "sandboxes"), rows)
    return f"<h3>{_h(title)} ({_count(group)})</h3>{table}"


def _detections(title: str, group: Capped[Detection]) -> str:
    if not group.total:
        return ""
    rows = [
        (
            _code(hit.name),
            _sev(hit.severity),
            _h(str(hit.agreement)),
            _h(hit.source or ""),
            _boxes(hit.sandboxes),
        )
        for hit in group.items[:_ROW_LIMIT]
    ]
    table = _table(("rule", "severity", "agreement", "source", "sandboxes"), rows)
    return f"<h3>{_h(title)} ({_count(group)})</h3>{table}"


def _date(epoch: int | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _section(title: str, body: str) -> str:
    return f"<section><h2>{_h(title)}</h2>{body}</section>" if body else ""


def report_html(brief: Brief) -> str:
    """The whole report as one HTML document (UTF-8)."""
    digest = brief.file.sha256 or brief.file.queried
    verdict = brief.verdict
    color = _VERDICT_COLORS.get(verdict.value, "#636363")
    reasons = "".join(f"<li>{_h(reason, limit=2000)}</li>" for reason in verdict.reasons)
    labels = ", ".join(_code(label) for label in verdict.labels)
    indicators = brief.indicators
    cards = [
        ("sandboxes", str(len(brief.sandboxes))),
        ("techniques", str(len(brief.techniques))),
        ("highest severity", verdict.severity.label),
        ("domains", str(indicators.domains.total)),
        ("IPs", str(indicators.ips.total)),
        ("URLs", str(indicators.urls.total)),
        ("dropped files", str(indicators.files.total)),
        ("upstream calls", str(brief.cost.upstream_calls)),
    ]
    facts = file_facts(brief)
    next_steps = "".join(f"<li>{_h(step, limit=1000)}</li>" for step in brief.next_steps)
    sandboxes = _table(
        ("sandbox", "verdicts", "labels", "confidence", "analysed", "artefacts (REST paths)"),
        (
            (
                _h(run.name),
                ", ".join(_code(v) for v in run.verdicts) or "—",
                ", ".join(_code(label) for label in run.labels),
                "" if run.confidence is None else str(run.confidence),
                _date(run.analysis_date),
                "<br>".join(
                    f"{_h(kind)} {_code(path)}" for kind, path in run.artefacts.paths.items()
                ),
            )
            for run in brief.sandboxes
        ),
    )
    techniques = _table(
        ("technique", "tactics", "severity", "agreement", "signatures"),
        (
            (
                f"<b>{_h(t.id)}</b> {_h(t.name or '')}",
                _h(", ".join(tactic.name for tactic in t.tactics)),
                _sev(t.severity),
                _h(str(t.agreement)),
                "<br>".join(
                    f"{_code(s.description, limit=200)} {_sev(s.severity)}"
                    for s in t.signatures[:6]
                ),
            )
            for t in brief.techniques
        ),
    )
    tags = _table(
        ("tag", "agreement", "sandboxes"),
        ((_code(t.tag), _h(str(t.agreement)), _boxes(t.sandboxes)) for t in brief.tags),
    )
    detection_html = "".join(
        (
            _detections("Signatures", brief.detections.signatures),
            _detections("Sigma rules", brief.detections.sigma),
            _detections("IDS alerts", brief.detections.ids),
        )
    )
    indicator_html = "".join(
        (
            _indicators("Domains", indicators.domains),
            _indicators("IP addresses", indicators.ips),
            _indicators("URLs", indicators.urls),
            _indicators("Dropped files", indicators.files),
            _indicators("Mutexes", indicators.mutexes),
            _indicators("Registry keys", indicators.registry_keys),
            _indicators("Command lines", indicators.command_lines),
        )
    )
    cost = brief.cost
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>iocgate: {_h(verdict.value)} {_h(digest)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<header><h1>iocgate investigation of {_h(digest)}</h1>",
        f'<span class="badge" style="background:{color}">{_h(verdict.value.upper())}</span> ',
        f"highest severity {_h(verdict.severity.label)}",
        f" · labels: {labels}" if labels else "",
        f" · confidence {verdict.confidence}" if verdict.confidence is not None else "",
        "</header><main>",
        f"<section><h2>Verdict</h2><ul>{reasons}</ul>",
        f"<p><b>{_h(brief.note)}</b></p>" if brief.note else "",
        f'<p class="untrusted">{_h(brief.untrusted, limit=1000)}</p></section>',
        '<div class="cards">',
        *(f'<div class="card"><b>{_h(value)}</b>{_h(name)}</div>' for name, value in cards),
        "</div>",
        _section("File", _table(("fact", "value"), ((k, _code(v)) for k, v in facts))),
        _section("Next steps", f"<ul>{next_steps}</ul>") if next_steps else "",
        _section("ATT&CK matrix", _matrix(brief)),
        _section(f"Sandboxes ({len(brief.sandboxes)})", sandboxes if brief.sandboxes else ""),
        _section(f"Techniques ({len(brief.techniques)})", techniques if brief.techniques else ""),
        _section("Detections", detection_html),
        _section("Indicators", indicator_html),
        _section("Behaviour tags", tags if brief.tags else ""),
        _section(
            "Quota cost",
            f"<p>{cost.upstream_calls} upstream calls ({cost.cache_hits} cache hits, "
            f"{cost.requests} requests, {cost.report_pages} report pages). Planned: "
            f"{_h(cost.planned)}.</p>",
        ),
        f'<p class="note">Generated by iocgate at {_h(brief.generated_at)}.</p>',
        "</main></body></html>",
    ]
    return "\n".join(part for part in parts if part)
