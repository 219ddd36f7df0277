"""Artefact bytes over MCP resources on both transports, as a real client gets them:
``iocgate stdio`` in demo mode (no REST port: the resource is the only way to the bytes) and
``iocgate serve`` over HTTP with tokens (the read charges the caller's own budget)."""

from __future__ import annotations

import base64
import hashlib
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import httpx2
import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from iocgate.sim import DEMO_PRIVILEGED_KEY, build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]
PCAP = "get-pcap-file-generated-during"
SUMMARY = "get-summary-all-behavior-reports"
CORPUS = build_corpus(1, 30)  # what demo mode and `iocgate sim` serve by default
RICH = CORPUS.pick("rich")
REPORT = next(r for r in RICH.reports if "pcap" in r.artefacts)


def _sha256_of(contents: types.TextResourceContents | types.BlobResourceContents) -> str:
    assert isinstance(contents, types.BlobResourceContents)
    return hashlib.sha256(base64.b64decode(contents.blob)).hexdigest()


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_under_iocgate_stdio_the_pcap_link_reads_the_bytes_of_the_digest(
    tmp_path: Path, mode: str
) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "iocgate", "stdio"],  # no key: demo mode, the built-in simulator
        env=clean_env(tmp_path),
        cwd=ROOT,
    )
    async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
        assert client.server_capabilities.resources is not None
        result = await client.call_tool(PCAP, {"sandbox_id": REPORT.id})
        links = [b for b in result.content if isinstance(b, types.ResourceLink)]
        read = await client.read_resource(links[0].uri)
        with pytest.raises(MCPError, match="no readable tool named 'forged'"):
            await client.read_resource("iocgate://artefact/forged?sandbox_id=x")
    artefact = result.structured_content["artefact"]
    assert not result.is_error
    assert artefact["url"] is None  # no REST port under stdio
    assert [link.uri for link in links] == [artefact["resource"]]
    assert "resources/read" in artefact["bytes"]
    assert _sha256_of(read.contents[0]) == artefact["sha256"]
    assert read.contents[0].mime_type == artefact["content_type"]


@asynccontextmanager
async def _client(url: str, token: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    async with http, Client(streamable_http_client(url, http_client=http), mode="legacy") as c:
        yield c


@pytest.mark.slow
async def test_over_http_a_read_charges_the_callers_budget_and_both_links_serve_the_bytes(
    tmp_path: Path,
) -> None:
    config = tmp_path / "iocgate.toml"
    config.write_text('[auth]\nclient_quota = "1/min"\n[quota]\nwait = 0\n')
    tokens = ["token-a", "token-b", "token-c", "token-d"]
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY,
                    IOCGATE_TOKENS=",".join(tokens))  # fmt: skip
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        args = [
            "serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--quota", "1000/min", "--cache", "off", "--config", str(config),
        ]  # fmt: skip
        with running(args, env):
            wait_http(f"http://127.0.0.1:{rest}/healthz")
            url = f"http://127.0.0.1:{mcp}/mcp"
            async with _client(url, "token-a") as a:  # A spends its one call on the tool
                result = await a.call_tool(PCAP, {"sandbox_id": REPORT.id})
            rest_link, resource_link = (
                b for b in result.content if isinstance(b, types.ResourceLink)
            )
            async with _client(url, "token-b") as b:  # B spends its one call on the read
                read = await b.read_resource(resource_link.uri)
                spent = await b.call_tool(SUMMARY, {"id": RICH.sha256})
            async with _client(url, "token-c") as c:  # C, untouched, still has its own
                fresh = await c.call_tool(SUMMARY, {"id": RICH.sha256})
            served = httpx.get(rest_link.uri, headers={"Authorization": "Bearer token-d"})
    artefact = result.structured_content["artefact"]
    assert rest_link.uri == artefact["url"]
    assert resource_link.uri == artefact["resource"]
    assert _sha256_of(read.contents[0]) == artefact["sha256"]
    assert spent.is_error
    assert spent.structured_content["error"]["code"] == "QuotaExceededError"
    assert not fresh.is_error
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == artefact["sha256"]
