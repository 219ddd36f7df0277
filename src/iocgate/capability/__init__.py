"""The capability: a Naftiko/Ikanos file of any spec version as typed, checked models.

No I/O but the file (and the files it imports) and the environment.
"""

from iocgate.capability.binds import BindValues, resolve_binds
from iocgate.capability.dialect import SUPPORTED_VERSIONS
from iocgate.capability.family import find_conflicts
from iocgate.capability.lint import Warning_, lint_capability
from iocgate.capability.load import check_capability, load_capability, load_capability_text
from iocgate.capability.locations import location_path
from iocgate.capability.model import CapabilityDocument, Hints, OutputParameter, RequestBody
from iocgate.capability.skills import skill_sources
from iocgate.capability.source import Source, read_file, read_source
from iocgate.capability.spec import (
    Capability,
    ExposedCall,
    McpAdapter,
    Operation,
    Parameter,
    ResourceSpec,
    RestAdapter,
    RestRoute,
    ToolSpec,
)
from iocgate.capability.templates import encode_path_segment, render_path, render_text

__all__ = [
    "SUPPORTED_VERSIONS",
    "BindValues",
    "Capability",
    "CapabilityDocument",
    "ExposedCall",
    "Hints",
    "McpAdapter",
    "Operation",
    "OutputParameter",
    "Parameter",
    "RequestBody",
    "ResourceSpec",
    "RestAdapter",
    "RestRoute",
    "Source",
    "ToolSpec",
    "Warning_",
    "check_capability",
    "encode_path_segment",
    "find_conflicts",
    "lint_capability",
    "load_capability",
    "load_capability_text",
    "location_path",
    "read_file",
    "read_source",
    "render_path",
    "render_text",
    "resolve_binds",
    "skill_sources",
]
