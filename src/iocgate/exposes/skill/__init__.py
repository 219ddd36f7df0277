"""The skill adapter: a capability's skill groups as a catalogue agents discover (``/skills``).

``create_skill_app(capability, adapter)`` serves one ``type: skill`` adapter; ``skill_groups``
summarises every skill group for the MCP server's instructions.
"""

from iocgate.exposes.skill.app import create_skill_app
from iocgate.exposes.skill.catalog import skill_groups

__all__ = ["create_skill_app", "skill_groups"]
