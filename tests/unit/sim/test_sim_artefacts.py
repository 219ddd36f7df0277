"""Artefacts: a pcap that dpkt reads, a zipped EVTX, a streamed memdump, an escaped HTML page."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import dpkt
import httpx
import pytest

from iocgate.sim import (
    DEMO_PRIVILEGED_KEY,
    DEMO_PUBLIC_KEY,
    SandboxReport,
    SimSettings,
    SimState,
    create_app,
)
from iocgate.sim.hostile import HOSTILE_STRINGS

pytestmark = pytest.mark.anyio


def _read_pcap(data: bytes) -> dict[str, Any]:
    seen: dict[str, Any] = {"dns": set(), "answers": set(), "http": [], "sni": set(), "packets": 0}
    for _, frame in dpkt.pcap.Reader(io.BytesIO(data)):
        seen["packets"] += 1
        segment = dpkt.ethernet.Ethernet(frame).data.data
        if isinstance(segment, dpkt.udp.UDP) and 53 in (segment.sport, segment.dport):
            message = dpkt.dns.DNS(segment.data)
            seen["dns"] |= {question.name for question in message.qd}
            seen["answers"] |= {answer.name for answer in message.an}
        elif isinstance(segment, dpkt.tcp.TCP) and segment.data and segment.dport == 80:
            request = dpkt.http.Request(segment.data)
            seen["http"].append(f"http://{request.headers['host']}{request.uri}")
        elif isinstance(segment, dpkt.tcp.TCP) and segment.data and segment.dport == 443:
            records, _ = dpkt.ssl.tls_multi_factory(segment.data)
            hello = dpkt.ssl.TLSHandshake(records[0].data).data
            seen["sni"] |= {ext[5:].decode() for kind, ext in hello.extensions if kind == 0}
    return seen


def _with(state: SimState, kind: str, artefact: str) -> SandboxReport:
    return next(r for r in state.corpus.pick(kind).reports if artefact in r.artefacts)


async def test_pcap_is_a_capture_dpkt_reads_with_the_reports_dns_http_and_tls(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _with(state, "rich", "pcap")
    response = await client.get(f"/api/v3/file_behaviours/{report.id}/pcap")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.tcpdump.pcap"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["content-disposition"] == f'attachment; filename="{report.id}.pcap"'
    seen = _read_pcap(response.content)
    attributes = report.attributes
    assert seen["dns"] == {e["hostname"] for e in attributes["dns_lookups"]}
    assert seen["answers"] == {
        e["hostname"] for e in attributes["dns_lookups"] if "resolved_ips" in e
    }
    plain = [c["url"] for c in attributes["http_conversations"] if c["url"].startswith("http://")]
    assert seen["http"] == plain
    assert seen["sni"] == {t["sni"] for t in attributes["tls"]}


async def test_hostile_pcap_still_parses_and_keeps_the_payload_in_the_request(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _with(state, "hostile", "pcap")
    seen = _read_pcap((await client.get(f"/api/v3/file_behaviours/{report.id}/pcap")).content)
    assert "http://c2.hostile.test/<script>alert(1)</script>" in seen["http"]


async def test_evtx_is_a_zip_holding_one_event_log_with_the_real_header(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _with(state, "rich", "evtx")
    response = await client.get(f"/api/v3/file_behaviours/{report.id}/evtx")
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        (member,) = archive.namelist()
        log = archive.read(member)
    assert member.endswith(".evtx")
    assert log.startswith(b"ElfFile\x00")
    assert log[4096:4104] == b"ElfChnk\x00"


async def test_memdump_is_exactly_the_configured_size_and_the_same_every_time(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _with(state, "rich", "memdump")
    url = f"/api/v3/file_behaviours/{report.id}/memdump"
    first, second = await client.get(url), await client.get(url)
    assert first.headers["content-type"] == "application/octet-stream"
    assert int(first.headers["content-length"]) == len(first.content) == 1024 * 1024
    assert hashlib.sha256(first.content).digest() == hashlib.sha256(second.content).digest()
    other = _with(state, "ordinary", "memdump")
    third = await client.get(f"/api/v3/file_behaviours/{other.id}/memdump")
    assert third.content[:4] == first.content[:4] == b"MDMP"
    assert third.content != first.content


async def test_memdump_head_states_the_length_without_a_body(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _with(state, "rich", "memdump")
    response = await client.head(f"/api/v3/file_behaviours/{report.id}/memdump")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(1024 * 1024)
    assert response.content == b""


async def test_html_report_is_html_and_escapes_every_hostile_string(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _with(state, "hostile", "html")
    response = await client.get(f"/api/v3/file_behaviours/{report.id}/html")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE_STRINGS[3] in page  # prompt injection is plain text: shown, not altered


async def test_an_artefact_the_report_does_not_have_is_not_found(
    client: httpx.AsyncClient, state: SimState
) -> None:
    capa = next(r for r in state.corpus.pick("rich").reports if r.sandbox_name == "CAPA")
    for artefact in ("pcap", "evtx", "memdump", "html"):
        response = await client.get(f"/api/v3/file_behaviours/{capa.id}/{artefact}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NotFoundError"


async def test_html_can_be_opened_to_public_keys_by_setting() -> None:
    app = create_app(SimSettings(html_requires_privilege=False))
    report = next(r for r in app.state.sim.corpus.pick("rich").reports if r.has_html_report)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://sim.test",
        headers={"x-apikey": DEMO_PUBLIC_KEY},
    ) as http:
        assert (await http.get(f"/api/v3/file_behaviours/{report.id}/html")).status_code == 200
        assert (await http.get(f"/api/v3/file_behaviours/{report.id}/pcap")).status_code == 403


async def test_redirect_mode_sends_a_302_to_keyless_storage_that_records_any_key() -> None:
    app = create_app(SimSettings(redirect_artefacts=True))
    state: SimState = app.state.sim
    report = _with(state, "rich", "pcap")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sim.test"
    ) as http:
        redirect = await http.get(
            f"/api/v3/file_behaviours/{report.id}/pcap", headers={"x-apikey": DEMO_PRIVILEGED_KEY}
        )
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert location.startswith("http://sim.test/_storage/")
        stored = await http.get(location)
        leaked = await http.get(location, headers={"x-apikey": DEMO_PRIVILEGED_KEY})
        forged = await http.get(location[:-4] + "beef")
    assert stored.status_code == 200
    assert stored.headers["content-type"] == "application/vnd.tcpdump.pcap"
    assert stored.content == leaked.content
    assert _read_pcap(stored.content)["packets"] > 10
    assert forged.status_code == 404
    storage = state.matching("/_storage/")
    assert [entry.key for entry in storage] == [None, DEMO_PRIVILEGED_KEY, None]
