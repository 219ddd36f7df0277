"""One ordered severity scale for the four vocabularies VirusTotal uses in different places.

VirusTotal spells severity differently by place (vt-api.md §4): ``IMPACT_SEVERITY_HIGH`` in
``signature_matches`` and ``mitre_attack_techniques``; ``HIGH`` in the summary's
``attack_techniques`` and in the MITRE trees (which add ``UNKNOWN``); lowercase ``high`` in
``ids_alerts``; and Sigma's ``critical|high|medium|low``. They all map onto `Severity`: the
investigation (`normalise_severity`) and the reports shaped for an LLM (`severity_rank`, which
orders items most severe first) read them through this one scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

__all__ = ["NO_SEVERITY_RANK", "Severity", "highest", "normalise_severity", "severity_rank"]


class Severity(IntEnum):
    """Ordered: a larger value is more severe; ``UNKNOWN`` is below every stated level."""

    UNKNOWN = 0
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    @property
    def label(self) -> str:
        """The lowercase name used in every export (``"high"``)."""
        return self.name.lower()

    @property
    def score(self) -> int:
        """0-100, the ATT&CK Navigator score of a technique at this severity."""
        return _SCORES[self]

    @property
    def color(self) -> str:
        """The colour of this severity in the Navigator layer and the HTML heat map."""
        return _COLORS[self]


_SCORES = {
    Severity.UNKNOWN: 10,
    Severity.INFO: 20,
    Severity.LOW: 40,
    Severity.MEDIUM: 60,
    Severity.HIGH: 80,
    Severity.CRITICAL: 100,
}

# A sequential scale (light to dark red) readable by colour-blind analysts; UNKNOWN is grey.
_COLORS = {
    Severity.UNKNOWN: "#d9d9d9",
    Severity.INFO: "#c6dbef",
    Severity.LOW: "#fee391",
    Severity.MEDIUM: "#fdae6b",
    Severity.HIGH: "#f16913",
    Severity.CRITICAL: "#a50f15",
}

_ALIASES = {
    "informational": Severity.INFO,
    "information": Severity.INFO,
    "none": Severity.UNKNOWN,
    "unknown_severity": Severity.UNKNOWN,
}


def normalise_severity(value: object) -> Severity:
    """Any of VirusTotal's severity spellings (or a Navigator label) as a `Severity`.

    Unrecognised values are `Severity.UNKNOWN`, never an error: sandboxes add new words.
    """
    if not isinstance(value, str):
        return Severity.UNKNOWN
    word = value.strip().lower()
    word = word.removeprefix("impact_severity_")
    if word in _ALIASES:
        return _ALIASES[word]
    try:
        return Severity[word.upper()]
    except KeyError:
        return Severity.UNKNOWN


def highest(values: Iterable[Severity]) -> Severity:
    """The most severe of ``values`` (`Severity.UNKNOWN` when there are none)."""
    return max(values, default=Severity.UNKNOWN)


#: The rank of an item with no severity at all (not even a word): after every stated one.
NO_SEVERITY_RANK = Severity.CRITICAL + 1


def severity_rank(value: object) -> int:
    """A sort key, most severe first: 0 for critical to 5 for unknown words, and
    `NO_SEVERITY_RANK` (6) when ``value`` is not a word at all."""
    if not isinstance(value, str):
        return NO_SEVERITY_RANK
    return Severity.CRITICAL - normalise_severity(value)
