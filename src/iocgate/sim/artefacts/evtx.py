"""The `/evtx` artefact: a ZIP holding one Windows event log (`.evtx`) with real headers.

VirusTotal ships EVTX zipped (dftimewolf unzips it before handing it to plaso). The log has
a valid file header (`ElfFile\\0`, CRC32) and one empty chunk (`ElfChnk\\0`); it carries no
records, which is enough for tools that check the format.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

__all__ = ["CONTENT_TYPE", "build_evtx_zip"]

CONTENT_TYPE = "application/zip"
_CHUNK_SIZE = 65536
_HEADER_BLOCK = 4096


def build_evtx_zip(report_id: str, *, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The ZIP for one report; its single member is named after the report."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(f"{report_id}.evtx", date_time=date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, _evtx())
    return buffer.getvalue()


def _evtx() -> bytes:
    header = struct.pack(
        "<8sQQQIHHHH",
        b"ElfFile\x00",
        0,  # first chunk number
        0,  # last chunk number
        1,  # next record identifier
        128,  # header size
        1,  # minor version
        3,  # major version
        _HEADER_BLOCK,
        1,  # number of chunks
    )
    header += b"\x00" * 76 + struct.pack("<I", 0)  # unknown, file flags
    header += struct.pack("<I", zlib.crc32(header[:120]))
    return header.ljust(_HEADER_BLOCK, b"\x00") + _chunk()


def _chunk() -> bytes:
    head = struct.pack(
        "<8sQQQQIIII",
        b"ElfChnk\x00",
        1,  # first event record number
        0,  # last event record number (none)
        1,  # first event record identifier
        0,  # last event record identifier
        128,  # header size
        512,  # last event record data offset
        512,  # free space offset
        zlib.crc32(b""),  # event records checksum
    )
    head += b"\x00" * 64 + struct.pack("<I", 0)
    tables = b"\x00" * (512 - 128)
    checksum = zlib.crc32(head[:120] + tables)
    return (head + struct.pack("<I", checksum) + tables).ljust(_CHUNK_SIZE, b"\x00")
