"""The ATT&CK matrix of a brief: tactics as columns in kill-chain order, techniques in cells.

Shared by the HTML heat map and the Markdown report. A technique serving several tactics
appears in each column (as the ATT&CK matrix shows it); techniques VirusTotal gave no tactic
for go to a final "Other" column.
"""

from __future__ import annotations

from dataclasses import dataclass

from iocgate.virustotal.investigate import TACTICS, Brief, Technique

__all__ = ["MatrixColumn", "attack_matrix"]


@dataclass(frozen=True, slots=True)
class MatrixColumn:
    """One tactic and its techniques, most severe first."""

    tactic_id: str
    name: str
    shortname: str
    techniques: tuple[Technique, ...]


def attack_matrix(brief: Brief, *, sandbox: str | None = None) -> tuple[MatrixColumn, ...]:
    """The non-empty columns, in kill-chain order (unknown tactics after the known ones)."""
    order = {tactic.id: tactic.order for tactic in TACTICS}
    columns: dict[str, tuple[str, str, list[Technique]]] = {}
    for technique in brief.techniques:
        if sandbox is not None and sandbox not in technique.sandboxes:
            continue
        if not technique.tactics:
            columns.setdefault("other", ("Other", "other", []))[2].append(technique)
        for tactic in technique.tactics:
            columns.setdefault(tactic.id, (tactic.name, tactic.shortname, []))[2].append(technique)
    ordered = sorted(columns, key=lambda key: (key == "other", order.get(key, len(TACTICS)), key))
    return tuple(
        MatrixColumn(
            key,
            columns[key][0],
            columns[key][1],
            tuple(sorted(columns[key][2], key=lambda t: (-t.severity, t.id))),
        )
        for key in ordered
    )
