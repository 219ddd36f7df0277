"""What an MCP client sees in tools/list: the spec's ten tools, their schemas and hints."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client

from iocgate.capability import Capability
from iocgate.engine import Caller
from iocgate.exposes.mcp import ExtraTool, McpOptions, create_mcp_server
from iocgate.virustotal import BEHAVIOUR_RELATIONSHIPS
from tests.support.mcp_harness import SIM_BASE, McpSession, build_engine, text_of

pytestmark = pytest.mark.anyio

SUMMARY = "get-summary-all-behavior-reports"
REPORT = "get-file-behavior-report-sandbox"
DESCRIPTORS = "get-object-descriptors-related-behaviour"


async def test_the_server_lists_one_tool_per_spec_tool_with_the_spec_names(
    mcp: McpSession, seed_capability: Capability
) -> None:
    assert seed_capability.mcp is not None
    spec_names = [tool.name for tool in seed_capability.mcp.tools]
    assert list(mcp.tools) == spec_names
    assert len(spec_names) == 10


async def test_each_tool_has_the_spec_description_and_a_title(
    mcp: McpSession, seed_capability: Capability
) -> None:
    assert seed_capability.mcp is not None
    for spec in seed_capability.mcp.tools:
        tool = mcp.tools[spec.name]
        assert tool.description == spec.description
        assert tool.title


async def test_every_tool_is_annotated_read_only_idempotent_and_not_destructive(
    mcp: McpSession,
) -> None:
    for tool in mcp.tools.values():
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.annotations.idempotent_hint is True
        assert tool.annotations.open_world_hint is True


async def test_a_hash_argument_carries_the_hash_pattern_and_is_required(mcp: McpSession) -> None:
    schema = mcp.tools[SUMMARY].input_schema
    assert schema["required"] == ["id"]
    pattern = schema["properties"]["id"]["pattern"]
    assert re.match(pattern, "a" * 64)
    assert re.match(pattern, "a" * 32)
    assert not re.match(pattern, "a" * 63)
    assert "SHA-256" in schema["properties"]["id"]["description"]


async def test_a_sandbox_id_argument_carries_the_report_id_pattern(mcp: McpSession) -> None:
    pattern = mcp.tools[REPORT].input_schema["properties"]["sandbox_id"]["pattern"]
    assert re.match(pattern, "a" * 64 + "_VirusTotal Jujubox")
    assert not re.match(pattern, "a" * 64 + "_../../users/me")


async def test_relationship_is_an_enum_and_limit_is_bounded_1_to_40(mcp: McpSession) -> None:
    properties = mcp.tools[DESCRIPTORS].input_schema["properties"]
    assert properties["relationship"]["enum"] == list(BEHAVIOUR_RELATIONSHIPS)
    assert properties["limit"] == properties["limit"] | {
        "type": "integer",
        "minimum": 1,
        "maximum": 40,
    }
    assert properties["cursor"]["type"] == "string"
    assert set(mcp.tools[DESCRIPTORS].input_schema["required"]) == {"sandbox_id", "relationship"}


async def test_every_input_schema_refuses_unknown_arguments_and_offers_paging(
    mcp: McpSession,
) -> None:
    for tool in mcp.tools.values():
        schema = tool.input_schema
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert schema["properties"]["section"]["type"] == "string"
        assert schema["properties"]["offset"] == schema["properties"]["offset"] | {
            "type": "integer",
            "minimum": 0,
        }
        assert schema["properties"]["filter"]["type"] == "string"
        assert schema["dependentRequired"] == {"offset": ["section"], "filter": ["section"]}


async def test_every_tool_declares_an_object_output_schema(mcp: McpSession) -> None:
    for tool in mcp.tools.values():
        assert tool.output_schema is not None
        assert tool.output_schema["type"] == "object"


async def test_every_published_schema_is_valid_draft_2020_12(mcp: McpSession) -> None:
    for tool in mcp.tools.values():
        Draft202012Validator.check_schema(tool.input_schema)
        Draft202012Validator.check_schema(tool.output_schema)


async def test_the_server_advertises_tools_and_resources_only(mcp: McpSession) -> None:
    capabilities = mcp.client.server_capabilities
    assert capabilities.tools is not None
    assert capabilities.resources is not None  # the tools' answers, as iocgate://artefact/...
    assert capabilities.resources.subscribe is not True
    assert capabilities.prompts is None
    assert capabilities.logging is None
    assert capabilities.completions is None


async def test_an_extra_tool_is_listed_and_receives_checked_arguments() -> None:
    received: list[dict[str, Any]] = []

    async def handler(arguments: dict[str, Any], caller: Caller) -> dict[str, Any]:
        received.append(arguments)
        return {"brief": f"file {arguments['id']}", "verdict": "malicious"}

    extra = ExtraTool(
        name="investigate-file",
        title="Investigate a file",
        description="One-step investigation of a file hash.",
        input_schema={
            "type": "object",
            "properties": {"id": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
            "required": ["id"],
            "additionalProperties": False,
        },
        handler=handler,
    )
    engine = build_engine(SIM_BASE, "key")
    server = create_mcp_server(engine, McpOptions(extra_tools=(extra,)))
    try:
        async with Client(server) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            bad = await client.call_tool("investigate-file", {"id": "nope"})
            good = await client.call_tool("investigate-file", {"id": "a" * 64})
    finally:
        await engine.aclose()
    assert names[-1] == "investigate-file"
    assert len(names) == 11
    assert bad.is_error
    assert "'id'" in text_of(bad)
    assert good.structured_content == {"brief": f"file {'a' * 64}", "verdict": "malicious"}
    assert received == [{"id": "a" * 64}]


def test_two_tools_with_one_name_are_refused_when_the_server_is_built() -> None:
    async def handler(arguments: dict[str, Any], caller: Caller) -> dict[str, Any]:
        return {}

    clash = ExtraTool(
        name=SUMMARY, description="clash", input_schema={"type": "object"}, handler=handler
    )
    with pytest.raises(ValueError, match=SUMMARY):
        create_mcp_server(build_engine(SIM_BASE, "key"), McpOptions(extra_tools=(clash,)))
