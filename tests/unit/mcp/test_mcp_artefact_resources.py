"""A tool's answer read as an MCP resource (iocgate://artefact/...): the bytes the artefact
result describes, through the same engine call; listed as templates; forged URIs and answers
over the bound refused with what to do instead."""

from __future__ import annotations

import base64
import hashlib
import json

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette

from iocgate.exposes.mcp import McpOptions
from iocgate.exposes.mcp.resources import MAX_RESOURCE_BYTES
from iocgate.sim import DEMO_PRIVILEGED_KEY, Corpus, SimSettings, create_app
from tests.support.mcp_harness import REST_BASE, McpSession, mcp_session, text_of

pytestmark = pytest.mark.anyio

PCAP = "get-pcap-file-generated-during"
HTML = "get-detailed-html-behaviour-report"
MEMDUMP = "get-memdump-file-generated-during"
SUMMARY = "get-summary-all-behavior-reports"


def _sandbox(corpus: Corpus, artefact: str = "pcap") -> str:
    for sandbox_id in corpus.pick("rich").sandbox_ids:
        report = corpus.find_report(sandbox_id)
        if report is not None and artefact in report.artefacts:
            return sandbox_id
    raise AssertionError(f"no sandbox of the rich file has a {artefact}")


def _link(result: types.CallToolResult) -> str:
    uri: str = result.structured_content["artefact"]["resource"]
    return uri


async def test_every_read_only_tool_is_listed_as_a_template_of_its_arguments(
    mcp: McpSession,
) -> None:
    templates = {
        t.uri_template: t for t in (await mcp.client.list_resource_templates()).resource_templates
    }
    assert f"iocgate://artefact/{PCAP}{{?sandbox_id}}" in templates
    assert f"iocgate://artefact/{SUMMARY}{{?id}}" in templates
    assert len(templates) == len(mcp.tools)  # the seed's tools are all read-only
    assert (
        str(MAX_RESOURCE_BYTES)
        in templates[f"iocgate://artefact/{PCAP}{{?sandbox_id}}"].description
    )
    assert (await mcp.client.list_resources()).resources == []  # nothing static declared


async def test_the_template_expanded_by_a_client_reads_the_same_bytes_as_the_link(
    mcp: McpSession, corpus: Corpus
) -> None:
    sandbox_id = _sandbox(corpus)
    result = await mcp.call(PCAP, {"sandbox_id": sandbox_id})
    expanded = f"iocgate://artefact/{PCAP}?sandbox_id=" + sandbox_id.replace(" ", "%20")
    read = (await mcp.client.read_resource(expanded)).contents[0]
    assert isinstance(read, types.BlobResourceContents)
    digest = hashlib.sha256(base64.b64decode(read.blob)).hexdigest()
    assert digest == result.structured_content["artefact"]["sha256"]
    assert expanded == _link(result)


async def test_a_text_artefact_reads_as_text_with_the_digests_sha256(
    mcp: McpSession, corpus: Corpus
) -> None:
    result = await mcp.call(HTML, {"sandbox_id": _sandbox(corpus, "html")})
    read = (await mcp.client.read_resource(_link(result))).contents[0]
    assert isinstance(read, types.TextResourceContents)
    assert read.mime_type.startswith("text/html")
    assert (
        hashlib.sha256(read.text.encode()).hexdigest()
        == (result.structured_content["artefact"]["sha256"])
    )


async def test_a_json_answer_reads_whole_as_json_text(mcp: McpSession, corpus: Corpus) -> None:
    sha256 = corpus.pick("rich").sha256
    read = (await mcp.client.read_resource(f"iocgate://artefact/{SUMMARY}?id={sha256}")).contents
    assert isinstance(read[0], types.TextResourceContents)
    assert read[0].mime_type == "application/json"
    assert "data" in json.loads(read[0].text)


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("iocgate://artefact/no-such-tool?id=1", "no readable tool named 'no-such-tool'"),
        ("iocgate://elsewhere/get-pcap-file-generated-during", "Resource not found"),
        (f"iocgate://artefact/{PCAP}?sandbox_id=..%2F..%2Fusers", "argument 'sandbox_id'"),
        (f"iocgate://artefact/{PCAP}", "'sandbox_id' is a required property"),
        (f"iocgate://artefact/{PCAP}?sandbox_id=a&sandbox_id=b", "given twice"),
        (f"iocgate://artefact/{SUMMARY}?id={'a' * 64}&section=data", "'section' pages"),
        (f"iocgate://artefact/{SUMMARY}?id={'a' * 64}&extra=1", "'extra' was unexpected"),
    ],
)
async def test_a_forged_or_unknown_uri_is_refused_saying_why(
    mcp: McpSession, uri: str, said: str
) -> None:
    with pytest.raises(MCPError) as raised:
        await mcp.client.read_resource(uri)
    assert raised.value.error.code == types.INVALID_PARAMS
    assert said in raised.value.error.message
    assert uri in raised.value.error.message


async def test_an_upstream_error_is_a_clear_error_naming_its_code(mcp: McpSession) -> None:
    missing = "0" * 64 + "_VirusTotal Jujubox"
    with pytest.raises(MCPError) as raised:
        await mcp.client.read_resource(f"iocgate://artefact/{PCAP}?sandbox_id=" + missing)
    assert "NotFoundError (HTTP 404)" in raised.value.error.message
    assert DEMO_PRIVILEGED_KEY not in raised.value.error.message


@pytest.fixture(scope="module")
def big_memdump_sim() -> Starlette:
    return create_app(SimSettings(memdump_size=MAX_RESOURCE_BYTES + 4096))


@pytest.mark.parametrize("rest", [REST_BASE, None])
async def test_an_answer_over_the_bound_is_refused_naming_size_bound_and_ways_out(
    big_memdump_sim: Starlette, rest: str | None
) -> None:
    corpus: Corpus = big_memdump_sim.state.sim.corpus
    sandbox_id = _sandbox(corpus, "memdump")
    uri = f"iocgate://artefact/{MEMDUMP}?sandbox_id=" + sandbox_id.replace(" ", "%20")
    options = McpOptions(rest_base_url=rest)
    async with mcp_session(big_memdump_sim, DEMO_PRIVILEGED_KEY, options) as session:
        result = await session.call(MEMDUMP, {"sandbox_id": sandbox_id})
        with pytest.raises(MCPError) as raised:
            await session.client.read_resource(uri)
    message = raised.value.error.message
    size = MAX_RESOURCE_BYTES + 4096
    assert f"is {size} bytes, over the {MAX_RESOURCE_BYTES}-byte bound" in message
    assert f"iocgate call {MEMDUMP} 'sandbox_id={sandbox_id}' --output FILE" in message
    if rest:
        assert f"GET {REST_BASE}/v1/file_behaviours/" in message
    else:
        assert "iocgate serve" in message
    # the tool result does not offer a read that would be refused
    artefact = result.structured_content["artefact"]
    assert artefact["size"] == size
    assert artefact["resource"] is None
    assert "over the 10485760-byte bound of MCP resources/read" in text_of(result)
    links = [b for b in result.content if isinstance(b, types.ResourceLink)]
    assert [link.uri.startswith("http") for link in links] == ([True] if rest else [])
