"""MCP resources and prompts on a real port, from capabilities written in beta5 and alpha2,
and the official conformance suite's resource and prompt scenarios against them."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from tests.integration.mcp.test_conformance import _run, _statuses, node_tools
from tests.support.echo_upstream import create_echo_app
from tests.support.processes import clean_env, free_port, running, wait_http
from tests.support.servers import run_server

SURFACE = Path(__file__).parents[2] / "fixtures" / "surface"
BASELINE = Path(__file__).with_name("conformance-resources-baseline.yml")
#: The scenarios a capability with resources and prompts must pass.
SCENARIOS = ("resources-list", "resources-read-text", "resources-read-binary",
             "resources-templates-read", "prompts-list", "prompts-get-simple",
             "prompts-get-with-args")  # fmt: skip

__all__ = ["node_tools"]  # the conformance tools fixture, shared


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with run_server(create_echo_app()) as url:
        yield url


def write_capability(tmp_path: Path, name: str, upstream: str, port: int) -> Path:
    shutil.copytree(SURFACE / "catalog", tmp_path / "catalog", dirs_exist_ok=True)
    text = (SURFACE / name).read_text()
    path = tmp_path / name
    path.write_text(text.replace("UPSTREAM", upstream).replace("MCP_PORT", str(port)))
    return path


@pytest.fixture(scope="module", params=["resources-beta5.yaml", "resources-alpha2.yaml"])
def mcp_url(
    request: pytest.FixtureRequest, upstream: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    tmp_path = tmp_path_factory.mktemp("resources")
    port = free_port()
    path = write_capability(tmp_path, request.param, upstream, port)
    with running(["serve", str(path)], clean_env(tmp_path)):
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.mark.anyio
async def test_resources_are_listed_files_included_and_templates_apart(mcp_url: str) -> None:
    async with Client(mcp_url) as client:
        assert client.server_capabilities.resources is not None
        assert client.server_capabilities.prompts is not None
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        templates = (await client.list_resource_templates()).resource_templates
    assert set(listed) == {
        "test://static-text", "test://static-binary", "docs://guides/reorder.md", "data://stock",
        "data://stock/query",
    }  # fmt: skip
    assert listed["test://static-text"].title == "Counting note"
    assert listed["docs://guides/reorder.md"].mime_type == "text/markdown"
    declared = [t.uri_template for t in templates if not t.uri_template.startswith("iocgate:")]
    assert declared == ["test://template/{id}/data"]
    assert "iocgate://artefact/get-part{?id}" in [t.uri_template for t in templates]  # answers


@pytest.mark.anyio
async def test_reading_text_binary_and_directory_files(mcp_url: str) -> None:
    async with Client(mcp_url) as client:
        text = (await client.read_resource("test://static-text")).contents[0]
        blob = (await client.read_resource("test://static-binary")).contents[0]
        guide = (await client.read_resource("docs://guides/reorder.md")).contents[0]
        with pytest.raises(MCPError, match="Resource not found"):
            await client.read_resource("docs://guides/../static-text.txt")
    assert getattr(text, "text", "") == "Parts are counted every Monday.\n"
    png = (SURFACE / "catalog" / "static-binary.png").read_bytes()
    assert base64.b64decode(getattr(blob, "blob", "")) == png and blob.mime_type == "image/png"
    assert getattr(guide, "text", "").startswith("# Reordering")


@pytest.mark.anyio
async def test_a_resource_backed_by_an_operation_reads_through_the_engine(mcp_url: str) -> None:
    async with Client(mcp_url) as client:
        stock = (await client.read_resource("data://stock")).contents[0]
        part = (await client.read_resource("test://template/a%2F7/data")).contents[0]
        with pytest.raises(MCPError, match="Resource not found"):
            await client.read_resource("test://nothing")
        with pytest.raises(MCPError, match=r"data://stock/query: .*--allow-writes"):
            await client.read_resource("data://stock/query")  # a clear error, not a crash
    assert json.loads(getattr(stock, "text", ""))["data"]["path"] == "/stock"
    assert json.loads(getattr(part, "text", ""))["data"]["path"] == "/parts/a%2F7"
    assert part.mime_type == "application/json"


@pytest.mark.anyio
async def test_prompts_fill_their_arguments_and_require_the_required(mcp_url: str) -> None:
    async with Client(mcp_url) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        got = await client.get_prompt("test_prompt_with_arguments", {"arg1": "bolt {{arg2}}"})
        with pytest.raises(MCPError, match="arg1"):
            await client.get_prompt("test_prompt_with_arguments", {"arg2": "nut"})
    arguments = prompts["test_prompt_with_arguments"].arguments or []
    assert [(a.name, a.required) for a in arguments] == [("arg1", True), ("arg2", False)]
    assert [m.role for m in got.messages] == ["user", "assistant"]
    assert getattr(got.messages[0].content, "text", "") == "Compare bolt {{arg2}} with ."


@pytest.mark.anyio
async def test_ttl_and_cache_scope_ride_on_list_and_read_results(
    upstream: str, tmp_path: Path
) -> None:
    port = free_port()
    path = write_capability(tmp_path, "resources-beta5.yaml", upstream, port)
    with running(["serve", str(path)], clean_env(tmp_path)):
        wait_http(f"http://127.0.0.1:{port}/healthz")
        async with Client(f"http://127.0.0.1:{port}/mcp", mode="auto") as client:
            listed = await client.list_resources()
            read = await client.read_resource("test://static-text")
    assert (listed.ttl_ms, listed.cache_scope) == (60000, "public")
    assert (read.ttl_ms, read.cache_scope) == (60000, "public")


def test_the_conformance_suite_passes_the_resource_and_prompt_scenarios(
    node_tools: Path, mcp_url: str, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    run = _run(
        node_tools, tmp_path, "conformance", "server", "--url", mcp_url,
        "--expected-failures", str(BASELINE), "-o", str(results),
    )  # fmt: skip
    summary = run.stdout[run.stdout.rfind("=== SUMMARY ===") :]
    assert run.returncode == 0, summary + run.stderr[-2000:]
    for scenario in SCENARIOS:
        statuses = _statuses(results, scenario)
        assert statuses and set(statuses) <= {"SUCCESS", "INFO"}, (scenario, statuses)
