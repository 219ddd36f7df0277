"""`iocgate migrate` of the embedded capability: beta5 serving the same answers, byte for byte."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from mcp import Client

from iocgate.capability import load_capability
from iocgate.cli.main import main as cli
from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.gateway import Gateway, open_gateway
from iocgate.settings import load_settings
from iocgate.virustotal import DEFAULT_CAPABILITY

pytestmark = pytest.mark.anyio

SHA = "d14a3491a4d14a0f79fdb8618ae2a4a88b9fb983cf9d638d5d47accbe006ce0c"
SANDBOX = f"{SHA}_VirusTotal Jujubox"
ARGUMENTS = {"sandbox_id": SANDBOX, "id": SHA, "relationship": "contacted_ips", "limit": 2}


@asynccontextmanager
async def demo_gateway(path: Path, tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = load_settings(
        {"capabilities": [path], "demo": True, "cache": "memory"},
        environ={"XDG_CACHE_HOME": str(tmp_path)},
    )
    async with open_gateway(settings) as opened:
        yield opened


async def answers(path: Path, tmp_path: Path) -> dict[str, Any]:
    """Every REST route's and MCP tool's answer for the same arguments.

    Each gateway runs its own simulator on its own port; links to it are written ``UPSTREAM``.
    """
    seen: dict[str, Any] = {}
    async with demo_gateway(path, tmp_path) as opened:
        assert opened.demo is not None
        upstream = opened.demo.url.rstrip("/")
        capability = opened.capabilities[0]
        assert capability.rest is not None and capability.mcp is not None
        app = create_rest_app(opened.engine, RestOptions())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            for route in capability.rest.routes:
                url = route.path.format(**{k: str(v) for k, v in ARGUMENTS.items()})
                query = {
                    p.name: ARGUMENTS[p.name]
                    for p in route.parameters
                    if p.location == "query" and p.name in ARGUMENTS
                }
                response = await client.get(url, params=query)
                seen[f"{route.method} {route.path}"] = (
                    response.status_code,
                    response.headers.get("content-type"),
                    response.content.replace(upstream.encode(), b"UPSTREAM"),
                )
        async with Client(create_mcp_server(opened.engine, McpOptions())) as mcp:
            listed = {t.name: t for t in (await mcp.list_tools()).tools}
            for tool in capability.mcp.tools:
                arguments = {
                    p.name: ARGUMENTS[p.name] for p in tool.parameters if p.name in ARGUMENTS
                }
                result = await mcp.call_tool(tool.name, arguments)
                seen[tool.name] = (
                    listed[tool.name].input_schema,
                    str([c.model_dump(exclude={"meta"}) for c in result.content]).replace(
                        upstream, "UPSTREAM"
                    ),
                    str(result.structured_content).replace(upstream, "UPSTREAM"),
                    result.is_error,
                )
    return seen


async def test_the_migrated_seed_is_beta5_and_answers_every_route_and_tool_the_same(
    tmp_path: Path,
) -> None:
    migrated = tmp_path / "seed-beta5.yaml"
    run = CliRunner().invoke(cli, ["migrate", str(DEFAULT_CAPABILITY), "-o", str(migrated)])
    assert run.exit_code == 0, run.output
    text = migrated.read_text()
    assert text.startswith("ikanos: 1.0.0-beta5\n") and "naftiko" not in text
    assert "/{{sandbox_id}}" in text and ": rest.sandbox_id" not in text  # dialect made explicit
    checked = CliRunner().invoke(cli, ["validate", "--strict", str(migrated)])
    assert checked.exit_code == 0 and "0 warnings" in checked.output, checked.output
    assert load_capability(migrated).document.info.display

    before = await answers(DEFAULT_CAPABILITY, tmp_path / "a")
    after = await answers(migrated, tmp_path / "b")
    assert len(before) == 20 and list(before) == list(after)
    for name, answer in before.items():
        assert after[name] == answer, name
    assert all(
        status == 200 for status, *_ in (v for k, v in before.items() if k.startswith("GET"))
    )
