"""Short digests of sandbox artefacts for an agent, from their first bytes only.

- ``/html``: the report's title and visible text, trimmed;
- ``/pcap``: DNS names, HTTP requests, TLS server names and TCP/UDP flows found, parsed by hand
  (libpcap; Ethernet, Linux cooked, raw IP; IPv4 and IPv6);
- ``/evtx`` and ``/memdump`` (zip archives): the names and sizes of the files inside, from the
  central directory when the whole archive is in the head, else from the local file headers;
  a Windows minidump or anything else: its format and first bytes.

The input is untrusted and may be cut anywhere: every parser stops quietly at the first thing
it cannot read, and every list is capped (its total stated as an integer).
"""

from __future__ import annotations

import io
import ipaddress
import re
import struct
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

__all__ = ["LIST_LIMIT", "summarize_artefact"]

#: At most this many entries per list in a digest.
LIST_LIMIT = 40
TEXT_LIMIT = 3000

_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": "<",  # microseconds, little-endian
    b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<",  # nanoseconds
    b"\xa1\xb2\x3c\x4d": ">",
}
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_ZIP_MAGIC = b"PK\x03\x04"
_HTTP_METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ")
_SPACES = re.compile(r"\s+")


def _capped(values: list[Any], name: str) -> dict[str, Any]:
    digest: dict[str, Any] = {name: values[:LIST_LIMIT]}
    if len(values) > LIST_LIMIT:
        digest[f"{name}_total"] = len(values)
    return digest


class _VisibleText(HTMLParser):
    """Text a browser would show: no script, style or head content; whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.parts: list[str] = []
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._hidden += 1
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template") and self._hidden:
            self._hidden -= 1
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden:
            self.parts.append(data)


def _html(head: bytes, content_type: str) -> dict[str, Any]:
    charset = "utf-8"
    match = re.search(r"charset=([\w-]+)", content_type)
    if match:
        charset = match.group(1)
    try:
        text = head.decode(charset, errors="replace")
    except LookupError:
        text = head.decode("utf-8", errors="replace")
    parser = _VisibleText()
    parser.feed(text)
    visible = _SPACES.sub(" ", " ".join(parser.parts)).strip()
    digest: dict[str, Any] = {"format": "html"}
    title = _SPACES.sub(" ", parser.title).strip()
    if title:
        digest["title"] = title[:300]
    digest["visible_text"] = visible[:TEXT_LIMIT]
    digest["visible_text_chars"] = len(visible)
    return digest


@dataclass
class _Traffic:
    """What the packets of a capture revealed (insertion-ordered, de-duplicated)."""

    packets: int = 0
    dns: dict[str, None] = field(default_factory=dict)
    http: dict[str, None] = field(default_factory=dict)
    sni: dict[str, None] = field(default_factory=dict)
    flows: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)

    def flow(self, protocol: str, source: str, target: str, size: int) -> None:
        key = (protocol, source, target)
        if key not in self.flows and (protocol, target, source) in self.flows:
            key = (protocol, target, source)  # the reply direction of a known flow
        counts = self.flows.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += size


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


def _tls_server_name(payload: bytes) -> str | None:
    """The SNI of a TLS ClientHello that starts this TCP payload."""
    if len(payload) < 43 or payload[0] != 0x16 or payload[5] != 0x01:
        return None
    offset = 5 + 4 + 2 + 32  # record header, handshake header, version, random
    if offset >= len(payload):
        return None
    offset += 1 + payload[offset]  # session id
    if offset + 2 > len(payload):
        return None
    offset += 2 + struct.unpack("!H", payload[offset : offset + 2])[0]  # cipher suites
    if offset >= len(payload):
        return None
    offset += 1 + payload[offset]  # compression methods
    if offset + 2 > len(payload):
        return None
    end = min(len(payload), offset + 2 + struct.unpack("!H", payload[offset : offset + 2])[0])
    offset += 2
    while offset + 4 <= end:
        kind, length = struct.unpack("!HH", payload[offset : offset + 4])
        offset += 4
        if kind == 0 and offset + 5 <= end:  # server_name: list length, type, name length
            name_length = struct.unpack("!H", payload[offset + 3 : offset + 5])[0]
            name = payload[offset + 5 : offset + 5 + name_length]
            return name.decode("ascii", errors="replace") or None
        offset += length
    return None


def _http_request(payload: bytes) -> str | None:
    if not payload.startswith(_HTTP_METHODS):
        return None
    head = payload.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    host = next(
        (line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("host:")),
        "",
    )
    target = parts[1] if parts[1].startswith("http") or not host else f"http://{host}{parts[1]}"
    return f"{parts[0]} {target}"[:300]


def _transport(protocol: int, source: str, target: str, data: bytes, traffic: _Traffic) -> None:
    if protocol == 17 and len(data) >= 8:
        sport, dport = struct.unpack("!HH", data[:4])
        traffic.flow("UDP", _endpoint(source, sport), _endpoint(target, dport), len(data) - 8)
        if 53 in (sport, dport):
            _dns(data[8:], traffic)
    elif protocol == 6 and len(data) >= 20:
        sport, dport = struct.unpack("!HH", data[:4])
        payload = data[(data[12] >> 4) * 4 :]
        traffic.flow("TCP", _endpoint(source, sport), _endpoint(target, dport), len(payload))
        if not payload:
            return
        request = _http_request(payload)
        if request:
            traffic.http[request] = None
        server_name = _tls_server_name(payload)
        if server_name:
            traffic.sni[server_name.lower()] = None


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


def _pcap(head: bytes) -> dict[str, Any]:
    order = _PCAP_MAGIC[head[:4]]
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
    flows = [
        {"protocol": protocol, "client": source, "server": target, "packets": n, "bytes": size}
        for (protocol, source, target), (n, size) in traffic.flows.items()
    ]
    digest: dict[str, Any] = {
        "format": "pcap",
        "link_type": link_type,
        "packets": traffic.packets,
        "complete": complete,
    }
    digest |= _capped(list(traffic.dns), "dns_names")
    digest |= _capped(list(traffic.http), "http_requests")
    digest |= _capped(list(traffic.sni), "tls_server_names")
    digest |= _capped(flows, "flows")
    return digest


def _zip(head: bytes) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(io.BytesIO(head)) as archive:
            files = [{"name": i.filename, "size": i.file_size} for i in archive.infolist()]
        return {"format": "zip", "complete": True, **_capped(files, "files")}
    except (zipfile.BadZipFile, ValueError, OSError):
        pass  # the central directory is past the head: read the local headers instead
    files = []
    offset = 0
    while offset + 30 <= len(head) and head[offset : offset + 4] == _ZIP_MAGIC:
        (_, _, flags, _, _, _, _, compressed, size, name_length, extra_length) = struct.unpack(
            "<IHHHHHIIIHH", head[offset : offset + 30]
        )
        name = head[offset + 30 : offset + 30 + name_length]
        encoding = "utf-8" if flags & 0x800 else "cp437"
        entry: dict[str, Any] = {"name": name.decode(encoding, errors="replace")}
        if flags & 0x08:  # sizes follow the data: the next header cannot be found
            files.append(entry)
            break
        entry["size"] = size
        files.append(entry)
        offset += 30 + name_length + extra_length + compressed
    return {"format": "zip", "complete": False, **_capped(files, "files")}


def summarize_artefact(path: str, content_type: str, head: bytes) -> dict[str, Any]:
    """A digest of an artefact from operation ``path`` whose first bytes are ``head``."""
    kind = content_type.split(";")[0].strip().lower()
    if path.endswith("/html") or kind in ("text/html", "application/xhtml+xml"):
        return _html(head, content_type)
    if head[:4] in _PCAP_MAGIC:
        return _pcap(head)
    if head[:4] == _PCAPNG_MAGIC:
        return {"format": "pcapng"}  # not parsed: VirusTotal serves classic libpcap
    if head[:4] == _ZIP_MAGIC:
        return _zip(head)
    if head[:4] == b"MDMP":
        return {"format": "minidump", "first_bytes": head[:16].hex()}
    return {"format": "binary", "first_bytes": head[:16].hex()}
