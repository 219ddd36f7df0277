"""Sandbox artefacts as MCP resource templates (the VirusTotal plugin's ``mcp_resources``):
listed as ``virustotal://file_behaviours/{sandbox_id}/<kind>``, read through the engine with
the reader's budget, the bytes exactly the upstream's."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.gateway import mcp_resources, open_gateway
from iocgate.settings import Settings, load_settings


def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"demo": True, "cache": "memory", "quota": "unlimited"},
        environ={"XDG_CACHE_HOME": str(tmp_path)},
    )


@pytest.mark.anyio
async def test_a_sandbox_pcap_reads_as_a_resource_with_the_upstreams_bytes(
    tmp_path: Path,
) -> None:
    async with open_gateway(settings(tmp_path)) as gateway:
        assert gateway.demo is not None
        corpus = gateway.demo.state.corpus
        sandbox_id = next(
            s for s in corpus.pick("rich").sandbox_ids if corpus.find_report(s).has_pcap
        )
        options = McpOptions(plugin_resources=tuple(mcp_resources(gateway)))
        async with Client(create_mcp_server(gateway.engine, options)) as client:
            templates = (await client.list_resource_templates()).resource_templates
            uri = f"virustotal://file_behaviours/{quote(sandbox_id)}/pcap"
            read = await client.read_resource(uri)
            with pytest.raises(MCPError, match="sandbox"):
                await client.read_resource("virustotal://file_behaviours/not..an_id/pcap")
        async with httpx.AsyncClient() as http:
            direct = await http.get(
                f"{gateway.demo.url}/file_behaviours/{quote(sandbox_id)}/pcap",
                headers={"x-apikey": gateway.demo.key},
                follow_redirects=True,
            )
    assert {t.uri_template for t in templates} >= {
        f"virustotal://file_behaviours/{{sandbox_id}}/{kind}"
        for kind in ("pcap", "evtx", "memdump", "html")
    }
    blob = base64.b64decode(read.contents[0].blob)  # type: ignore[union-attr]
    assert hashlib.sha256(blob).hexdigest() == hashlib.sha256(direct.content).hexdigest()
    assert len(blob) > 0
