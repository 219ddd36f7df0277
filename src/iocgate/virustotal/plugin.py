"""The VirusTotal plugin: what the generic runtime needs to know about this one upstream."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from iocgate.capability import Capability, Operation
from iocgate.engine import Plugin, PluginContext, PluginRoute, PluginTool
from iocgate.virustotal import artefacts, shaping
from iocgate.virustotal.ids import BEHAVIOUR_RELATIONSHIPS, check_arguments, schema_for

__all__ = ["QUOTA_PRESETS", "VirusTotalPlugin"]

VT_HOSTS = ("virustotal.com",)

#: ``--quota public``: VirusTotal's documented public-key allowance; the monthly figure shown
#: on key pages is unverified (vt-api.md §7), so it is left unset unless given.
QUOTA_PRESETS: Mapping[str, str] = MappingProxyType({"public": "4/min,500/day"})


_ADVICE: Mapping[str, str] = MappingProxyType(
    {
        "QuotaExceededError": "Wait a minute before retrying; daily quotas reset at 00:00 UTC.",
        "TooManyRequestsError": "Wait a minute before retrying; daily quotas reset at 00:00 UTC.",
        "ForbiddenError": (
            "The API key may not use this operation: some (e.g. sandbox pcap, evtx and memdump "
            "downloads) need a privileged key."
        ),
        "NotFoundError": (
            "Check the identifier you passed (e.g. the file hash or the sandbox report id); "
            "VirusTotal may also have no data for it yet (no sandbox report, or no such artefact)."
        ),
    }
)


class VirusTotalPlugin(Plugin):
    """Strict identifiers, argument schemas, context shaping and artefact digests for VT."""

    name = "virustotal"

    def __init__(self, relationships: tuple[str, ...] = BEHAVIOUR_RELATIONSHIPS) -> None:
        self.relationships = relationships

    def applies_to(self, capability: Capability) -> bool:
        return any(
            (urlsplit(c.baseUri).hostname or "").endswith(VT_HOSTS)
            for c in capability.document.capability.consumes
        )

    def check_arguments(self, operation: Operation, arguments: Mapping[str, object]) -> None:
        check_arguments(operation.path, arguments, self.relationships)

    def argument_schema(self, operation: Operation, name: str) -> dict[str, Any]:
        return schema_for(operation.path, name, self.relationships)

    def shape_for_context(
        self, operation: Operation, data: Any, *, budget_bytes: int, section: str | None
    ) -> Any:
        """Most severe first; for an overview also the valuable attributes first (shaping.py)."""
        return shaping.shape_for_context(operation.path, data, section=section)

    def summarize_artefact(
        self, operation: Operation, content_type: str, head: bytes
    ) -> dict[str, Any]:
        """HTML text, pcap names and flows, or the files in a zip (artefacts.py)."""
        return artefacts.summarize_artefact(operation.path, content_type, head)

    def describe_source(self, operation: Operation) -> str | None:
        """Sandbox output is written by the analysed file itself: say so (vt-api.md)."""
        return (
            "VirusTotal: sandbox output among them, which the analysed file itself may have written"
        )

    def quota_presets(self) -> Mapping[str, str]:
        return QUOTA_PRESETS

    def user_agent(self, agent: str) -> str:
        """VirusTotal's front end compresses only for user agents that mention gzip (vt-api.md
        §2): without it, every JSON answer would come uncompressed."""
        return agent if "gzip" in agent else f"{agent} (gzip)"

    def advice(self, operation: Operation, code: str) -> str | None:
        """VirusTotal's quota days, privileged artefacts and reports not there yet (vt-api.md)."""
        return _ADVICE.get(code)

    def instructions(self) -> str | None:
        return (
            "For a file hash, start with investigate-file: one brief with the verdict, "
            "techniques, indicators and next steps. Sandbox ids (`<sha256>_<Sandbox Name>`) "
            "come from get-all-behavior-reports-file; the VirusTotal sandbox artefacts (pcap, "
            "evtx, memdump, html) take one and answer a digest whose bytes resources/read returns."
        )

    def rest_routes(self, context: PluginContext) -> Sequence[PluginRoute]:
        """The investigation's ``/x/investigate/...`` routes and the console at ``/``."""
        from iocgate.virustotal.console import console_routes
        from iocgate.virustotal.routes import investigation_routes

        return (
            *investigation_routes(context.engine),
            *console_routes(context.demo_samples, auth_required=context.auth_required),
        )

    def mcp_tools(self, context: PluginContext) -> Sequence[PluginTool]:
        """The one-step ``investigate-file`` tool."""
        from iocgate.virustotal.mcp_tool import investigate_tool

        return (investigate_tool(context.engine, budget_bytes=context.budget_bytes),)
