"""What `tools/list` costs an agent (#22.7): the seed's tools plus investigate-file fit in
12,000 characters, with descriptions written for agents and no broken references."""

from __future__ import annotations

import json

import pytest
from mcp import Client
from starlette.applications import Starlette

from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.virustotal.mcp_tool import TOOL_NAME, investigate_tool
from tests.unit.investigate.investigate_support import sim_engine

COMPANION = {"get-file-report", "reanalyse-file"}


@pytest.mark.anyio
async def test_the_seed_tools_and_investigate_file_list_in_under_12000_characters(
    investigation_sim: Starlette,
) -> None:
    engine = sim_engine(investigation_sim)
    tool = investigate_tool(engine, budget_bytes=36_000)
    options = McpOptions(extra_tools=(tool,))
    try:
        async with Client(create_mcp_server(engine, options)) as client:
            listed = (await client.list_tools()).tools
    finally:
        await engine.aclose()
    wire = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed]
    seed_and_investigate = [t for t in wire if t["name"] not in COMPANION]
    assert len(seed_and_investigate) == 11
    assert TOOL_NAME in {t["name"] for t in seed_and_investigate}
    size = len(json.dumps(seed_and_investigate, ensure_ascii=False, separators=(",", ":")))
    assert size <= 12_000, size
    text = json.dumps(wire)
    assert "ref:" not in text and "section below" not in text  # VirusTotal's doc references
    for item in wire:
        assert item["title"] and item["title"] not in item["description"]
    reports = next(t for t in wire if t["name"] == "get-all-behavior-reports-file")
    assert "sandbox_id" in reports["description"]  # what to call it for
