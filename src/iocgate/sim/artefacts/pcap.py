"""A libpcap capture of a report's network activity: DNS, HTTP requests and TLS ClientHellos.

Built from the report's own `dns_lookups`, `http_conversations`, `tls` and `ip_traffic`, so
what a tool finds in the capture is what the report says. Ethernet/IPv4 with real checksums.
"""

from __future__ import annotations

import hashlib
import ipaddress
import struct
from random import Random
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["CONTENT_TYPE", "build_pcap"]

CONTENT_TYPE = "application/vnd.tcpdump.pcap"

_SANDBOX_IP = "10.0.2.15"
_SANDBOX_MAC = bytes.fromhex("080027a1b2c3")
_GATEWAY_MAC = bytes.fromhex("525400123502")
_FALLBACK_IP = "203.0.113.1"
_REASONS = {200: "OK", 302: "Found", 403: "Forbidden", 404: "Not Found"}


def build_pcap(attributes: dict[str, Any], *, seed: str, start: int) -> bytes:
    """The capture for one report (`seed` makes ports and sequence numbers reproducible)."""
    capture = _Capture(Random(seed), start)
    addresses: dict[str, list[str]] = {}
    resolver = next(
        (
            flow["destination_ip"]
            for flow in attributes.get("ip_traffic", ())
            if flow.get("destination_port") == 53
        ),
        "192.0.2.53",
    )
    for lookup in attributes.get("dns_lookups", ()):
        ips = lookup.get("resolved_ips", [])
        addresses[lookup["hostname"]] = ips
        capture.dns(resolver, lookup["hostname"], ips)
    covered: set[tuple[str, int]] = set()
    for conversation in attributes.get("http_conversations", ()):
        parts = urlsplit(conversation["url"])
        if parts.scheme != "http" or not parts.hostname:
            continue
        ip = (addresses.get(parts.hostname) or [_FALLBACK_IP])[0]
        port = parts.port or 80
        capture.tcp_session(ip, port, _http_request(conversation), _http_response(conversation))
        covered.add((ip, port))
    for tls in attributes.get("tls", ()):
        ip = (addresses.get(tls["sni"]) or [_FALLBACK_IP])[0]
        hello = _client_hello(capture.rng, tls["sni"])
        capture.tcp_session(ip, 443, hello, _server_hello(tls["sni"]))
        covered.add((ip, 443))
    for flow in attributes.get("ip_traffic", ()):
        target = (flow["destination_ip"], flow["destination_port"])
        if target in covered or flow["destination_port"] == 53:
            continue
        if flow["transport_layer_protocol"] == "TCP":
            capture.tcp_session(*target, b"", b"")
        else:
            capture.udp(_SANDBOX_IP, target[0], capture.port(), target[1], b"\x00" * 32)
    return capture.finish()


class _Capture:
    def __init__(self, rng: Random, start: int) -> None:
        self.rng = rng
        self.clock = float(start)
        self.packets: list[bytes] = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]

    def port(self) -> int:
        return self.rng.randint(49152, 65535)

    def dns(self, resolver: str, hostname: str, ips: list[str]) -> None:
        ident = self.rng.getrandbits(16)
        question = _qname(hostname) + struct.pack("!HH", 1, 1)
        port = self.port()
        self.udp(
            _SANDBOX_IP,
            resolver,
            port,
            53,
            struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + question,
        )
        answers = b"".join(
            struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + ipaddress.IPv4Address(ip).packed
            for ip in ips
            if _is_ipv4(ip)
        )
        count = len(answers) // 16
        flags = 0x8180 if ips else 0x8183  # NOERROR, or NXDOMAIN when nothing resolved
        header = struct.pack("!HHHHHH", ident, flags, 1, count, 0, 0)
        self.udp(resolver, _SANDBOX_IP, 53, port, header + question + answers)

    def udp(self, src: str, dst: str, sport: int, dport: int, payload: bytes) -> None:
        if not (_is_ipv4(src) and _is_ipv4(dst)):
            return
        segment = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        checksum = _checksum(_pseudo(src, dst, 17, len(segment)) + segment) or 0xFFFF
        segment = segment[:6] + struct.pack("!H", checksum) + segment[8:]
        self._ip(src, dst, 17, segment)

    def tcp_session(self, ip: str, port: int, request: bytes, response: bytes) -> None:
        if not _is_ipv4(ip):
            return
        sport = self.port()
        client, server = self.rng.getrandbits(32), self.rng.getrandbits(32)
        out = (_SANDBOX_IP, ip, sport, port)
        back = (ip, _SANDBOX_IP, port, sport)
        self._tcp(*out, client, 0, 0x02, b"")  # SYN
        self._tcp(*back, server, client + 1, 0x12, b"")  # SYN-ACK
        client, server = client + 1, server + 1
        self._tcp(*out, client, server, 0x10, b"")
        if request:
            self._tcp(*out, client, server, 0x18, request)
            client += len(request)
            self._tcp(*back, server, client, 0x10, b"")
        if response:
            self._tcp(*back, server, client, 0x18, response)
            server += len(response)
        self._tcp(*out, client, server, 0x11, b"")  # FIN-ACK
        self._tcp(*back, server, client + 1, 0x11, b"")
        self._tcp(*out, client + 1, server + 1, 0x10, b"")

    def _tcp(
        self,
        src: str,
        dst: str,
        sport: int,
        dport: int,
        seq: int,
        ack: int,
        flags: int,
        data: bytes,
    ) -> None:
        header = struct.pack(
            "!HHIIBBHHH", sport, dport, seq % 2**32, ack % 2**32, 5 << 4, flags, 64240, 0, 0
        )
        checksum = _checksum(_pseudo(src, dst, 6, len(header) + len(data)) + header + data)
        header = header[:16] + struct.pack("!H", checksum) + header[18:]
        self._ip(src, dst, 6, header + data)

    def _ip(self, src: str, dst: str, protocol: int, payload: bytes) -> None:
        ttl = 128 if src == _SANDBOX_IP else 52
        header = struct.pack(
            "!BBHHHBBH4s4s",
            0x45,
            0,
            20 + len(payload),
            self.rng.getrandbits(16),
            0x4000,
            ttl,
            protocol,
            0,
            ipaddress.IPv4Address(src).packed,
            ipaddress.IPv4Address(dst).packed,
        )
        header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
        macs = (
            (_GATEWAY_MAC + _SANDBOX_MAC) if src == _SANDBOX_IP else (_SANDBOX_MAC + _GATEWAY_MAC)
        )
        frame = macs + b"\x08\x00" + header + payload
        self.clock += self.rng.uniform(0.0005, 0.2)
        seconds = int(self.clock)
        micros = int((self.clock - seconds) * 1_000_000)
        self.packets.append(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)

    def finish(self) -> bytes:
        return b"".join(self.packets)


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pseudo(src: str, dst: str, protocol: int, length: int) -> bytes:
    return (
        ipaddress.IPv4Address(src).packed
        + ipaddress.IPv4Address(dst).packed
        + struct.pack("!BBH", 0, protocol, length)
    )


def _qname(hostname: str) -> bytes:
    labels = [label.encode("utf-8", "replace")[:63] for label in hostname.strip(".").split(".")]
    return b"".join(bytes([len(label)]) + label for label in labels if label) + b"\x00"


def _http_request(conversation: dict[str, Any]) -> bytes:
    parts = urlsplit(conversation["url"])
    # A request line cannot carry spaces or raw non-ASCII; encode them as a browser would.
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=<>\"[]{}|^`~") + (
        "?" + quote(parts.query, safe="=&%/:+,;<>\"'()[]{}|^`~!$*@") if parts.query else ""
    )
    headers = {"Host": parts.netloc, **conversation.get("request_headers", {})}
    lines = [f"{conversation.get('request_method', 'GET')} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["Accept: */*", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("utf-8")


def _http_response(conversation: dict[str, Any]) -> bytes:
    status = conversation.get("response_status_code")
    if status is None:
        return b""
    body = b"<html><body>iocgate simulator placeholder body</body></html>"
    headers = dict(conversation.get("response_headers", {}))
    headers["Content-Length"] = str(len(body))
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join([*lines, "", ""])).encode("utf-8") + body


def _client_hello(rng: Random, sni: str) -> bytes:
    name = sni.encode("idna") if sni.isascii() else sni.encode("utf-8")
    server_name = struct.pack("!BH", 0, len(name)) + name
    server_name_list = struct.pack("!H", len(server_name)) + server_name
    groups = struct.pack("!H3H", 6, 0x001D, 0x0017, 0x0018)
    extensions = (
        struct.pack("!HH", 0x0000, len(server_name_list))
        + server_name_list
        + struct.pack("!HH", 0x000A, len(groups))
        + groups
    )
    suites = struct.pack("!6H", 0x1301, 0x1302, 0xC02B, 0xC02F, 0xC02C, 0xC030)
    body = (
        struct.pack("!H", 0x0303)
        + rng.randbytes(32)
        + bytes([32])
        + rng.randbytes(32)
        + struct.pack("!H", len(suites))
        + suites
        + b"\x01\x00"
        + struct.pack("!H", len(extensions))
        + extensions
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", 0x16, 0x0301, len(handshake)) + handshake


def _server_hello(sni: str) -> bytes:
    """The server's answer (so a digest can compute its JA3S); its random is derived from the
    name, not drawn, so the rest of the capture stays as it was."""
    random = hashlib.sha256(f"server-hello/{sni}".encode()).digest()
    extensions = struct.pack("!HHB", 0xFF01, 1, 0) + struct.pack("!HHBB", 0x000B, 2, 1, 0)
    body = (
        struct.pack("!H", 0x0303)
        + random
        + b"\x00"  # no session id
        + struct.pack("!H", 0xC02F)
        + b"\x00"
        + struct.pack("!H", len(extensions))
        + extensions
    )
    handshake = b"\x02" + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", 0x16, 0x0303, len(handshake)) + handshake
