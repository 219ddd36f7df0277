"""Sandbox artefacts (pcap, evtx, memdump, html) and the responses that serve them."""

from __future__ import annotations

from functools import lru_cache

from starlette.responses import Response, StreamingResponse

from iocgate.sim.artefacts.evtx import CONTENT_TYPE as EVTX_TYPE
from iocgate.sim.artefacts.evtx import build_evtx_zip
from iocgate.sim.artefacts.html_report import CONTENT_TYPE as HTML_TYPE
from iocgate.sim.artefacts.html_report import build_html_report
from iocgate.sim.artefacts.memdump import CONTENT_TYPE as MEMDUMP_TYPE
from iocgate.sim.artefacts.memdump import memdump_chunks
from iocgate.sim.artefacts.pcap import CONTENT_TYPE as PCAP_TYPE
from iocgate.sim.artefacts.pcap import build_pcap
from iocgate.sim.corpus import SandboxReport

__all__ = ["artefact_bytes", "artefact_response", "memory_strings"]

_EXTENSIONS = {"pcap": "pcap", "evtx": "zip", "memdump": "bin", "html": "html"}
_TYPES = {"pcap": PCAP_TYPE, "evtx": EVTX_TYPE, "memdump": MEMDUMP_TYPE, "html": HTML_TYPE}


def memory_strings(attributes: dict[str, object]) -> list[str]:
    """What a memory dump of the run holds in readable form: URLs, domains, commands, mutexes."""
    names = (
        "memory_pattern_urls",
        "memory_pattern_domains",
        "command_executions",
        "mutexes_created",
    )
    found: list[str] = []
    for name in names:
        values = attributes.get(name)
        if isinstance(values, list):
            found += [value for value in values[:8] if isinstance(value, str) and len(value) >= 8]
    return found


def artefact_bytes(report: SandboxReport, name: str) -> bytes:
    """The bytes of a small artefact (pcap, evtx, html); memdump is only ever streamed."""
    return _cached(report, name)


@lru_cache(maxsize=64)
def _cached(report: SandboxReport, name: str) -> bytes:
    attributes = report.attributes
    start = int(attributes.get("analysis_date", 0))
    if name == "pcap":
        return build_pcap(attributes, seed=report.id, start=start)
    if name == "evtx":
        return build_evtx_zip(
            report.id, date_time=(2024, 1, 1, 0, 0, 0), attributes=attributes, start=start
        )
    if name == "html":
        return build_html_report(report.id, attributes)
    raise ValueError(f"{name} is streamed, not built")


def artefact_response(
    report: SandboxReport, name: str, *, memdump_size: int, head: bool = False
) -> Response:
    """A download response with Content-Type, Content-Length and Content-Disposition."""
    headers = {
        "Content-Disposition": f'attachment; filename="{report.id}.{_EXTENSIONS[name]}"',
    }
    if name == "memdump":
        headers["Content-Length"] = str(memdump_size)
        if head:
            return Response(b"", headers=headers, media_type=MEMDUMP_TYPE)
        return StreamingResponse(
            memdump_chunks(report.id, memdump_size, memory_strings(report.attributes)),
            headers=headers,
            media_type=MEMDUMP_TYPE,
        )
    return Response(artefact_bytes(report, name), headers=headers, media_type=_TYPES[name])
