"""Short digests of sandbox artefacts for an agent, from their first bytes only.

- ``/html``: the report's title and visible text, trimmed;
- ``/pcap``: DNS names, HTTP exchanges, TLS (SNI, JA3, JA3S) and flows (pcap_digest.py);
- ``/evtx`` and ``/memdump`` (zip archives): the names and sizes of the files inside, from the
  central directory when the whole archive is in the head, else from the local file headers;
  an ``.evtx`` inside a whole archive is read into events (evtx_events.py);
  a Windows minidump or anything else: its format, first bytes and readable strings with
  their offsets (memory_strings.py).

The input is untrusted and may be cut anywhere: every parser stops quietly at the first thing
it cannot read, and every list is capped (its total stated as an integer).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from html.parser import HTMLParser
from typing import Any

from iocgate.virustotal.digest_limits import LIST_LIMIT, capped
from iocgate.virustotal.evtx_events import evtx_digest
from iocgate.virustotal.memory_strings import memory_strings
from iocgate.virustotal.pcap_digest import PCAP_MAGIC, pcap_digest

__all__ = ["LIST_LIMIT", "summarize_artefact"]

TEXT_LIMIT = 3000

_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_ZIP_MAGIC = b"PK\x03\x04"
_SPACES = re.compile(r"\s+")


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


_EVTX_READ_LIMIT = 16 * 1024 * 1024  # uncompressed bytes of one log parsed for a digest


def _zip(head: bytes) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(io.BytesIO(head)) as archive:
            members = archive.infolist()
            files = [{"name": i.filename, "size": i.file_size} for i in members]
            logs = {
                i.filename: evtx_digest(archive.read(i))
                for i in members[:4]
                if i.filename.lower().endswith(".evtx") and i.file_size <= _EVTX_READ_LIMIT
            }
        digest = {"format": "zip", "complete": True, **capped(files, "files")}
        return digest | ({"logs": logs} if logs else {})
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
    return {"format": "zip", "complete": False, **capped(files, "files")}


def summarize_artefact(path: str, content_type: str, head: bytes) -> dict[str, Any]:
    """A digest of an artefact from operation ``path`` whose first bytes are ``head``."""
    kind = content_type.split(";")[0].strip().lower()
    if path.endswith("/html") or kind in ("text/html", "application/xhtml+xml"):
        return _html(head, content_type)
    if head[:4] in PCAP_MAGIC:
        return pcap_digest(head)
    if head[:4] == _PCAPNG_MAGIC:
        return {"format": "pcapng"}  # not parsed: VirusTotal serves classic libpcap
    if head[:4] == _ZIP_MAGIC:
        return _zip(head)
    kind = "minidump" if head[:4] == b"MDMP" else "binary"
    strings = memory_strings(head)
    return {
        "format": kind,
        "first_bytes": head[:16].hex(),
        **(strings if strings["strings"] else {}),
    }
