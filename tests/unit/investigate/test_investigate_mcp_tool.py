"""The ``investigate-file`` MCP tool, registered with the MCP adapter as an extra tool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import mcp_types as types
import pytest
from mcp import Client
from starlette.applications import Starlette

from iocgate.engine import Engine
from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.sim import SimState
from iocgate.virustotal.mcp_tool import (
    TOOL_NAME,
    investigate_tool,
    investigate_tool_schema,
    run_investigate_tool,
)
from tests.support.mcp_harness import text_of, validate_structured
from tests.unit.investigate.investigate_support import sim_engine

BUDGET_BYTES = 40_000


@dataclass
class Agent:
    client: Client
    tool: types.Tool
    engine: Engine

    async def investigate(self, **arguments: Any) -> types.CallToolResult:
        return await self.client.call_tool(TOOL_NAME, arguments)


@pytest.fixture
async def agent(investigation_sim: Starlette) -> AsyncIterator[Agent]:
    engine = sim_engine(investigation_sim)
    tool = investigate_tool(engine, budget_bytes=BUDGET_BYTES)
    options = McpOptions(budget_tokens=BUDGET_BYTES // 4, extra_tools=(tool,))
    try:
        async with Client(create_mcp_server(engine, options)) as client:
            listed = {t.name: t for t in (await client.list_tools()).tools}
            yield Agent(client, listed[TOOL_NAME], engine)
    finally:
        await engine.aclose()


@pytest.mark.anyio
async def test_the_tool_is_listed_with_the_hash_pattern_on_its_id_argument(agent: Agent) -> None:
    schema = agent.tool.input_schema
    assert schema["required"] == ["id"]
    assert "pattern" in schema["properties"]["id"]
    assert "sandbox" in schema["properties"]
    assert agent.tool.annotations is not None and agent.tool.annotations.read_only_hint


@pytest.mark.anyio
async def test_investigating_answers_the_brief_as_structured_content_under_budget(
    agent: Agent, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    result = await agent.investigate(id=rich.sha256)
    assert not result.is_error, text_of(result)
    validate_structured(agent.tool, result)
    content = result.structured_content
    assert content is not None
    assert content["verdict"]["value"] == "malicious"
    assert content["file"]["sha256"] == rich.sha256
    assert len(text_of(result).encode()) <= BUDGET_BYTES
    assert isinstance(content["indicators"]["domains"]["total"], int)


@pytest.mark.anyio
async def test_a_huge_file_still_fits_and_says_what_it_left_out(
    agent: Agent, sim_state: SimState
) -> None:
    result = await agent.investigate(id=sim_state.corpus.pick("huge").sha256)
    assert not result.is_error, text_of(result)
    assert len(text_of(result).encode()) <= BUDGET_BYTES
    content = result.structured_content
    assert content is not None
    groups = [*content["indicators"].values(), *content["detections"].values()]
    assert any(group["truncated"] for group in groups)
    assert all(group["total"] >= len(group["items"]) for group in groups)


@pytest.mark.anyio
async def test_a_malformed_hash_is_refused_by_the_schema_without_an_upstream_call(
    agent: Agent, sim_state: SimState
) -> None:
    result = await agent.investigate(id="../../users/me")
    assert result.is_error
    assert "id" in text_of(result)
    assert sim_state.count() == 0


@pytest.mark.anyio
async def test_an_unknown_file_is_an_error_result_saying_not_found(agent: Agent) -> None:
    result = await agent.investigate(id="0" * 64)
    assert result.is_error
    assert "NotFoundError" in text_of(result)


@pytest.mark.anyio
async def test_the_sandbox_argument_narrows_the_brief_to_one_sandbox(
    agent: Agent, sim_state: SimState
) -> None:
    result = await agent.investigate(id=sim_state.corpus.pick("rich").sha256, sandbox="Zenbox")
    assert not result.is_error, text_of(result)
    content = result.structured_content
    assert content is not None
    assert [s["name"] for s in content["sandboxes"]] == ["Zenbox"]


def test_the_plain_schema_is_a_valid_mcp_tool_listing() -> None:
    listing = investigate_tool_schema()
    assert listing["name"] == TOOL_NAME
    jsonschema.Draft202012Validator.check_schema(listing["inputSchema"])
    jsonschema.Draft202012Validator.check_schema(listing["outputSchema"])
    assert listing["annotations"]["readOnlyHint"] is True


@pytest.mark.anyio
async def test_the_plain_runner_returns_the_fitted_brief(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    engine = sim_engine(investigation_sim)
    try:
        content = await run_investigate_tool(
            engine, {"id": sim_state.corpus.pick("poor").sha256}, budget_bytes=20_000
        )
    finally:
        await engine.aclose()
    jsonschema.Draft202012Validator(investigate_tool_schema()["outputSchema"]).validate(content)
    assert content["trimmed"] == []


@pytest.mark.anyio
async def test_an_agent_gets_the_processes_that_acted_and_the_file_context(
    agent: Agent, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    result = await agent.investigate(id=rich.sha256)
    brief = result.structured_content
    assert brief is not None
    assert brief["process_sandbox"]
    acted = [p for p in brief["processes"]["items"] if p.get("decoded_powershell")]
    assert acted and "DownloadString" in acted[0]["decoded_powershell"]
    assert brief["file_context"]["ratio"]
    assert brief["noise"]["registry_keys"] > 0
