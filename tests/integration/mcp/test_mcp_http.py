"""MCP over streamable HTTP on a real port: SDK clients in both eras, raw JSON-RPC, host checks."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from iocgate.exposes.mcp import McpOptions
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.sim import DEMO_PRIVILEGED_KEY
from tests.support.mcp_harness import (
    build_engine,
    mcp_http_app,
    run_app,
    text_of,
    validate_structured,
    with_engine,
)
from tests.support.sim_fixtures import SimServer

HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")


def _rpc(method: str, params: dict[str, Any] | None = None, ident: int = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        message["params"] = params
    return message


def _initialize(version: str) -> dict[str, Any]:
    return _rpc(
        "initialize",
        {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"},
        },
    )


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_sdk_client_lists_and_calls_tools_over_http(
    mcp_url: str, sim_server: SimServer, mode: str
) -> None:
    sha256 = sim_server.corpus.pick("rich").sha256
    async with Client(mcp_url, mode=mode) as client:  # type: ignore[arg-type]
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        result = await client.call_tool("get-summary-all-mitre-att", {"id": sha256})
        bad = await client.call_tool("get-summary-all-mitre-att", {"id": "nope"})
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("no-such-tool", {})
        negotiated = client.protocol_version
    assert len(tools) == 10
    assert not result.is_error
    validate_structured(tools["get-summary-all-mitre-att"], result)
    assert result.meta is not None
    assert result.meta["iocgate/cache"] in ("MISS", "HIT", "BYPASS")
    assert bad.is_error
    assert "argument 'id'" in text_of(bad)
    assert unknown.value.code == types.INVALID_PARAMS
    assert negotiated == ("2025-11-25" if mode == "legacy" else "2026-07-28")


@pytest.mark.parametrize("version", HANDSHAKE_VERSIONS)
def test_every_handshake_protocol_version_is_accepted_with_a_plain_json_answer(
    mcp_url: str, version: str
) -> None:
    response = httpx.post(mcp_url, headers=HEADERS, json=_initialize(version))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "mcp-session-id" not in response.headers  # stateless
    result = response.json()["result"]
    assert result["protocolVersion"] == version
    assert set(result["capabilities"]) == {"tools", "resources"}  # resources: tool answers
    assert result["serverInfo"]["name"] == "iocgate"


def test_a_stateless_tools_list_needs_no_session(mcp_url: str) -> None:
    response = httpx.post(
        mcp_url,
        headers=HEADERS | {"MCP-Protocol-Version": "2025-06-18"},
        json=_rpc("tools/list"),
    )
    assert response.status_code == 200
    assert len(response.json()["result"]["tools"]) == 10


def test_the_root_path_of_the_mcp_port_is_the_same_endpoint(mcp_origin: str) -> None:
    response = httpx.post(
        f"{mcp_origin}/",
        headers=HEADERS | {"MCP-Protocol-Version": "2025-06-18"},
        json=_rpc("tools/list"),
    )
    assert response.status_code == 200
    assert len(response.json()["result"]["tools"]) == 10


@pytest.mark.parametrize("path", ["/mcp", "/"])
@pytest.mark.parametrize("accept", [None, "text/event-stream"])
def test_get_is_405_since_a_stateless_json_server_has_no_stream(
    mcp_origin: str, path: str, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    # A short read timeout: before #17 a GET without Accept opened a stream that never ended.
    response = httpx.get(f"{mcp_origin}{path}", headers=headers, timeout=5.0)
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    assert "POST" in response.json()["error"]["message"]


def test_a_request_with_a_foreign_host_header_is_refused_with_421(mcp_url: str) -> None:
    response = httpx.post(
        mcp_url, headers=HEADERS | {"Host": "evil.example"}, json=_initialize("2025-11-25")
    )
    assert response.status_code == 421


def test_a_request_from_a_foreign_web_origin_is_refused(mcp_url: str) -> None:
    response = httpx.post(
        mcp_url,
        headers=HEADERS | {"Origin": "http://evil.example"},
        json=_initialize("2025-11-25"),
    )
    assert response.status_code == 403


def test_a_request_from_a_loopback_origin_is_served(mcp_url: str) -> None:
    response = httpx.post(
        mcp_url,
        headers=HEADERS | {"Origin": "http://localhost:3000"},
        json=_initialize("2025-11-25"),
    )
    assert response.status_code == 200


def test_healthz_answers_ok(mcp_origin: str) -> None:
    response = httpx.get(f"{mcp_origin}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "x-iocgate-demo" not in response.headers


def test_demo_mode_marks_every_response(sim_server: SimServer) -> None:
    options = McpOptions(demo=True)
    with run_app(mcp_http_app(sim_server.url, DEMO_PRIVILEGED_KEY, options)) as origin:
        mcp = httpx.post(f"{origin}/mcp", headers=HEADERS, json=_initialize("2025-11-25"))
        refused = httpx.post(f"{origin}/mcp", headers=HEADERS | {"Host": "evil.example"}, json={})
        health = httpx.get(f"{origin}/healthz")
    assert mcp.headers["x-iocgate-demo"] == "true"
    assert refused.headers["x-iocgate-demo"] == "true"
    assert health.headers["x-iocgate-demo"] == "true"


@pytest.mark.anyio
async def test_an_artefact_link_serves_bytes_with_the_stated_sha256_and_size(
    sim_server: SimServer,
) -> None:
    corpus = sim_server.corpus
    sandbox_id = next(
        s
        for s in corpus.pick("rich").sandbox_ids
        if (report := corpus.find_report(s)) is not None and report.has_pcap
    )
    rest_engine = build_engine(sim_server.url, DEMO_PRIVILEGED_KEY)
    rest_app = with_engine(create_rest_app(rest_engine, RestOptions()), rest_engine)
    with run_app(rest_app) as rest_origin:
        options = McpOptions(rest_base_url=rest_origin)
        with run_app(mcp_http_app(sim_server.url, DEMO_PRIVILEGED_KEY, options)) as origin:
            async with Client(f"{origin}/mcp", mode="legacy") as client:
                result = await client.call_tool(
                    "get-pcap-file-generated-during", {"sandbox_id": sandbox_id}
                )
            link = next(b for b in result.content if isinstance(b, types.ResourceLink))
            async with httpx.AsyncClient() as http:
                served = await http.get(link.uri)
    artefact = result.structured_content["artefact"]
    assert served.status_code == 200
    assert artefact["sha256"] == hashlib.sha256(served.content).hexdigest()
    assert artefact["size"] == len(served.content) == link.size
    first = result.content[0]
    assert isinstance(first, types.TextContent)
    assert json.loads(first.text) == result.structured_content  # the answer comes first
