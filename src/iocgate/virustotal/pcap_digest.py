"""A digest of a libpcap capture for an agent: DNS names, HTTP exchanges, TLS and flows.

Parsed by hand from the first bytes of the capture (Ethernet, Linux cooked, raw IP; IPv4 and
IPv6). HTTP requests give method, host, path and user agent, the reply on the same flow its
status; a TLS ClientHello gives the SNI and its JA3, a ServerHello the JA3S (#22.5). Flows are
listed for diversity: one per destination first, DNS last, so a capture of a thousand lookups
still shows its TCP C2 traffic in the first page; the MCP adapter pages through the rest
(``section=flows``). The input is untrusted and may be cut anywhere: parsers stop quietly.
"""

from __future__ import annotations

import hashlib
import ipaddress
import struct
from dataclasses import dataclass, field
from typing import Any

from iocgate.virustotal.digest_limits import capped

__all__ = ["FLOW_LIMIT", "PCAP_MAGIC", "pcap_digest"]

PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": "<",  # microseconds, little-endian
    b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<",  # nanoseconds
    b"\xa1\xb2\x3c\x4d": ">",
}

#: Flows kept in the digest: the adapter condenses them to the context and pages the rest.
FLOW_LIMIT = 2000

_HTTP_METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ")
# GREASE values (RFC 8701) are left out of JA3, as its reference implementation does.
_GREASE = frozenset(0x0A0A + 0x1010 * i for i in range(16))

Flow = tuple[str, str, str]  # protocol, client endpoint, server endpoint


@dataclass
class _Traffic:
    """What the packets of a capture revealed (insertion-ordered, de-duplicated)."""

    packets: int = 0
    dns: dict[str, None] = field(default_factory=dict)
    http: list[dict[str, Any]] = field(default_factory=list)
    tls: dict[Flow, dict[str, Any]] = field(default_factory=dict)
    flows: dict[Flow, list[int]] = field(default_factory=dict)

    def flow(self, protocol: str, source: str, target: str, size: int) -> Flow:
        key = (protocol, source, target)
        if key not in self.flows and (protocol, target, source) in self.flows:
            key = (protocol, target, source)  # the reply direction of a known flow
        counts = self.flows.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += size
        return key


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _dns_name(payload: bytes, offset: int) -> tuple[str, int] | None:
    """A (possibly compressed) domain name at ``offset``, and the offset after it."""
    labels: list[str] = []
    end: int | None = None
    for _ in range(64):  # bounded: compression pointers may loop
        if offset >= len(payload):
            return None
        length = payload[offset]
        if length == 0:
            return ".".join(labels), (end if end is not None else offset + 1)
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(payload):
                return None
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | payload[offset + 1]
            continue
        label = payload[offset + 1 : offset + 1 + length]
        labels.append(label.decode("ascii", errors="replace"))
        offset += 1 + length
    return None


def _dns(payload: bytes, traffic: _Traffic) -> None:
    if len(payload) < 12:
        return
    questions = struct.unpack("!H", payload[4:6])[0]
    offset = 12
    for _ in range(min(questions, 16)):
        found = _dns_name(payload, offset)
        if found is None:
            return
        name, offset = found
        offset += 4  # type, class
        if name:
            traffic.dns[name.lower()] = None


def _u16(data: bytes, offset: int) -> int | None:
    return struct.unpack("!H", data[offset : offset + 2])[0] if offset + 2 <= len(data) else None


def _u16_list(data: bytes) -> list[int]:
    return [struct.unpack("!H", data[i : i + 2])[0] for i in range(0, len(data) - 1, 2)]


def _extensions(payload: bytes, offset: int) -> list[tuple[int, bytes]]:
    """The (type, data) extensions of a hello from ``offset`` (their length prefix)."""
    total = _u16(payload, offset)
    if total is None:
        return []
    end = min(len(payload), offset + 2 + total)
    offset += 2
    found = []
    while offset + 4 <= end:
        kind, length = struct.unpack("!HH", payload[offset : offset + 4])
        found.append((kind, payload[offset + 4 : offset + 4 + length]))
        offset += 4 + length
    return found


def _fingerprint(parts: list[list[int] | int]) -> str:
    text = ",".join(
        "-".join(str(v) for v in part) if isinstance(part, list) else str(part) for part in parts
    )
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _client_hello(payload: bytes) -> dict[str, Any] | None:
    """SNI and JA3 of a TLS ClientHello that starts this TCP payload."""
    if len(payload) < 43 or payload[0] != 0x16 or payload[5] != 0x01:
        return None
    version = _u16(payload, 9)
    offset = 5 + 4 + 2 + 32  # record header, handshake header, version, random
    if offset >= len(payload) or version is None:
        return None
    offset += 1 + payload[offset]  # session id
    length = _u16(payload, offset)
    if length is None:
        return None
    ciphers = [c for c in _u16_list(payload[offset + 2 : offset + 2 + length]) if c not in _GREASE]
    offset += 2 + length
    if offset >= len(payload):
        return None
    offset += 1 + payload[offset]  # compression methods
    hello: dict[str, Any] = {}
    kinds: list[int] = []
    groups: list[int] = []
    formats: list[int] = []
    for kind, data in _extensions(payload, offset):
        if kind in _GREASE:
            continue
        kinds.append(kind)
        if kind == 0 and len(data) >= 5:  # server_name: list length, type, name length, name
            name_length = struct.unpack("!H", data[3:5])[0]
            sni = data[5 : 5 + name_length].decode("ascii", errors="replace")
            if sni:
                hello["sni"] = sni.lower()
        elif kind == 10 and len(data) >= 2:
            groups = [g for g in _u16_list(data[2:]) if g not in _GREASE]
        elif kind == 11 and data:
            formats = list(data[1 : 1 + data[0]])
    hello["ja3"] = _fingerprint([version, ciphers, kinds, groups, formats])
    return hello


def _server_hello(payload: bytes) -> str | None:
    """The JA3S of a TLS ServerHello that starts this TCP payload."""
    if len(payload) < 43 or payload[0] != 0x16 or payload[5] != 0x02:
        return None
    version = _u16(payload, 9)
    offset = 5 + 4 + 2 + 32
    if offset >= len(payload) or version is None:
        return None
    offset += 1 + payload[offset]  # session id
    cipher = _u16(payload, offset)
    if cipher is None:
        return None
    offset += 2 + 1  # cipher suite, compression method
    kinds = [kind for kind, _ in _extensions(payload, offset) if kind not in _GREASE]
    return _fingerprint([version, cipher, kinds])


def _http_request(payload: bytes) -> dict[str, Any] | None:
    if not payload.startswith(_HTTP_METHODS):
        return None
    lines = payload.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    request: dict[str, Any] = {
        "method": parts[0],
        "host": headers.get("host", ""),
        "path": parts[1],
    }
    if headers.get("user-agent"):
        request["user_agent"] = headers["user-agent"][:300]
    return request


def _request_line(request: dict[str, Any]) -> str:
    path, host = request["path"], request["host"]
    target = path if path.startswith("http") or not host else f"http://{host}{path}"
    return f"{request['method']} {target}"[:300]


def _http_status(payload: bytes) -> int | None:
    if not payload.startswith(b"HTTP/1."):
        return None
    parts = payload[:32].split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _transport(protocol: int, source: str, target: str, data: bytes, traffic: _Traffic) -> None:
    if protocol == 17 and len(data) >= 8:
        sport, dport = struct.unpack("!HH", data[:4])
        traffic.flow("UDP", _endpoint(source, sport), _endpoint(target, dport), len(data) - 8)
        if 53 in (sport, dport):
            _dns(data[8:], traffic)
    elif protocol == 6 and len(data) >= 20:
        sport, dport = struct.unpack("!HH", data[:4])
        payload = data[(data[12] >> 4) * 4 :]
        key = traffic.flow("TCP", _endpoint(source, sport), _endpoint(target, dport), len(payload))
        if payload:
            _application(payload, key, traffic)


def _application(payload: bytes, key: Flow, traffic: _Traffic) -> None:
    request = _http_request(payload)
    if request is not None:
        traffic.http.append(request | {"server": key[2]})
        return
    status = _http_status(payload)
    if status is not None:
        for exchange in reversed(traffic.http):  # the latest request on this flow
            if exchange["server"] == key[2] and "status" not in exchange:
                exchange["status"] = status
                break
        return
    hello = _client_hello(payload)
    if hello is not None:
        traffic.tls.setdefault(key, {"server": key[2]}).update(hello)
        return
    ja3s = _server_hello(payload)
    if ja3s is not None:
        traffic.tls.setdefault(key, {"server": key[2]})["ja3s"] = ja3s


def _diverse(traffic: _Traffic) -> list[dict[str, Any]]:
    """Flows, one per destination (protocol and server) in turn; DNS after everything else."""
    by_destination: dict[tuple[bool, str, str], list[dict[str, Any]]] = {}
    for (protocol, source, target), (n, size) in traffic.flows.items():
        is_dns = target.endswith(":53") or source.endswith(":53")
        entry = {"protocol": protocol, "client": source, "server": target, "packets": n}
        by_destination.setdefault((is_dns, protocol, target), []).append(entry | {"bytes": size})
    ordered: list[dict[str, Any]] = []
    for is_dns in (False, True):
        groups = [g for (dns, _, _), g in by_destination.items() if dns is is_dns]
        for round_ in range(max((len(g) for g in groups), default=0)):
            ordered += [group[round_] for group in groups if round_ < len(group)]
    return ordered


def _ip(packet: bytes, traffic: _Traffic) -> None:
    if not packet:
        return
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        header = (packet[0] & 0x0F) * 4
        if struct.unpack("!H", packet[6:8])[0] & 0x1FFF:
            return  # a later fragment: no transport header
        source = str(ipaddress.IPv4Address(packet[12:16]))
        target = str(ipaddress.IPv4Address(packet[16:20]))
        _transport(packet[9], source, target, packet[header:], traffic)
    elif version == 6 and len(packet) >= 40:
        source = str(ipaddress.IPv6Address(packet[8:24]))
        target = str(ipaddress.IPv6Address(packet[24:40]))
        _transport(packet[6], source, target, packet[40:], traffic)


def _network_layer(link_type: int, frame: bytes) -> bytes | None:
    if link_type == 1:  # Ethernet, with any 802.1Q tags
        offset = 12
        while offset + 2 <= len(frame):
            ether_type = struct.unpack("!H", frame[offset : offset + 2])[0]
            if ether_type in (0x8100, 0x88A8):
                offset += 4
                continue
            return frame[offset + 2 :] if ether_type in (0x0800, 0x86DD) else None
        return None
    if link_type == 113:  # Linux cooked capture
        return frame[16:] if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if link_type in (12, 14, 101, 228, 229):  # raw IP (12 and 14: DLT_RAW as some writers store it)
        return frame
    if link_type == 0:  # BSD loopback: a 4-byte address family
        return frame[4:]
    return None


def pcap_digest(head: bytes) -> dict[str, Any]:
    """The digest of a libpcap capture whose first bytes are ``head``."""
    order = PCAP_MAGIC[head[:4]]
    if len(head) < 24:
        return {"format": "pcap", "packets": 0, "complete": False}
    link_type = struct.unpack(order + "I", head[20:24])[0]
    traffic = _Traffic()
    offset = 24
    complete = True
    while offset < len(head):
        if offset + 16 > len(head):
            complete = False
            break
        captured = struct.unpack(order + "I", head[offset + 8 : offset + 12])[0]
        frame = head[offset + 16 : offset + 16 + captured]
        if len(frame) < captured:
            complete = False
            break
        offset += 16 + captured
        traffic.packets += 1
        packet = _network_layer(link_type, frame)
        if packet is not None:
            _ip(packet, traffic)
    digest: dict[str, Any] = {
        "format": "pcap",
        "link_type": link_type,
        "packets": traffic.packets,
        "complete": complete,
    }
    requests = traffic.http
    tls = list(traffic.tls.values())
    digest |= capped(list(traffic.dns), "dns_names")
    digest |= capped(list(dict.fromkeys(_request_line(r) for r in requests)), "http_requests")
    digest |= capped(requests, "http")
    digest |= capped(list(dict.fromkeys(t["sni"] for t in tls if "sni" in t)), "tls_server_names")
    digest |= capped(tls, "tls")
    digest |= capped(_diverse(traffic), "flows", FLOW_LIMIT)
    return digest
