"""Everything specific to VirusTotal; it plugs into the generic runtime through engine hooks."""

from pathlib import Path

from iocgate.virustotal.ids import BEHAVIOUR_RELATIONSHIPS
from iocgate.virustotal.plugin import VirusTotalPlugin

__all__ = ["BEHAVIOUR_RELATIONSHIPS", "DEFAULT_CAPABILITY", "VirusTotalPlugin"]

#: The embedded default capability: the ten file-behaviour operations (the seed).
DEFAULT_CAPABILITY = (
    Path(__file__).parent
    / "capabilities"
    / "ioc-investigation-ioc-investigation-files-behaviours.yaml"
)
