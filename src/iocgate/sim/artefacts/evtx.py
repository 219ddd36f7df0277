"""The `/evtx` artefact: a ZIP holding one Windows event log (`.evtx`) with real records.

VirusTotal ships EVTX zipped (dftimewolf unzips it before handing it to plaso). The log has a
valid file header (`ElfFile\\0`, CRC32) and one chunk (`ElfChnk\\0`, CRC32s) whose records
are the run's events in Binary XML, written without templates (every element and name
inline, which readers accept): Sysmon 1 (process creation) per process of the report's
tree, Sysmon 3 (network connection) per flow, Sysmon 11 (file created) per dropped file and
Security 4688 (new process) per command line, so a parser finds what the report says (#22.6).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["CONTENT_TYPE", "build_evtx_zip", "evtx_events"]

CONTENT_TYPE = "application/zip"
_CHUNK_SIZE = 65536
_HEADER_BLOCK = 4096
_RECORDS_START = 512
_EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
_SYSMON = ("Microsoft-Windows-Sysmon", "Microsoft-Windows-Sysmon/Operational")
_SECURITY = ("Microsoft-Windows-Security-Auditing", "Security")
_MAX_EVENTS = 200  # one chunk holds them all

Event = tuple[tuple[str, str], int, dict[str, str]]  # (provider, channel), event id, data


def build_evtx_zip(
    report_id: str,
    *,
    date_time: tuple[int, int, int, int, int, int],
    attributes: Mapping[str, Any] | None = None,
    start: int = 1_704_067_200,
) -> bytes:
    """The ZIP for one report; its single member is named after the report."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(f"{report_id}.evtx", date_time=date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, _evtx(evtx_events(attributes or {}), start))
    return buffer.getvalue()


def evtx_events(attributes: Mapping[str, Any]) -> list[Event]:
    """The events a log of this run holds, in order (at most one chunk's worth)."""
    events: list[Event] = []
    for pid, parent, command in _processes(attributes.get("processes_tree")):
        image = _image(command)
        data = {"Image": image, "CommandLine": command, "ProcessId": pid}
        events.append((_SYSMON, 1, data | {"ParentProcessId": parent}))
        events.append((_SECURITY, 4688, {"NewProcessName": image, "CommandLine": command}))
    flows = [flow for flow in attributes.get("ip_traffic", ()) if isinstance(flow, Mapping)]
    events += [
        (
            _SYSMON,
            3,
            {
                "Protocol": str(flow.get("transport_layer_protocol", "")).lower(),
                "DestinationIp": str(flow.get("destination_ip", "")),
                "DestinationPort": str(flow.get("destination_port", "")),
            },
        )
        for flow in flows
    ]
    drops = [d for d in attributes.get("files_dropped", ()) if isinstance(d, Mapping)]
    events += [(_SYSMON, 11, {"TargetFilename": str(d["path"])}) for d in drops if d.get("path")]
    return events[:_MAX_EVENTS]


def _processes(nodes: object, parent: str = "0") -> Iterator[tuple[str, str, str]]:
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, Mapping) and isinstance(node.get("name"), str):
            pid = str(node.get("process_id", ""))
            yield pid, parent, node["name"]
            yield from _processes(node.get("children"), pid)


def _image(command: str) -> str:
    text = command.strip()
    return text[1:].split('"', 1)[0] if text.startswith('"') else text.split(" ", 1)[0]


class _BinXml:
    """Binary XML written at a known offset in its chunk (inline names point at themselves)."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.out = bytearray()

    def _name(self, name: str) -> None:
        # The name's offset is where it is written: right after this 4-byte field.
        self.out += struct.pack("<I", self.base + len(self.out) + 4)
        hashed = 0
        for char in name:
            hashed = (hashed * 65599 + ord(char)) & 0xFFFFFFFF
        self.out += struct.pack("<IHH", 0, hashed & 0xFFFF, len(name))
        self.out += name.encode("utf-16-le") + b"\x00\x00"

    def _text(self, value: str) -> None:
        self.out += b"\x05\x01" + struct.pack("<H", len(value)) + value.encode("utf-16-le")

    def element(
        self, name: str, attributes: Mapping[str, str] | None = None, text: str | None = None
    ) -> _Open:
        return _Open(self, name, attributes or {}, text)


class _Open:
    """One element: ``with writer.element(...)`` writes its children inside."""

    def __init__(self, xml: _BinXml, name: str, attributes: Mapping[str, str], text: str | None):
        self.xml, self.name, self.attributes, self.text = xml, name, attributes, text

    def __enter__(self) -> _BinXml:
        xml = self.xml
        xml.out += b"\x41" if self.attributes else b"\x01"
        # No dependency identifier: only template definitions carry one, not record elements.
        self.size_at = len(xml.out)
        xml.out += b"\x00\x00\x00\x00"
        xml._name(self.name)
        if self.attributes:
            list_at = len(xml.out)
            xml.out += b"\x00\x00\x00\x00"
            items = list(self.attributes.items())
            for index, (key, value) in enumerate(items):
                xml.out += b"\x46" if index < len(items) - 1 else b"\x06"
                xml._name(key)
                xml._text(value)
            struct.pack_into("<I", xml.out, list_at, len(xml.out) - list_at - 4)
        xml.out += b"\x02"
        if self.text is not None:
            xml._text(self.text)
        return xml

    def __exit__(self, *_: object) -> None:
        xml = self.xml
        xml.out += b"\x04"
        struct.pack_into("<I", xml.out, self.size_at, len(xml.out) - self.size_at - 4)


def _record(event: Event, record_id: int, offset: int, filetime: int, moment: str) -> bytes:
    (provider, channel), event_id, data = event
    xml = _BinXml(offset + 24)  # the record header comes first
    xml.out += b"\x0f\x01\x01\x00"
    with xml.element("Event", {"xmlns": _EVENT_NS}):
        with xml.element("System"):
            with xml.element("Provider", {"Name": provider}):
                pass
            with xml.element("EventID", text=str(event_id)):
                pass
            with xml.element("TimeCreated", {"SystemTime": moment}):
                pass
            with xml.element("EventRecordID", text=str(record_id)):
                pass
            with xml.element("Channel", text=channel):
                pass
            with xml.element("Computer", text="DESKTOP-SANDBOX"):
                pass
        with xml.element("EventData"):
            for key, value in data.items():
                with xml.element("Data", {"Name": key}, text=value):
                    pass
    xml.out += b"\x00"  # end of stream
    body = bytes(xml.out).ljust((len(xml.out) + 7) // 8 * 8, b"\x00")
    size = 24 + len(body) + 4
    return (
        struct.pack("<4sIQQ", b"\x2a\x2a\x00\x00", size, record_id, filetime)
        + body
        + (struct.pack("<I", size))
    )


def _evtx(events: list[Event], start: int) -> bytes:
    records = bytearray()
    last_offset = _RECORDS_START
    for number, event in enumerate(events, start=1):
        seconds = start + number
        filetime = (seconds + 11_644_473_600) * 10_000_000
        moment = _iso(seconds)
        last_offset = _RECORDS_START + len(records)
        records += _record(event, number, last_offset, filetime, moment)
    count = len(events)
    header = struct.pack(
        "<8sQQQIHHHH",
        b"ElfFile\x00",
        0,  # first chunk number
        0,  # last chunk number
        count + 1,  # next record identifier
        128,  # header size
        1,  # minor version
        3,  # major version
        _HEADER_BLOCK,
        1,  # number of chunks
    )
    header += b"\x00" * 76 + struct.pack("<I", 0)  # unknown, file flags
    header += struct.pack("<I", zlib.crc32(header[:120]))
    return header.ljust(_HEADER_BLOCK, b"\x00") + _chunk(bytes(records), count, last_offset)


def _chunk(records: bytes, count: int, last_offset: int) -> bytes:
    head = struct.pack(
        "<8sQQQQIIII",
        b"ElfChnk\x00",
        1,  # first event record number
        max(count, 0),  # last event record number
        1,  # first event record identifier
        max(count, 0),  # last event record identifier
        128,  # header size
        last_offset,  # last event record data offset
        _RECORDS_START + len(records),  # free space offset
        zlib.crc32(records),  # event records checksum
    )
    head += b"\x00" * 64 + struct.pack("<I", 0)
    tables = b"\x00" * (_RECORDS_START - 128)
    checksum = zlib.crc32(head[:120] + tables)
    chunk = head + struct.pack("<I", checksum) + tables + records
    return chunk.ljust(_CHUNK_SIZE, b"\x00")


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
