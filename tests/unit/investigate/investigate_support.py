"""Helpers for the investigation tests: engines on the simulator (in-process), expectations.

The engine reaches the simulator through `httpx.ASGITransport` (no sockets), as unit tests do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from iocgate.capability import Capability, load_capability, resolve_binds
from iocgate.engine import Engine, LoadedCapability, Plugins, RetryPolicy, UpstreamClient
from iocgate.engine.quota import Quota
from iocgate.engine.stores import Cache
from iocgate.sim import DEMO_PRIVILEGED_KEY, SimFile
from iocgate.virustotal import DEFAULT_CAPABILITY, FILES_CAPABILITY, VirusTotalPlugin

SIM_BASE = "http://sim.test/api/v3"


def sim_engine(
    app: Any,
    *,
    capability: Capability | None = None,
    cache: Cache | None = None,
    quota: Quota | None = None,
    base: str = SIM_BASE,
    with_files: bool = True,
) -> Engine:
    """An engine on the embedded capabilities (or ``capability``) whose upstream is ``app``.

    ``with_files=False`` leaves out the companion capability (file object, re-analysis)."""
    capabilities = [capability or load_capability(DEFAULT_CAPABILITY)]
    if with_files:
        capabilities.append(load_capability(FILES_CAPABILITY))
    loaded = [
        LoadedCapability(
            capability=item,
            binds=resolve_binds(
                item.binds,
                capability_file=item.name,
                environ={"VIRUSTOTAL_API_KEY": DEMO_PRIVILEGED_KEY},
            ),
            plugins=Plugins([VirusTotalPlugin()]),
            base_uri=base,
        )
        for item in capabilities
    ]
    extra: dict[str, Any] = {}
    if cache is not None:
        extra["cache"] = cache
    if quota is not None:
        extra["quota"] = quota
    return Engine(
        loaded,
        upstream=UpstreamClient(transport=httpx.ASGITransport(app=app)),
        retry=RetryPolicy.disabled(),
        **extra,
    )


def unpaged_capability(tmp_path: Path) -> Capability:
    """The embedded capability without ``limit`` and ``cursor`` on the behaviours operation,
    as the seed file declares it (the embedded one adds both, #22)."""
    text = DEFAULT_CAPABILITY.read_text(encoding="utf-8")
    declared = re.search(
        r"(      - name: getAllBehaviorReportsForAFile\n(?:.*\n)*?)"
        r"(        - name: limit\n(?:.*\n){4}        - name: cursor\n(?:.*\n){4})",
        text,
    )
    assert declared is not None, "the behaviours operation no longer declares limit and cursor"
    patched = text[: declared.start(2)] + text[declared.end(2) :]
    # ... and the `with` maps of its REST route and MCP tool pass them no more.
    patched = re.sub(
        r"(getAllBehaviorReportsForAFile\n(?:.*\n)*? +id: (?:rest|tools)\.id\n)"
        r" +limit: \w+\.limit\n +cursor: \w+\.cursor\n",
        r"\1",
        patched,
    )
    path = tmp_path / "unpaged-capability.yaml"
    path.write_text(patched, encoding="utf-8")
    return load_capability(path)


def attribute_union(sim_file: SimFile, name: str) -> list[Any]:
    """Every item of attribute ``name`` over the file's reports, in report order."""
    return [item for report in sim_file.reports for item in report.attributes.get(name, [])]


def technique_ids(sim_file: SimFile) -> set[str]:
    """The ATT&CK technique ids the simulator put in the file's reports."""
    return {entry["id"] for entry in attribute_union(sim_file, "mitre_attack_techniques")}


def sandboxes_with(sim_file: SimFile, technique_id: str) -> set[str]:
    """The sandboxes whose reports list ``technique_id``."""
    return {
        report.sandbox_name
        for report in sim_file.reports
        if any(
            e["id"] == technique_id for e in report.attributes.get("mitre_attack_techniques", [])
        )
    }


def hostnames(sim_file: SimFile) -> set[str]:
    """Every hostname the sandboxes looked up."""
    return {lookup["hostname"] for lookup in attribute_union(sim_file, "dns_lookups")}


def values(items: Iterable[Any], key: str = "value") -> list[Any]:
    return [getattr(item, key) for item in items]
