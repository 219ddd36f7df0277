"""MCP over stdio: the SDK client launches the adapter as a desktop client would."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from iocgate.sim import DEMO_PRIVILEGED_KEY
from tests.support.mcp_harness import text_of
from tests.support.sim_fixtures import SimServer

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_stdio_client_lists_the_tools_and_gets_a_condensed_huge_summary(
    sim_server: SimServer, mode: str
) -> None:
    huge = sim_server.corpus.pick("huge").sha256
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "tests.support.mcp_stdio_runner", sim_server.url, DEMO_PRIVILEGED_KEY],
        cwd=ROOT,
    )
    async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
        tools = (await client.list_tools()).tools
        result = await client.call_tool("get-summary-all-behavior-reports", {"id": huge})
    assert len(tools) == 10
    assert not result.is_error, text_of(result)
    assert len(text_of(result).encode()) <= 40_000
    assert result.structured_content["_iocgate"]["original_bytes"] > 1_000_000
