"""Sandbox artefacts as MCP resource templates: ``virustotal://file_behaviours/{sandbox_id}/pcap``.

An agent (or its host) that prefers resources to tools reads a sandbox's pcap, evtx, memdump or
HTML report by URI. Each read is the capability's own artefact operation run through the engine
with the reader's caller: the same argument checks, cache, quota and per-client budget as the
artefact tools. The MCP adapter bounds the bytes and returns them as a blob.
"""

from __future__ import annotations

from collections.abc import Mapping

from iocgate.capability import Operation
from iocgate.engine import Caller, Engine, PluginResource, ResourceHandler, Result
from iocgate.errors import NotFoundError

__all__ = ["SCHEME", "artefact_resources"]

SCHEME = "virustotal"

#: (the operation's last path segment, what it holds).
_ARTEFACTS = (
    ("pcap", "the network traffic the sandbox captured (pcap)"),
    ("evtx", "the Windows event logs of the run (evtx, usually zipped)"),
    ("memdump", "the memory dump of the run"),
    ("html", "the sandbox's own HTML report (untrusted HTML: do not render it)"),
)


def _reader(engine: Engine, operation: Operation) -> ResourceHandler:
    async def read(arguments: Mapping[str, str], caller: Caller) -> Result:
        sandbox_id = arguments.get("sandbox_id")
        if not sandbox_id:
            raise NotFoundError("the URI names no sandbox report id")
        return await engine.invoke(operation, {"sandbox_id": sandbox_id}, caller=caller)

    return read


def artefact_resources(engine: Engine, plugin: object) -> list[PluginResource]:
    """One template per artefact operation of the capabilities ``plugin`` serves."""
    found: list[PluginResource] = []
    for kind, holds in _ARTEFACTS:
        path = f"/file_behaviours/{{sandbox_id}}/{kind}"
        operations = [
            loaded.capability.operations[name]
            for loaded in engine.capabilities
            if any(p is plugin for p in loaded.plugins.plugins)
            for name, operation in loaded.capability.operations.items()
            if operation.path == path and operation.method == "GET"
        ]
        if not operations:
            continue
        found.append(
            PluginResource(
                uri_template=f"{SCHEME}://file_behaviours/{{sandbox_id}}/{kind}",
                name=f"sandbox-{kind}",
                title=f"Sandbox {kind}",
                description=f"One sandbox report's {holds}; sandbox_id is <sha256>_<sandbox>.",
                handler=_reader(engine, operations[0]),
            )
        )
    return found
