"""The investigation through the real adapters on real ports, the simulator upstream.

REST: the routes mounted in the REST adapter as ``RestOptions.extra_routes``; MCP: the tool
registered as an ``ExtraTool`` and called over streamable HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import Client

from iocgate.engine.stores import MemoryCache
from iocgate.exposes.mcp import McpOptions, create_mcp_app, create_mcp_server
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.sim import DEMO_PRIVILEGED_KEY, SimState
from iocgate.virustotal.mcp_tool import TOOL_NAME, investigate_tool
from iocgate.virustotal.routes import investigation_routes
from tests.support.mcp_harness import build_engine, run_app, text_of, with_engine
from tests.support.sim_fixtures import SimServer


@pytest.fixture(scope="module")
def rest_origin(sim_server: SimServer) -> Iterator[str]:
    """The REST adapter with the investigation routes, its engine caching in memory."""
    engine = build_engine(sim_server.url, DEMO_PRIVILEGED_KEY, cache=MemoryCache())
    options = RestOptions(plugin_routes=tuple(investigation_routes(engine)))
    with run_app(with_engine(create_rest_app(engine, options), engine)) as origin:
        yield origin


@pytest.fixture(scope="module")
def mcp_origin(sim_server: SimServer) -> Iterator[str]:
    """The MCP adapter over streamable HTTP with ``investigate-file`` registered."""
    engine = build_engine(sim_server.url, DEMO_PRIVILEGED_KEY)
    tool = investigate_tool(engine)
    options = McpOptions(extra_tools=(tool,))
    app = with_engine(create_mcp_app(create_mcp_server(engine, options), options), engine)
    with run_app(app) as origin:
        yield origin


def test_the_rest_adapter_serves_the_brief_and_echoes_the_request_id_once(
    rest_origin: str, sim_server: SimServer, sim_state_reset: SimState
) -> None:
    poor = sim_server.corpus.pick("poor")
    response = httpx.get(
        f"{rest_origin}/x/investigate/{poor.sha256}", headers={"X-Request-ID": "case-42"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["sandboxes"][0]["name"] == poor.reports[0].sandbox_name
    assert response.headers.get_list("x-request-id") == ["case-42"]
    assert int(response.headers["x-iocgate-upstream-calls"]) == sim_state_reset.count() == 3


def test_a_second_export_of_the_same_file_costs_no_quota(
    rest_origin: str, sim_server: SimServer
) -> None:
    rich = sim_server.corpus.pick("rich")
    first = httpx.get(f"{rest_origin}/x/investigate/{rich.sha256}", timeout=30)
    before = sim_server.state.count()
    layer = httpx.get(f"{rest_origin}/x/investigate/{rich.sha256}/navigator", timeout=30)
    assert first.status_code == layer.status_code == 200
    assert layer.headers["x-iocgate-upstream-calls"] == "0"
    assert sim_server.state.count() == before


def test_errors_come_back_in_virustotal_shape_through_the_adapter(rest_origin: str) -> None:
    response = httpx.get(f"{rest_origin}/x/investigate/xyz/stix")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgumentError"


def test_openapi_json_documents_the_investigation_routes(rest_origin: str) -> None:
    paths = httpx.get(f"{rest_origin}/openapi.json").json()["paths"]
    assert "/x/investigate/{id}" in paths
    assert "/x/investigate/{id}/report.html" in paths


@pytest.mark.anyio
async def test_an_agent_investigates_over_streamable_http(
    mcp_origin: str, sim_server: SimServer
) -> None:
    rich = sim_server.corpus.pick("rich")
    async with Client(f"{mcp_origin}/mcp") as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool(TOOL_NAME, {"id": rich.sha256})
    assert TOOL_NAME in tools
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert result.structured_content["verdict"]["value"] == "malicious"
    assert len(text_of(result).encode()) <= 40_000
