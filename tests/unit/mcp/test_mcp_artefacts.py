"""Artefacts over MCP: measured exactly, summarised, linked; the bytes never enter the context."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import mcp_types as types
import pytest
from starlette.applications import Starlette

from iocgate.exposes.mcp import McpOptions
from iocgate.sim import DEMO_PRIVILEGED_KEY, Corpus
from tests.support.mcp_harness import REST_BASE, SIM_BASE, McpSession, mcp_session, text_of

pytestmark = pytest.mark.anyio

PCAP = "get-pcap-file-generated-during"
HTML = "get-detailed-html-behaviour-report"
EVTX = "get-evtx-file-generated-during"
MEMDUMP = "get-memdump-file-generated-during"


def _sandbox_with_artefacts(corpus: Corpus) -> str:
    for sandbox_id in corpus.pick("rich").sandbox_ids:
        report = corpus.find_report(sandbox_id)
        assert report is not None
        if report.has_pcap and report.has_evtx and report.has_memdump and report.has_html_report:
            return sandbox_id
    raise AssertionError("no sandbox of the rich file has every artefact")


async def _direct(sim_app: Starlette, path: str) -> bytes:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app),
        base_url=SIM_BASE,
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
    ) as client:
        response = await client.get(path)
        assert response.status_code == 200
        return response.content


@pytest.mark.parametrize(
    ("tool", "suffix"), [(PCAP, "pcap"), (HTML, "html"), (EVTX, "evtx"), (MEMDUMP, "memdump")]
)
async def test_an_artefact_states_the_sha256_and_size_of_exactly_the_upstream_bytes(
    mcp: McpSession, sim_app: Starlette, corpus: Corpus, tool: str, suffix: str
) -> None:
    sandbox_id = _sandbox_with_artefacts(corpus)
    result = await mcp.call(tool, {"sandbox_id": sandbox_id})
    direct = await _direct(sim_app, f"/file_behaviours/{sandbox_id}/{suffix}")
    assert not result.is_error, text_of(result)
    artefact = result.structured_content["artefact"]
    assert artefact["sha256"] == hashlib.sha256(direct).hexdigest()
    assert artefact["size"] == len(direct)
    assert "exactly the bytes" in artefact["bytes"]


async def test_an_artefact_links_to_the_rest_route_and_to_its_mcp_resource(
    mcp: McpSession, corpus: Corpus
) -> None:
    sandbox_id = _sandbox_with_artefacts(corpus)
    result = await mcp.call(PCAP, {"sandbox_id": sandbox_id})
    links = [block for block in result.content if isinstance(block, types.ResourceLink)]
    assert len(links) == 2  # REST first (any HTTP client), then the MCP resource
    rest, resource = links
    encoded = sandbox_id.replace(" ", "%20")
    assert rest.uri == f"{REST_BASE}/v1/file_behaviours/{encoded}/pcap"
    assert resource.uri == f"iocgate://artefact/{PCAP}?sandbox_id={encoded}"
    for link in links:
        assert link.size == result.structured_content["artefact"]["size"]
        assert link.mime_type == "application/vnd.tcpdump.pcap"
    assert result.structured_content["artefact"]["url"] == rest.uri
    assert result.structured_content["artefact"]["resource"] == resource.uri


async def test_no_artefact_bytes_reach_the_context_even_base64_encoded(
    mcp: McpSession, sim_app: Starlette, corpus: Corpus
) -> None:
    sandbox_id = _sandbox_with_artefacts(corpus)
    result = await mcp.call(MEMDUMP, {"sandbox_id": sandbox_id})
    direct = await _direct(sim_app, f"/file_behaviours/{sandbox_id}/memdump")
    assert result.structured_content["artefact"]["size"] == 2 * 1024 * 1024
    assert all(block.type in ("text", "resource_link") for block in result.content)
    assert base64.b64encode(direct[:48]).decode() not in text_of(result)
    assert len(text_of(result)) < 4000


async def test_a_pcap_digest_lists_the_dns_names_the_report_resolved(
    mcp: McpSession, corpus: Corpus
) -> None:
    sandbox_id = _sandbox_with_artefacts(corpus)
    report = corpus.find_report(sandbox_id)
    assert report is not None
    looked_up = {lookup["hostname"].lower() for lookup in report.attributes["dns_lookups"]}
    result = await mcp.call(PCAP, {"sandbox_id": sandbox_id})
    digest = result.structured_content["artefact"]["digest"]
    assert digest["format"] == "pcap"
    assert digest["complete"] is True
    assert set(digest["dns_names"]) == looked_up
    assert {flow["protocol"] for flow in digest["flows"]} <= {"TCP", "UDP"}
    sni = {tls["sni"].lower() for tls in report.attributes.get("tls", [])}
    assert set(digest["tls_server_names"]) == sni


async def test_an_html_digest_is_the_reports_visible_text(mcp: McpSession, corpus: Corpus) -> None:
    sandbox_id = _sandbox_with_artefacts(corpus)
    result = await mcp.call(HTML, {"sandbox_id": sandbox_id})
    digest = result.structured_content["artefact"]["digest"]
    assert digest["format"] == "html"
    assert sandbox_id[:64] in digest["visible_text"]
    assert "<" + "div" not in digest["visible_text"]
    assert len(digest["visible_text"]) <= 3000
    assert digest["visible_text_chars"] >= len(digest["visible_text"])


async def test_an_evtx_digest_lists_the_files_in_the_zip(mcp: McpSession, corpus: Corpus) -> None:
    sandbox_id = _sandbox_with_artefacts(corpus)
    result = await mcp.call(EVTX, {"sandbox_id": sandbox_id})
    digest = result.structured_content["artefact"]["digest"]
    assert digest["format"] == "zip"
    assert [entry["name"] for entry in digest["files"]] == [f"{sandbox_id}.evtx"]
    assert digest["files"][0]["size"] > 0


async def test_without_a_rest_adapter_the_artefact_links_to_its_mcp_resource(
    sim_app: Starlette, corpus: Corpus
) -> None:
    sandbox_id = _sandbox_with_artefacts(corpus)
    async with mcp_session(sim_app, DEMO_PRIVILEGED_KEY, McpOptions()) as bare:
        result = await bare.call(PCAP, {"sandbox_id": sandbox_id})
        link = next(b for b in result.content if isinstance(b, types.ResourceLink))
        read = await bare.client.read_resource(link.uri)
    artefact = result.structured_content["artefact"]
    assert artefact["url"] is None
    assert artefact["resource"] == link.uri
    assert f"resources/read of {link.uri}" in artefact["bytes"]
    assert "iocgate call" in artefact["bytes"]
    blob = read.contents[0]
    assert isinstance(blob, types.BlobResourceContents)
    assert blob.mime_type == "application/vnd.tcpdump.pcap"
    assert hashlib.sha256(base64.b64decode(blob.blob)).hexdigest() == artefact["sha256"]


async def test_an_artefact_result_carries_cache_status_in_meta(
    mcp: McpSession, corpus: Corpus
) -> None:
    result = await mcp.call(EVTX, {"sandbox_id": _sandbox_with_artefacts(corpus)})
    assert result.meta is not None
    assert result.meta["iocgate/cache"] in ("MISS", "BYPASS")
    assert "iocgate/cache" not in result.structured_content


def _huge_pcap_report(corpus: Corpus) -> Any:
    return next(r for r in corpus.pick("huge").reports if r.has_pcap)


async def test_the_pcap_digest_shows_the_c2_flows_before_the_many_dns_flows(
    mcp: McpSession, corpus: Corpus
) -> None:
    report = _huge_pcap_report(corpus)
    result = await mcp.call(PCAP, {"sandbox_id": report.id})
    digest = result.structured_content["artefact"]["digest"]
    flows = digest["flows"]
    dns = [f for f in flows if f["server"].endswith(":53")]
    assert len(dns) > 40  # the capture opens with more lookups than one old page held
    first_page = flows[:40]
    assert all(not f["server"].endswith(":53") for f in first_page)
    servers = [f["server"] for f in first_page]
    assert len(set(servers)) == len(servers)  # one flow per destination first
    c2 = {f"{t['destination_ip']}:{t['destination_port']}" for t in
          report.attributes["ip_traffic"] if t["transport_layer_protocol"] == "TCP"}  # fmt: skip
    assert c2 <= {f["server"] for f in flows}


async def test_the_pcap_digest_has_http_and_tls_details(mcp: McpSession, corpus: Corpus) -> None:
    report = _huge_pcap_report(corpus)
    result = await mcp.call(PCAP, {"sandbox_id": report.id})
    digest = result.structured_content["artefact"]["digest"]
    conversation = next(
        c for c in report.attributes["http_conversations"] if c["url"].startswith("http://")
    )
    host = conversation["url"].split("/")[2]
    exchange = next(h for h in digest["http"] if h["host"] == host)
    assert exchange["method"] == conversation["request_method"]
    assert exchange["status"] == conversation["response_status_code"]
    assert exchange["user_agent"].startswith("Mozilla/5.0")
    tls = digest["tls"][0]
    assert tls["sni"] in {t["sni"] for t in report.attributes["tls"]}
    assert len(tls["ja3"]) == len(tls["ja3s"]) == 32


async def test_section_flows_with_an_offset_continues_with_the_next_flows(
    mcp: McpSession, corpus: Corpus
) -> None:
    report = _huge_pcap_report(corpus)
    whole = await mcp.call(PCAP, {"sandbox_id": report.id})
    flows = whole.structured_content["artefact"]["digest"]["flows"]
    page = await mcp.call(PCAP, {"sandbox_id": report.id, "section": "flows", "offset": 40})
    assert not page.is_error, text_of(page)
    body = page.structured_content
    assert body["section"] == "/artefact/digest/flows"
    assert body["items"] == flows[40 : 40 + len(body["items"])]
    assert body["items"] and body["items"][0] != flows[0]
    tcp = await mcp.call(PCAP, {"sandbox_id": report.id, "section": "flows", "filter": "tcp"})
    assert {f["protocol"] for f in tcp.structured_content["items"]} == {"TCP"}


async def test_a_memdump_digest_lists_readable_strings_with_their_offsets(
    mcp: McpSession, sim_app: Starlette, corpus: Corpus
) -> None:
    report = next(r for r in corpus.pick("rich").reports if r.has_memdump)
    result = await mcp.call(MEMDUMP, {"sandbox_id": report.id})
    digest = result.structured_content["artefact"]["digest"]
    direct = await _direct(sim_app, f"/file_behaviours/{report.id}/memdump")
    texts = {item["text"]: item for item in digest["strings"]}
    command = report.attributes["command_executions"][1]
    assert command in texts
    found = texts[command]
    encoded = command.encode("utf-16-le" if found["encoding"] == "utf-16le" else "ascii")
    assert direct[found["offset"] : found["offset"] + len(encoded)] == encoded
    assert {item["encoding"] for item in digest["strings"]} == {"ascii", "utf-16le"}
    assert len(digest["strings"]) <= 200


async def test_an_evtx_digest_holds_the_runs_events_read_by_the_evtx_parser(
    mcp: McpSession, corpus: Corpus
) -> None:
    report = next(r for r in corpus.pick("rich").reports if r.has_evtx)
    result = await mcp.call(EVTX, {"sandbox_id": report.id})
    logs = result.structured_content["artefact"]["digest"]["logs"]
    events = logs[f"{report.id}.evtx"]["events"]
    counts = logs[f"{report.id}.evtx"]["event_counts"]
    commands = set(report.attributes["command_executions"])
    created = [e for e in events if e["event_id"] == "1"]
    assert commands <= {e["data"]["CommandLine"] for e in created}
    assert all(e["provider"] == "Microsoft-Windows-Sysmon" for e in created)
    assert counts["Security/4688"] == len(created)
    flows = {(e["data"]["DestinationIp"], e["data"]["DestinationPort"]) for e in events
             if e["event_id"] == "3"}  # fmt: skip
    first = report.attributes["ip_traffic"][0]
    assert (first["destination_ip"], str(first["destination_port"])) in flows
    assert any(e["event_id"] == "11" for e in events)
