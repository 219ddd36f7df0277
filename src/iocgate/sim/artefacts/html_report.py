"""The `/html` artefact: a self-contained HTML report of one sandbox run.

Every value from the report is HTML-escaped: the corpus plants script payloads in sandbox
strings, and this page must show them as text, never run them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from random import Random
from typing import Any

__all__ = ["CONTENT_TYPE", "build_html_report"]

CONTENT_TYPE = "text/html; charset=utf-8"

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.1rem;border-bottom:1px solid #ccc;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.25rem .5rem;
text-align:left;font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}
ul.tree{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f6f8fa;padding:1rem}
"""
_CALLS = ("NtCreateFile", "NtReadFile", "RegOpenKeyExW", "LdrLoadDll", "NtAllocateVirtualMemory",
          "connect", "send", "recv", "GetProcAddress", "CreateProcessInternalW")  # fmt: skip


def build_html_report(report_id: str, attributes: dict[str, Any]) -> bytes:
    """The page for one report (UTF-8 bytes)."""
    sandbox = str(attributes.get("sandbox_name", ""))
    sha256 = report_id[:64]
    when = datetime.fromtimestamp(int(attributes.get("analysis_date", 0)), UTC)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{escape(sandbox)} behaviour report for {escape(sha256)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(sandbox)} — behaviour report</h1>",
        _table(
            [
                ("SHA-256", sha256),
                ("Sandbox", sandbox),
                ("Analysis date", when.strftime("%Y-%m-%d %H:%M:%S UTC")),
                ("Verdicts", ", ".join(attributes.get("verdicts", [])) or "—"),
                ("Tags", ", ".join(attributes.get("tags", [])) or "—"),
            ]
        ),
    ]
    if "processes_tree" in attributes:
        parts += ["<h2>Process tree</h2>", _tree(attributes["processes_tree"])]
    for key, title in (
        ("command_executions", "Command lines"),
        ("files_written", "Files written"),
        ("files_deleted", "Files deleted"),
        ("registry_keys_opened", "Registry keys opened"),
        ("mutexes_created", "Mutexes created"),
        ("windows_searched", "Windows searched"),
        ("text_highlighted", "Highlighted text"),
    ):
        if key in attributes:
            parts += [f"<h2>{title}</h2>", _list(attributes[key])]
    rows: list[tuple[str, ...]]
    if "dns_lookups" in attributes:
        rows = [
            (e["hostname"], ", ".join(e.get("resolved_ips", [])) or "NXDOMAIN")
            for e in attributes["dns_lookups"]
        ]
        parts += ["<h2>DNS</h2>", _table(rows, header=("Hostname", "Resolved"))]
    if "http_conversations" in attributes:
        rows = [
            (c.get("request_method", ""), c["url"], str(c.get("response_status_code", "—")))
            for c in attributes["http_conversations"]
        ]
        parts += ["<h2>HTTP</h2>", _table(rows, header=("Method", "URL", "Status"))]
    if "signature_matches" in attributes:
        rows = [
            (
                str(s.get("severity", "")).removeprefix("IMPACT_SEVERITY_"),
                str(s.get("description", s.get("name", ""))),
            )
            for s in attributes["signature_matches"]
        ]
        parts += ["<h2>Signatures</h2>", _table(rows, header=("Severity", "Description"))]
    parts += ["<h2>API calls</h2>", f"<pre>{escape(_api_trace(report_id, attributes))}</pre>"]
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def _table(rows: Iterable[tuple[str, ...]], header: tuple[str, ...] | None = None) -> str:
    head = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>" if header else ""
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>{head}{body}</table>"


def _list(items: Iterable[Any]) -> str:
    return "<ul>" + "".join(f"<li>{escape(str(item))}</li>" for item in items) + "</ul>"


def _tree(nodes: list[dict[str, Any]]) -> str:
    items = []
    for node in nodes:
        label = f"[{node.get('process_id', '?')}] {node.get('name', '')}"
        children = _tree(node["children"]) if node.get("children") else ""
        items.append(f"<li>{escape(label)}{children}</li>")
    return '<ul class="tree">' + "".join(items) + "</ul>"


def _api_trace(report_id: str, attributes: dict[str, Any]) -> str:
    rng = Random(f"html/{report_id}")
    pids = [node.get("process_id", "0") for node in attributes.get("processes_tree", [])] or ["0"]
    lines = []
    for index in range(40 + min(400, len(attributes.get("files_opened", [])))):
        call = rng.choice(_CALLS)
        lines.append(
            f"{index * 13:08d} pid={rng.choice(pids)} {call}(0x{rng.getrandbits(32):08x}) = 0"
        )
    return "\n".join(lines)
