"""Hooks through which an upstream-specific layer (a package that knows one API) plugs in.

A `Plugin` overrides only what it needs; every method has a no-op default, so the generic
runtime runs any capability with no plugin at all (stamina's instrumentation hooks are the model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from iocgate.capability import Capability, Operation
from iocgate.engine.extensions import PluginContext, PluginResource, PluginRoute, PluginTool

__all__ = ["Plugin", "Plugins"]


class Plugin:
    """Base class of a plugin; each hook's default does nothing."""

    name = "plugin"

    def applies_to(self, capability: Capability) -> bool:
        """Whether this plugin knows the capability's upstream (default: never)."""
        return False

    def check_arguments(self, operation: Operation, arguments: Mapping[str, object]) -> None:
        """Raise `InvalidArgumentError` for arguments the upstream must never see."""

    def argument_schema(self, operation: Operation, name: str) -> dict[str, Any]:
        """Extra JSON Schema keywords for an argument (pattern, enum, bounds)."""
        return {}

    def shape_for_context(
        self, operation: Operation, data: Any, *, budget_bytes: int, section: str | None
    ) -> Any:
        """Reorder or condense a JSON answer for an LLM's context; default: unchanged."""
        return data

    def summarize_artefact(
        self, operation: Operation, content_type: str, head: bytes
    ) -> dict[str, Any]:
        """A short digest of an artefact's content for an agent (from its first bytes)."""
        return {}

    def describe_source(self, operation: Operation) -> str | None:
        """Where this operation's strings come from, for the untrusted-data notice (a noun
        phrase naming the upstream and what writes its data); None leaves the generic wording."""
        return None

    def advice(self, operation: Operation, code: str) -> str | None:
        """What an agent should do about the upstream error ``code`` on ``operation``, in this
        upstream's terms (None: the adapter's generic hint)."""
        return None

    def instructions(self) -> str | None:
        """A paragraph for the MCP server's instructions about this upstream's tools."""
        return None

    def user_agent(self, agent: str) -> str:
        """The ``User-Agent`` to send upstream, given the one so far (default: unchanged)."""
        return agent

    def quota_presets(self) -> Mapping[str, str]:
        """Named budgets for ``--quota`` (name -> terms such as ``4/min,500/day``): the
        upstream's documented allowances."""
        return {}

    def rest_routes(self, context: PluginContext) -> Sequence[PluginRoute]:
        """REST routes served beside the capability's (the adapter renders their answers)."""
        return ()

    def mcp_tools(self, context: PluginContext) -> Sequence[PluginTool]:
        """MCP tools listed after the spec's tools."""
        return ()

    def mcp_resources(self, context: PluginContext) -> Sequence[PluginResource]:
        """MCP resource templates listed after the capability's resources."""
        return ()


class Plugins:
    """The plugins that apply to one capability, called in order."""

    def __init__(self, plugins: Sequence[Plugin] = ()) -> None:
        self.plugins = tuple(plugins)

    def for_capability(self, capability: Capability) -> Plugins:
        return Plugins([p for p in self.plugins if p.applies_to(capability)])

    def advice(self, operation: Operation, code: str) -> str | None:
        for plugin in self.plugins:
            said = plugin.advice(operation, code)
            if said:
                return said
        return None

    def instructions(self) -> list[str]:
        return [text for plugin in self.plugins if (text := plugin.instructions())]

    def user_agent(self, agent: str) -> str:
        for plugin in self.plugins:
            agent = plugin.user_agent(agent)
        return agent

    def quota_presets(self) -> dict[str, str]:
        presets: dict[str, str] = {}
        for plugin in self.plugins:
            presets |= plugin.quota_presets()
        return presets

    def rest_routes(self, context: PluginContext) -> list[PluginRoute]:
        return [route for plugin in self.plugins for route in plugin.rest_routes(context)]

    def mcp_tools(self, context: PluginContext) -> list[PluginTool]:
        return [tool for plugin in self.plugins for tool in plugin.mcp_tools(context)]

    def mcp_resources(self, context: PluginContext) -> list[PluginResource]:
        return [found for plugin in self.plugins for found in plugin.mcp_resources(context)]

    def check_arguments(self, operation: Operation, arguments: Mapping[str, object]) -> None:
        for plugin in self.plugins:
            plugin.check_arguments(operation, arguments)

    def argument_schema(self, operation: Operation, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = {}
        for plugin in self.plugins:
            schema |= plugin.argument_schema(operation, name)
        return schema

    def shape_for_context(
        self, operation: Operation, data: Any, *, budget_bytes: int, section: str | None
    ) -> Any:
        for plugin in self.plugins:
            data = plugin.shape_for_context(
                operation, data, budget_bytes=budget_bytes, section=section
            )
        return data

    def summarize_artefact(
        self, operation: Operation, content_type: str, head: bytes
    ) -> dict[str, Any]:
        summary: dict[str, Any] = {}
        for plugin in self.plugins:
            summary |= plugin.summarize_artefact(operation, content_type, head)
        return summary

    def describe_source(self, operation: Operation) -> str | None:
        for plugin in self.plugins:
            source = plugin.describe_source(operation)
            if source:
                return source
        return None
