"""Everything specific to VirusTotal; it plugs into the generic runtime through engine hooks."""

from pathlib import Path

from iocgate.engine import Plugin
from iocgate.virustotal.ids import BEHAVIOUR_RELATIONSHIPS
from iocgate.virustotal.plugin import VirusTotalPlugin

__all__ = [
    "BEHAVIOUR_RELATIONSHIPS",
    "DEFAULT_CAPABILITIES",
    "DEFAULT_CAPABILITY",
    "DEFAULT_PLUGINS",
    "FILES_CAPABILITY",
    "VirusTotalPlugin",
]

#: The embedded default capability: the ten file-behaviour operations (the seed).
DEFAULT_CAPABILITY = (
    Path(__file__).parent
    / "capabilities"
    / "ioc-investigation-ioc-investigation-files-behaviours.yaml"
)

#: iocgate's own companion capability: the file object and the re-analysis request (#22).
FILES_CAPABILITY = Path(__file__).parent / "capabilities" / "ioc-investigation-files.yaml"

#: What `serve`, `stdio` and `call` load when given no capability file.
DEFAULT_CAPABILITIES = (DEFAULT_CAPABILITY, FILES_CAPABILITY)

#: The built-in plugins (the way datasette lists its DEFAULT_PLUGINS): the composition root
#: offers each loaded capability the ones whose `applies_to` says so.
DEFAULT_PLUGINS: tuple[Plugin, ...] = (VirusTotalPlugin(),)
