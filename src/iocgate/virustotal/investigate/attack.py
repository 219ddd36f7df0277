"""The ATT&CK Enterprise tactics in kill-chain order, with the Navigator's shortnames.

VirusTotal's MITRE trees name tactics by id (``TA0005``) and display name; the Navigator layer
wants the shortname (``defense-evasion``) and the heat map wants kill-chain order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "TACTICS",
    "Tactic",
    "is_technique_id",
    "tactic_for",
    "technique_link",
    "technique_parent",
]


@dataclass(frozen=True, slots=True)
class Tactic:
    """An Enterprise ATT&CK tactic."""

    id: str
    name: str
    shortname: str
    order: int


_ROWS = (
    ("TA0043", "Reconnaissance"),
    ("TA0042", "Resource Development"),
    ("TA0001", "Initial Access"),
    ("TA0002", "Execution"),
    ("TA0003", "Persistence"),
    ("TA0004", "Privilege Escalation"),
    ("TA0005", "Defense Evasion"),
    ("TA0006", "Credential Access"),
    ("TA0007", "Discovery"),
    ("TA0008", "Lateral Movement"),
    ("TA0009", "Collection"),
    ("TA0011", "Command and Control"),
    ("TA0010", "Exfiltration"),
    ("TA0040", "Impact"),
)


def _shortname(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


TACTICS: tuple[Tactic, ...] = tuple(
    Tactic(tactic_id, name, _shortname(name), order)
    for order, (tactic_id, name) in enumerate(_ROWS)
)
"""Every Enterprise tactic, in the order the ATT&CK matrix shows them."""

_BY_ID = {tactic.id: tactic for tactic in TACTICS}
_BY_NAME = {tactic.name.lower(): tactic for tactic in TACTICS}


def tactic_for(tactic_id: object, name: object = None) -> Tactic | None:
    """The tactic for a tree's ``id`` (or, failing that, its ``name``); None if unknown.

    An unknown tactic with a name still gets a shortname and sorts after the known ones, so a
    tactic ATT&CK adds later is kept rather than dropped.
    """
    if isinstance(tactic_id, str) and tactic_id.upper() in _BY_ID:
        return _BY_ID[tactic_id.upper()]
    if isinstance(name, str) and name.strip():
        known = _BY_NAME.get(name.strip().lower())
        if known is not None:
            return known
        fallback_id = tactic_id if isinstance(tactic_id, str) and tactic_id else _shortname(name)
        return Tactic(fallback_id, name.strip(), _shortname(name), len(TACTICS))
    return None


_TECHNIQUE_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")


def is_technique_id(value: object) -> bool:
    """Whether ``value`` looks like ``T1055`` or ``T1055.012``."""
    return isinstance(value, str) and bool(_TECHNIQUE_ID.match(value))


def technique_parent(technique_id: str) -> str:
    """``T1070.004`` -> ``T1070``; a parent technique is its own parent."""
    return technique_id.split(".", 1)[0]


def technique_link(technique_id: str) -> str:
    """The technique's page: sub-technique ids use dots, links use slashes (vt-api.md §3.4)."""
    return "https://attack.mitre.org/techniques/" + technique_id.replace(".", "/") + "/"
