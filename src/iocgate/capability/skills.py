"""Start-up checks of a skill adapter: every skill tool names a real source or an instruction.

A skill tool either points (``from``) at an MCP tool or a REST operation that another adapter
of the same capability exposes, or carries an ``instruction`` file read from its skill's
``location``. Anything else would be a catalogue entry an agent cannot follow, so it is a
start-up error naming the adapters and actions that do exist.
"""

from __future__ import annotations

from collections.abc import Callable

from iocgate.capability.model import CapabilityDocument, ExposesMcp, ExposesRest, ExposesSkill
from iocgate.capability.source import Location

__all__ = ["check_skills", "skill_sources"]

Report = Callable[[Location, str], None]


def skill_sources(document: CapabilityDocument) -> dict[str, tuple[str, frozenset[str]]]:
    """Each REST or MCP adapter's namespace -> its mode (``rest``/``mcp``) and action names."""
    sources: dict[str, tuple[str, frozenset[str]]] = {}
    for adapter in document.capability.exposes:
        if isinstance(adapter, ExposesRest):
            actions = frozenset(
                op.name for res in adapter.resources for op in res.operations if op.name
            )
            sources[adapter.namespace] = ("rest", actions)
        elif isinstance(adapter, ExposesMcp):
            sources[adapter.namespace] = ("mcp", frozenset(t.name for t in adapter.tools))
    return sources


def check_skills(
    document: CapabilityDocument, adapter: ExposesSkill, where: Location, report: Report
) -> None:
    """Report each skill tool whose source is unknown, or that has both or neither kind."""
    sources = skill_sources(document)
    known = ", ".join(sorted(sources)) or "none"
    seen: set[str] = set()
    for s_index, skill in enumerate(adapter.skills):
        s_where: Location = (*where, "skills", s_index)
        if skill.name in seen:
            report((*s_where, "name"), f"skill {skill.name!r} is declared twice")
        seen.add(skill.name)
        for t_index, tool in enumerate(skill.tools):
            t_where: Location = (*s_where, "tools", t_index)
            label = f"skill tool {tool.name!r} of skill {skill.name!r}"
            if (tool.from_ is None) == (tool.instruction is None):
                report(t_where, f"{label} needs exactly one of `from` or `instruction`")
            elif tool.from_ is not None:
                namespace, action = tool.from_.sourceNamespace, tool.from_.action
                if namespace not in sources:
                    report(
                        (*t_where, "from", "sourceNamespace"),
                        f"{label} names namespace {namespace!r}, which no REST or MCP adapter "
                        f"of this capability exposes (known: {known})",
                    )
                elif action not in sources[namespace][1]:
                    mode, actions = sources[namespace]
                    report(
                        (*t_where, "from", "action"),
                        f"{label} names action {action!r}, which the {mode} adapter "
                        f"{namespace!r} does not expose "
                        f"(known: {', '.join(sorted(actions)) or 'none'})",
                    )
            elif skill.location is None:
                report(
                    (*t_where, "instruction"),
                    f"{label} has an `instruction` but skill {skill.name!r} has no `location` "
                    "to read it from: add `location: file:///path/to/skill-dir`",
                )
