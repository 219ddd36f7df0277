"""The skill catalogue as JSON: the list, one skill's detail, and the summary for MCP."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iocgate.capability import Capability, skill_sources
from iocgate.capability.model import ExposedSkill, ExposesSkill

__all__ = ["catalog", "detail", "skill_adapters", "skill_groups"]

#: Fields of a skill (the Agent Skills frontmatter) passed through as written when present.
_PASSED = ("license", "compatibility", "argument-hint", "allowed-tools", "user-invocable",
           "disable-model-invocation")  # fmt: skip


def skill_adapters(capability: Capability) -> list[ExposesSkill]:
    """The capability's ``type: skill`` adapters, in file order."""
    return [a for a in capability.document.capability.exposes if isinstance(a, ExposesSkill)]


def _extras(skill: ExposedSkill) -> dict[str, Any]:
    fields = {**(skill.model_extra or {}), **skill.model_dump(include={"license", "compatibility"})}
    return {name: fields[name] for name in _PASSED if fields.get(name) is not None}


def catalog(adapter: ExposesSkill) -> dict[str, Any]:
    """``GET /skills``: each skill's name, description and tool names."""
    skills = [
        {
            "name": skill.name,
            "description": skill.description,
            **({"license": skill.license} if skill.license else {}),
            "tools": [tool.name for tool in skill.tools],
        }
        for skill in adapter.skills
    ]
    return {"count": len(skills), "skills": skills}


def detail(capability: Capability, skill: ExposedSkill) -> dict[str, Any]:
    """``GET /skills/{name}``: the skill; each tool's source (adapter, action) or instruction."""
    modes = {namespace: mode for namespace, (mode, _) in skill_sources(capability.document).items()}
    tools: list[dict[str, Any]] = []
    for tool in skill.tools:
        entry: dict[str, Any] = {"name": tool.name, "description": tool.description}
        if tool.from_ is not None:
            namespace = tool.from_.sourceNamespace
            entry["type"] = "derived"
            entry["invocationRef"] = {
                "targetNamespace": namespace,
                "action": tool.from_.action,
                "mode": modes.get(namespace, "unknown"),
            }
        elif tool.instruction is not None:
            entry["type"] = "instruction"
            entry["instruction"] = tool.instruction
        tools.append(entry)
    answer: dict[str, Any] = {"name": skill.name, "description": skill.description}
    answer.update(_extras(skill))
    if skill.metadata:
        answer["metadata"] = dict(skill.metadata)
    answer["tools"] = tools
    return answer


def skill_groups(capabilities: Iterable[Capability]) -> str:
    """The skill groups as lines for the MCP server's instructions ('' when there are none)."""
    lines: list[str] = []
    for capability in capabilities:
        for adapter in skill_adapters(capability):
            for skill in adapter.skills:
                names = [
                    t.from_.action if t.from_ else f"{t.name} (instruction)" for t in skill.tools
                ]
                tools = f" Tools: {', '.join(names)}." if names else ""
                lines.append(f"- {skill.name}: {skill.description or 'no description'}.{tools}")
    if not lines:
        return ""
    return "Tools are grouped into skills (a skill names the tools for one task):\n" + "\n".join(
        lines
    )
