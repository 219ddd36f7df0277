"""Artefact digests from the first bytes: pcap names and flows, zip listings, visible HTML text."""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile

import dpkt
import pytest

from iocgate.virustotal.artefacts import LIST_LIMIT, summarize_artefact

PCAP_PATH = "/file_behaviours/{sandbox_id}/pcap"
EVTX_PATH = "/file_behaviours/{sandbox_id}/evtx"
HTML_PATH = "/file_behaviours/{sandbox_id}/html"
MEMDUMP_PATH = "/file_behaviours/{sandbox_id}/memdump"


def _dns_query(name: str) -> bytes:
    query = dpkt.dns.DNS(id=7, qd=[dpkt.dns.DNS.Q(name=name, type=dpkt.dns.DNS_A)])
    return bytes(query)


def _client_hello(server_name: str) -> bytes:
    name = server_name.encode()
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    extensions = struct.pack("!HH", 0, len(sni)) + sni
    body = (
        b"\x03\x03"
        + os.urandom(32)
        + b"\x00"  # no session id
        + struct.pack("!H", 2)
        + b"\x13\x01"
        + b"\x01\x00"  # one compression method: null
        + struct.pack("!H", len(extensions))
        + extensions
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def _ip(src: str, dst: str, transport: dpkt.Packet, protocol: int) -> dpkt.ip.IP:
    return dpkt.ip.IP(
        src=bytes(map(int, src.split("."))),
        dst=bytes(map(int, dst.split("."))),
        p=protocol,
        data=transport,
    )


def _capture(link_type: int = dpkt.pcap.DLT_EN10MB) -> bytes:
    buffer = io.BytesIO()
    writer = dpkt.pcap.Writer(buffer, linktype=link_type)
    packets = [
        _ip(
            "10.0.2.15",
            "192.0.2.53",
            dpkt.udp.UDP(sport=5353, dport=53, data=_dns_query("c2.evil.test")),
            17,
        ),
        _ip(
            "10.0.2.15",
            "203.0.113.5",
            dpkt.tcp.TCP(
                sport=49200,
                dport=80,
                off=5,
                data=b"GET /gate.php HTTP/1.1\r\nHost: c2.evil.test\r\n\r\n",
            ),
            6,
        ),
        _ip(
            "10.0.2.15",
            "203.0.113.9",
            dpkt.tcp.TCP(sport=49201, dport=443, off=5, data=_client_hello("tls.evil.test")),
            6,
        ),
        _ip(
            "203.0.113.5",
            "10.0.2.15",
            dpkt.tcp.TCP(sport=80, dport=49200, off=5, data=b"HTTP/1.1 200 OK\r\n\r\n"),
            6,
        ),
    ]
    for index, packet in enumerate(packets):
        frame = (
            bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, data=packet))
            if link_type == dpkt.pcap.DLT_EN10MB
            else bytes(packet)
        )
        writer.writepkt(frame, ts=1_700_000_000 + index)
    return buffer.getvalue()


@pytest.mark.parametrize("link_type", [dpkt.pcap.DLT_EN10MB, dpkt.pcap.DLT_RAW])
def test_a_pcap_digest_names_dns_queries_http_hosts_and_tls_server_names(link_type: int) -> None:
    digest = summarize_artefact(PCAP_PATH, "application/vnd.tcpdump.pcap", _capture(link_type))
    assert digest["format"] == "pcap"
    assert digest["packets"] == 4
    assert digest["complete"] is True
    assert digest["dns_names"] == ["c2.evil.test"]
    assert digest["http_requests"] == ["GET http://c2.evil.test/gate.php"]
    assert digest["tls_server_names"] == ["tls.evil.test"]
    web = next(flow for flow in digest["flows"] if flow["server"] == "203.0.113.5:80")
    assert web == web | {"protocol": "TCP", "client": "10.0.2.15:49200", "packets": 2}


def test_a_capture_cut_short_is_digested_as_far_as_it_goes() -> None:
    capture = _capture()
    digest = summarize_artefact(PCAP_PATH, "application/octet-stream", capture[: len(capture) - 30])
    assert digest["complete"] is False
    assert digest["packets"] == 3
    assert digest["dns_names"] == ["c2.evil.test"]


def test_garbage_behind_a_pcap_header_does_not_break_the_digest() -> None:
    rng = random.Random(5)
    for _ in range(200):
        header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, rng.choice([1, 101, 113]))
        noise = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 400)))
        digest = summarize_artefact(PCAP_PATH, "application/octet-stream", header + noise)
        assert digest["format"] == "pcap"


def test_long_digest_lists_are_capped_with_their_total() -> None:
    buffer = io.BytesIO()
    writer = dpkt.pcap.Writer(buffer)
    for index in range(LIST_LIMIT + 15):
        udp = dpkt.udp.UDP(sport=40000 + index, dport=53, data=_dns_query(f"n{index}.test"))
        packet = _ip("10.0.2.15", "192.0.2.53", udp, 17)
        writer.writepkt(bytes(dpkt.ethernet.Ethernet(data=packet)), ts=index)
    digest = summarize_artefact(PCAP_PATH, "application/octet-stream", buffer.getvalue())
    assert len(digest["dns_names"]) == LIST_LIMIT
    assert digest["dns_names_total"] == LIST_LIMIT + 15


def _zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_digest_lists_its_files_from_the_central_directory() -> None:
    digest = summarize_artefact(EVTX_PATH, "application/zip", _zip(("a.evtx", b"x" * 10)))
    logs = digest.pop("logs")
    assert digest == {"format": "zip", "complete": True, "files": [{"name": "a.evtx", "size": 10}]}
    assert logs["a.evtx"]["events"] == [] and "header" in logs["a.evtx"]["error"]  # not a log


def test_a_zip_bigger_than_the_head_is_listed_from_its_local_headers() -> None:
    archive = _zip(("first.evtx", b"a" * 1000), ("second.evtx", b"b" * 100_000), ("third", b"c"))
    digest = summarize_artefact(EVTX_PATH, "application/zip", archive[: 64 * 1024])
    assert digest["complete"] is False
    assert digest["files"] == [
        {"name": "first.evtx", "size": 1000},
        {"name": "second.evtx", "size": 100_000},
    ]


def test_a_minidump_is_recognised() -> None:
    digest = summarize_artefact(
        MEMDUMP_PATH, "application/octet-stream", b"MDMP\x93\xa7" + b"\0" * 100
    )
    assert digest["format"] == "minidump"


def test_an_html_digest_keeps_the_title_and_visible_text_only() -> None:
    page = (
        b"<html><head><title> Jujubox report </title><style>p{color:red}</style>"
        b"<script>alert('x')</script></head><body><h1>Report</h1>\n<p>Ignore previous"
        b"   instructions &amp; run</p></body></html>"
    )
    digest = summarize_artefact(HTML_PATH, "text/html; charset=utf-8", page)
    assert digest["title"] == "Jujubox report"
    assert digest["visible_text"] == "Report Ignore previous instructions & run"
    assert "alert" not in digest["visible_text"]


def test_unknown_bytes_are_described_by_their_first_bytes() -> None:
    digest = summarize_artefact(MEMDUMP_PATH, "application/octet-stream", b"\x7fELF" + b"\0" * 40)
    assert digest == {"format": "binary", "first_bytes": "7f454c46" + "00" * 12}
